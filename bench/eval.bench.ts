/**
 * npm run bench:eval — `ptune eval`'s scoring throughput on SST-2 dev (872 rows) with imdb-gpt2-small, for the
 * zero-shot sst2-rating prompt and the same prompt with 4 demonstrations (2 per label, drawn from train),
 * with shared-prefix caching off and on, in the same run. Examples/s is the median of 3 passes after one
 * warm-up pass; accuracy is printed too, as proof that both paths agree. One JSON object as the last line.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../src/engine/engine';
import { evaluate } from '../src/eval/evaluate';
import { drawShots, loadPromptFile } from '../src/prompts';
import { buildExamples, readRows } from '../src/worker/jobs/examples';
import { sharedPathOrUndefined } from '../test/helpers/shared';
import { median } from './timing';

const RUNS = 3;

async function main(): Promise<void> {
  const model = sharedPathOrUndefined('models/imdb-gpt2-small');
  const dev = sharedPathOrUndefined('datasets/sst2/dev.jsonl');
  const train = sharedPathOrUndefined('datasets/sst2/train.jsonl');
  if (!model || !dev || !train) throw new Error('bench:eval needs ../shared/models/imdb-gpt2-small and ../shared/datasets/sst2');
  const tmp = mkdtempSync(join(tmpdir(), 'ptune-bench-eval-'));
  try {
    const zeroShot = join(__dirname, '..', '..', 'examples', 'sst2-rating.prompt');
    const fourShot = join(tmp, 'sst2-rating-4shot.prompt');
    writeFileSync(fourShot, readFileSync(zeroShot, 'utf8').replace('shots: 0', 'shots: 2'));
    const result: Record<string, unknown> = { model, data: dev, runs: RUNS };
    for (const [name, file] of [['zeroShot', zeroShot], ['fourShot', fourShot]] as const) {
      const figures: Record<string, unknown> = {};
      for (const caching of [false, true]) {
        const engine = await Engine.load(model, { prefixCaching: caching });
        const prompt = await loadPromptFile(file);
        const reading = { skipInvalid: false, warnings: [] as string[] };
        const shots = prompt.shots > 0 ? drawShots(prompt, (await readRows(prompt, train, { ...reading, flag: '--train' })).rows) : undefined;
        const rows = await readRows(prompt, dev, { ...reading, flag: '--data' });
        const items = (await buildExamples(prompt, rows, engine.tokenizer, { maxLength: engine.info.maxPositions, numVirtual: 0, shots, flag: '--data' })).items.map((i) => ({ ...i, goldLabel: i.goldLabel! }));
        await evaluate(engine, items);
        const rates: number[] = [];
        let accuracy = 0;
        for (let i = 0; i < RUNS; i++) {
          const r = await evaluate(engine, items);
          rates.push(r.examplesPerSecond);
          accuracy = r.accuracy;
        }
        const tokens = items.reduce((a, i) => a + i.example.promptIds.length, 0) / items.length;
        figures[caching ? 'cached' : 'uncached'] = { examplesPerSecond: Number(median(rates).toFixed(1)), accuracy: Number(accuracy.toFixed(4)), meanPromptTokens: Math.round(tokens) };
        console.error(`${name} ${caching ? 'cached' : 'uncached'}: ${median(rates).toFixed(1)} examples/s`);
        await engine.dispose();
      }
      const f = figures as { cached: { examplesPerSecond: number }; uncached: { examplesPerSecond: number } };
      result[name] = { ...figures, speedup: Number((f.cached.examplesPerSecond / f.uncached.examplesPerSecond).toFixed(2)) };
    }
    console.log(JSON.stringify(result));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
