/**
 * npm run bench:eval [-- --rounds 2 --passes 2 --uncached] — `ptune eval`'s scoring throughput and peak RSS on
 * SST-2 dev (872 rows) with imdb-gpt2-small, for the zero-shot sst2-rating prompt and the same prompt with
 * 4 demonstrations (2 per label, drawn from train). Two ways of batching, in the same run:
 *  - `fixed8`: the engine's former fixed 8 examples per model run (engine option chunkSize 8), 16 per call;
 *  - `memory`: the default, as many examples per run as fit the batch memory (src/engine/batch-memory.ts),
 *    with evaluate's default 64 examples per call (sorted by length together, so runs pad less).
 * Each measurement is a process of its own (so its peak RSS is its own): load, one warm-up pass, then the
 * median of `passes` passes. The two ways alternate within each round (their order flips every round), so both
 * meet the same load on a shared machine; quote the per-round ratios memory / fixed8 and their median.
 * `--uncached` adds the same with shared-prefix caching off. Accuracy is printed as proof that all agree;
 * `runs` is the histogram of examples per model run (rows → runs) of one pass, with each run's padded length.
 * One JSON object as the last line.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../src/engine/engine';
import { evaluate } from '../src/eval/evaluate';
import { drawShots, loadPromptFile } from '../src/prompts';
import { buildExamples, readRows } from '../src/worker/jobs/examples';
import { sharedPathOrUndefined } from '../test/helpers/shared';
import { median, middle } from './timing';

const BATCHINGS = ['fixed8', 'memory'] as const;
type Batching = (typeof BATCHINGS)[number];

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

interface Measured {
  examplesPerSecond: number;
  accuracy: number;
  peakRssMB: number;
  meanPromptTokens: number;
  batchMemoryMB: number;
  /** Examples per model run → number of runs, in one pass. */
  runs: Record<string, number>;
  /** Padded length → examples per run at that length (the largest seen), in one pass. */
  rowsByLength: Record<string, number>;
}

async function measureOne(model: string, dev: string, train: string, file: string, batching: Batching, caching: boolean, passes: number): Promise<Measured> {
  let recording = false;
  const runs: Record<string, number> = {};
  const rowsByLength: Record<string, number> = {};
  const engine = await Engine.load(model, {
    prefixCaching: caching,
    chunkSize: batching === 'fixed8' ? 8 : undefined,
    onChunk: (rows, length) => {
      if (!recording) return;
      runs[rows] = (runs[rows] ?? 0) + 1;
      rowsByLength[length] = Math.max(rowsByLength[length] ?? 0, rows);
    },
  });
  const prompt = await loadPromptFile(file);
  const reading = { skipInvalid: false, warnings: [] as string[] };
  const shots = prompt.shots > 0 ? drawShots(prompt, (await readRows(prompt, train, { ...reading, flag: '--train' })).rows) : undefined;
  const rows = await readRows(prompt, dev, { ...reading, flag: '--data' });
  const items = (await buildExamples(prompt, rows, engine.tokenizer, { maxLength: engine.info.maxPositions, numVirtual: 0, shots, flag: '--data' })).items.map((i) => ({ ...i, goldLabel: i.goldLabel! }));
  // fixed8 also calls the engine as evaluate did before (16 examples per call).
  const batchSize = batching === 'fixed8' ? 16 : undefined;
  recording = true;
  await evaluate(engine, items, { batchSize });
  recording = false;
  const rates: number[] = [];
  let accuracy = 0;
  for (let i = 0; i < passes; i++) {
    const r = await evaluate(engine, items, { batchSize });
    rates.push(r.examplesPerSecond);
    accuracy = r.accuracy;
  }
  const tokens = items.reduce((a, i) => a + i.example.promptIds.length, 0) / items.length;
  const batchMemoryMB = Math.round(engine.batchMemory / 2 ** 20);
  await engine.dispose();
  return {
    examplesPerSecond: Number(median(rates).toFixed(1)),
    accuracy: Number(accuracy.toFixed(4)),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    meanPromptTokens: Math.round(tokens),
    batchMemoryMB,
    runs,
    rowsByLength,
  };
}

async function main(): Promise<void> {
  const model = sharedPathOrUndefined('models/imdb-gpt2-small');
  const dev = sharedPathOrUndefined('datasets/sst2/dev.jsonl');
  const train = sharedPathOrUndefined('datasets/sst2/train.jsonl');
  if (!model || !dev || !train) throw new Error('bench:eval needs ../shared/models/imdb-gpt2-small and ../shared/datasets/sst2');
  const passes = Number(flag('--passes', '2'));
  if (process.argv[2] === '--measure') {
    const [, , , file, batching, caching] = process.argv;
    console.log(JSON.stringify(await measureOne(model, dev, train, file, batching as Batching, caching === 'cached', passes)));
    return;
  }
  const rounds = Number(flag('--rounds', '2'));
  const cachings = process.argv.includes('--uncached') ? ['cached', 'uncached'] : ['cached'];
  const tmp = mkdtempSync(join(tmpdir(), 'ptune-bench-eval-'));
  try {
    const zeroShot = join(__dirname, '..', '..', 'examples', 'sst2-rating.prompt');
    const fourShot = join(tmp, 'sst2-rating-4shot.prompt');
    writeFileSync(fourShot, readFileSync(zeroShot, 'utf8').replace('shots: 0', 'shots: 2'));
    const result: Record<string, unknown> = { model, data: dev, rounds, passesPerProcess: passes, loadAverageAtStart: loadavg().map((x) => Number(x.toFixed(2))) };
    for (const [name, file] of [['zeroShot', zeroShot], ['fourShot', fourShot]] as const) {
      for (const caching of cachings) {
        const perRound: Record<Batching, Measured>[] = [];
        for (let r = 0; r < rounds; r++) {
          const order = r % 2 === 0 ? BATCHINGS : [...BATCHINGS].reverse();
          const round = {} as Record<Batching, Measured>;
          for (const batching of order) {
            const args = [__filename, '--measure', file, batching, caching, '--passes', String(passes)];
            const child = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
            if (child.status !== 0) throw new Error(`measuring ${name} ${batching} ${caching} failed`);
            round[batching] = JSON.parse(child.stdout.trim().split('\n').pop()!) as Measured;
            console.error(`${name} ${caching} ${batching} round ${r + 1}: ${round[batching].examplesPerSecond} examples/s, peak RSS ${round[batching].peakRssMB} MB, runs ${JSON.stringify(round[batching].runs)}`);
          }
          perRound.push(round);
        }
        const speedups = perRound.map((x) => Number((x.memory.examplesPerSecond / x.fixed8.examplesPerSecond).toFixed(2)));
        const rss = perRound.map((x) => Number((x.memory.peakRssMB / x.fixed8.peakRssMB).toFixed(2)));
        const summary = (b: Batching) => {
          const last = perRound[perRound.length - 1][b];
          return {
            examplesPerSecond: Number(middle(perRound.map((x) => x[b].examplesPerSecond)).toFixed(1)),
            peakRssMB: Math.round(middle(perRound.map((x) => x[b].peakRssMB))),
            accuracy: last.accuracy,
            meanPromptTokens: last.meanPromptTokens,
            batchMemoryMB: b === 'memory' ? last.batchMemoryMB : undefined,
            runs: last.runs,
            rowsByLength: last.rowsByLength,
            perRoundExamplesPerSecond: perRound.map((x) => x[b].examplesPerSecond),
          };
        };
        result[`${name}${caching === 'cached' ? '' : 'Uncached'}`] = {
          fixed8: summary('fixed8'),
          memory: summary('memory'),
          speedupPerRound: speedups,
          speedupMedian: Number(middle(speedups).toFixed(2)),
          peakRssRatioPerRound: rss,
        };
      }
    }
    result.loadAverageAtEnd = loadavg().map((x) => Number(x.toFixed(2)));
    console.log(JSON.stringify(result));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
