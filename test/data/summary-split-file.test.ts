import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { readDataset, splitRows } from '../../src/data';
import { splitDatasetFile, splitFilePaths } from '../../src/data/split-file';
import { describeSummary, MAX_SUMMARY_LABELS, summarizeDataset } from '../../src/data/summary';
import { isUserError } from '../../src/engine/errors';
import { tempFolder } from './tmp';

describe('datasets: streamed summary (row count, label distribution)', () => {
  const tmp = tempFolder();
  after(() => tmp.remove());

  it('counts rows and labels as an independent count does, in JSONL, CSV and a JSON array, with label names', async () => {
    const labels = ['pos', 'neg', 'neg', 'pos', 'pos', 'neutral', 'pos'];
    const jsonl = tmp.write('s.jsonl', labels.map((l, i) => JSON.stringify({ text: `t${i}`, label: l })).join('\n') + '\n\n{bad json\n[1,2]\n');
    const summary = await summarizeDataset(jsonl, { labelColumn: 'label' }, { chunkSize: 7 });
    assert.equal(summary.rows, 7);
    assert.equal(summary.invalidRows, 2);
    assert.deepEqual(summary.labels, [{ label: 'pos', count: 4 }, { label: 'neg', count: 2 }, { label: 'neutral', count: 1 }]);
    assert.equal(describeSummary(summary), '7 rows · 2 unreadable · pos 57% · neg 29% · neutral 14%');
    const csv = tmp.write('s.csv', 'text,label\n"a, b",1\nc,0\n"multi\nline",1\n');
    assert.deepEqual(await summarizeDataset(csv, { labelColumn: 'label', labelNames: ['negative', 'positive'] }),
      { rows: 3, invalidRows: 0, labels: [{ label: 'positive', count: 2 }, { label: 'negative', count: 1 }] });
    const json = tmp.write('s.json', JSON.stringify([{ text: 'a', y: 'x' }, { text: 'b' }]));
    assert.deepEqual(await summarizeDataset(json, { labelColumn: 'y' }), { rows: 2, invalidRows: 0, labels: [{ label: 'x', count: 1 }], missingLabel: 1 });
  });

  it(`keeps at most ${MAX_SUMMARY_LABELS} distinct labels and adds up the rest (a text column is not a label)`, async () => {
    const file = tmp.write('unique.jsonl', Array.from({ length: 120 }, (_, i) => JSON.stringify({ label: `l${i}` })).join('\n'));
    const summary = await summarizeDataset(file, { labelColumn: 'label' });
    assert.equal(summary.labels!.length, MAX_SUMMARY_LABELS);
    assert.equal(summary.otherLabels, 120 - MAX_SUMMARY_LABELS);
  });

  it('streams a large file in bounded memory: the heap grows far less than the file', async function () {
    this.timeout(120_000);
    const lines = 300_000;
    const filler = 'x'.repeat(120);
    const file = join(tmp.dir, 'large.jsonl');
    const chunks: string[] = [];
    for (let i = 0; i < lines; i++) chunks.push(JSON.stringify({ text: `${filler}${i}`, label: i % 3 === 0 ? 'a' : 'b' }));
    writeFileSync(file, chunks.join('\n') + '\n');
    chunks.length = 0;
    const bytes = readFileSync(file).length;
    // The live heap (after a full collection), sampled while the summary streams: garbage does not count.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const start = process.memoryUsage().heapUsed;
    let peak = start;
    const sampler = setInterval(() => {
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }, 20);
    const summary = await summarizeDataset(file, { labelColumn: 'label' });
    clearInterval(sampler);
    assert.equal(summary.rows, lines);
    assert.deepEqual(summary.labels, [{ label: 'b', count: 200_000 }, { label: 'a', count: 100_000 }]);
    // Holding the file (or its rows) would take at least its size; the stream holds a chunk and a line.
    assert.ok(peak - start < bytes / 8, `live heap grew ${((peak - start) / 2 ** 20).toFixed(1)} MiB reading a ${(bytes / 2 ** 20).toFixed(1)} MiB file`);
  });
});

describe('datasets: splitting a file (streamed, seeded, stratified, never overwriting)', () => {
  const tmp = tempFolder();
  after(() => tmp.remove());
  const rows = Array.from({ length: 103 }, (_, i) => ({ text: `row ${i}`, label: i % 4 === 0 ? 'rare' : 'common', n: i }));

  it('writes NAME.train/dev/test.jsonl holding every record once, with the assignment splitRows makes', async () => {
    const file = tmp.write('data.jsonl', rows.map((r) => JSON.stringify(r)).join('\n') + '\n{not json\n');
    const result = await splitDatasetFile(file, { train: 0.8, dev: 0.1, test: 0.1 }, 7, { stratifyBy: 'label' }, { chunkSize: 64 });
    assert.deepEqual(result.files, splitFilePaths(file));
    assert.equal(result.invalidRows, 1);
    const read = (f: string) => readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as (typeof rows)[number]);
    const parts = { train: read(result.files.train), dev: read(result.files.dev), test: read(result.files.test) };
    assert.deepEqual([...parts.train, ...parts.dev, ...parts.test].map((r) => r.n).sort((a, b) => a - b), rows.map((r) => r.n));
    assert.deepEqual(result.rows, { train: parts.train.length, dev: parts.dev.length, test: parts.test.length });
    // The same split as the library's in-memory splitRows on the same rows (file order kept in each part).
    const expected = splitRows(rows.map((r) => ({ text: r.text, label: r.label, n: String(r.n) })), { train: 0.8, dev: 0.1, test: 0.1 }, 7, 'label');
    for (const name of ['train', 'dev', 'test'] as const) assert.deepEqual(parts[name].map((r) => String(r.n)), expected[name].map((r) => r.n), name);
    // Stratified: each part keeps the 1-in-4 "rare" share within one row.
    for (const part of Object.values(parts)) {
      const rare = part.filter((r) => r.label === 'rare').length;
      assert.ok(Math.abs(rare - part.length / 4) <= 1, `${rare} rare of ${part.length}`);
    }
    // The files read back as datasets.
    assert.equal((await readDataset(result.files.dev)).rows.length, parts.dev.length);
  });

  it('never overwrites: an existing split file stops it with one message, touching nothing', async () => {
    const folder = tempFolder();
    try {
      const file = folder.write('d.csv', 'text,label\na,x\nb,y\nc,x\n');
      const kept = folder.write('d.dev.jsonl', 'mine\n');
      await assert.rejects(splitDatasetFile(file, { train: 0.6, dev: 0.2, test: 0.2 }, 0), (e: Error) => isUserError(e) && e.message.includes('d.dev.jsonl already exists') && e.message.includes('never overwrites'));
      assert.equal(readFileSync(kept, 'utf8'), 'mine\n');
      assert.deepEqual(readdirSync(folder.dir).sort(), ['d.csv', 'd.dev.jsonl']);
    } finally {
      folder.remove();
    }
  });

  it('names the line of a row without the stratification column, and leaves no file behind', async () => {
    const folder = tempFolder();
    try {
      const file = folder.write('e.jsonl', '{"text":"a","label":"x"}\n{"text":"b"}\n');
      await assert.rejects(splitDatasetFile(file, { train: 0.5, dev: 0.5 }, 0, { stratifyBy: 'label' }), (e: Error) => isUserError(e) && e.message.includes('e.jsonl:2') && e.message.includes('"label"'));
      assert.deepEqual(readdirSync(folder.dir), ['e.jsonl']);
      assert.ok(!existsSync(join(folder.dir, 'e.train.jsonl')));
    } finally {
      folder.remove();
    }
  });
});
