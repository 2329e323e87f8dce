/**
 * npm run bench:data — writes a JSONL file of at least 1 GiB in the temp folder, counts its rows and draws a
 * seeded 1,000-row sample with the streaming readers, then deletes it. Shows that file size does not drive
 * memory: peak RSS stays near the baseline while the file is 1 GiB. Prints one JSON object as its last
 * stdout line: {"rows", "bytes", "countMs", "sampleMs", "peakRssMB", ...}.
 */
import { closeSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countRows, sampleRows } from '../src/data';

const TARGET_BYTES = 1024 ** 3;
const SAMPLE = 1000;
const WORDS = ['a', 'gripping', 'dull', 'film', 'with', 'sharp', 'writing', 'and', 'a', 'tired', 'plot', ',', 'it', "'s", 'funny', 'café', 'ending', '.'];

function peakRssMB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024); // maxRSS is in KiB
}

/** 4,096 varied review-like texts and labels, cycled (with the row number in front) to fill the file. */
function textPool(): { text: string; label: string }[] {
  let seed = 1;
  const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  return Array.from({ length: 4096 }, () => {
    const n = 8 + (next() % 40);
    const words: string[] = [];
    for (let i = 0; i < n; i++) words.push(WORDS[next() % WORDS.length]);
    return { text: words.join(' '), label: next() % 2 ? 'positive' : 'negative' };
  });
}

/** Writes rows in 8 MiB blocks until the file holds TARGET_BYTES; returns the row count. */
function writeFile(path: string): number {
  const pool = textPool();
  const fd = openSync(path, 'w');
  let rows = 0;
  let bytes = 0;
  try {
    while (bytes < TARGET_BYTES) {
      const lines: string[] = [];
      let blockChars = 0;
      while (blockChars < 8 * 1024 * 1024) {
        const { text, label } = pool[rows % pool.length];
        const line = `{"text": "${rows} ${text}", "label": "${label}"}\n`;
        lines.push(line);
        blockChars += line.length;
        rows++;
      }
      bytes += writeSync(fd, lines.join(''));
    }
  } finally {
    closeSync(fd);
  }
  return rows;
}

async function main(): Promise<void> {
  const path = join(tmpdir(), `ptune-data-bench-${process.pid}.jsonl`);
  try {
    let t = Date.now();
    const written = writeFile(path);
    const writeMs = Date.now() - t;
    const bytes = statSync(path).size;
    const baselineRssMB = Math.round(process.memoryUsage().rss / 1024 / 1024);

    t = Date.now();
    const rows = await countRows(path);
    const countMs = Date.now() - t;
    if (rows !== written) throw new Error(`counted ${rows} rows, wrote ${written}`);

    t = Date.now();
    const sample = await sampleRows(path, SAMPLE, 7, { textColumns: ['text'], labelColumn: 'label' });
    const sampleMs = Date.now() - t;
    if (sample.rows.length !== SAMPLE || sample.validRows !== rows) throw new Error('sample size mismatch');

    console.log(`wrote ${rows} rows (${(bytes / 1024 ** 3).toFixed(2)} GiB) in ${writeMs} ms; counted in ${countMs} ms; sampled ${SAMPLE} rows in ${sampleMs} ms`);
    console.log(
      JSON.stringify({
        rows,
        bytes,
        countMs,
        sampleMs,
        peakRssMB: peakRssMB(),
        baselineRssMB,
        sampleRows: SAMPLE,
        countMBps: Math.round(bytes / 1024 / 1024 / (countMs / 1000)),
        sampleMBps: Math.round(bytes / 1024 / 1024 / (sampleMs / 1000)),
        sampleHash: sample.hash,
      }),
    );
  } finally {
    rmSync(path, { force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
