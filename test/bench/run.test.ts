import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runBenchmark, type BenchmarkOptions } from '../../src/bench/run';
import { readReport } from '../../src/bench/report/parse';
import { saveAdapter } from '../../src/tuning/adapter';
import { readTrainingRecord } from '../../src/tuning/training-record';
import { FakeEngine } from '../helpers/fake-engine';

const WORDS = { positive: ['great', 'superb', 'loved', 'fine', 'wonderful', 'moving'], negative: ['awful', 'boring', 'dull', 'mess', 'bad', 'tedious'] };

function writeRows(file: string, n: number, offset: number): void {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const label = (i + offset) % 2 === 0 ? 'positive' : 'negative';
    const words = WORDS[label as keyof typeof WORDS];
    lines.push(JSON.stringify({ text: `a ${words[(i + offset) % words.length]} film, ${words[(i * 7 + offset) % words.length]}`, label }));
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

function promptFile(name: string, body: string, labels: [string, string]): string {
  return ['---', `name: ${name}`, 'task: classification', 'inputs: [text]', 'label_column: label', 'labels:', `  negative: "${labels[0]}"`, `  positive: "${labels[1]}"`, 'soft_prompt: prefix', '---', body, ''].join('\n');
}

describe('bench/run', function () {
  this.timeout(60000);
  let dir: string;
  let base: Omit<BenchmarkOptions, 'engine'>;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-bench-'));
    const model = path.join(dir, 'model');
    fs.mkdirSync(model);
    fs.writeFileSync(path.join(model, 'fake-model.json'), '{"hiddenSize": 8}');
    writeRows(path.join(dir, 'dev.jsonl'), 14, 1);
    writeRows(path.join(dir, 'train.jsonl'), 16, 0);
    fs.writeFileSync(path.join(dir, 'rating.prompt'), promptFile('rating', 'Review: {{ text }} Rating:', [' bad', ' good']));
    fs.writeFileSync(path.join(dir, 'plain.prompt'), promptFile('plain <b>', '{{ text }} It was', [' awful', ' great']));
    const engine = new FakeEngine();
    const data = Float32Array.from({ length: 2 * 8 }, (_, i) => Math.cos(i));
    saveAdapter(path.join(dir, 'given-adapter'), { info: engine.info, soft: { numVirtual: 2, hiddenSize: 8, data }, origin: { init: 'RANDOM' } });
    base = {
      modelDir: model,
      dataFile: path.join(dir, 'dev.jsonl'),
      trainFile: path.join(dir, 'train.jsonl'),
      hardPrompts: [path.join(dir, 'rating.prompt'), path.join(dir, 'plain.prompt')],
      softAdapters: [path.join(dir, 'given-adapter')],
      tune: true,
      tuningOptions: { steps: 3, batchSize: 4, lr: 0.05, init: 'random', virtualTokens: 2 },
      seeds: 2,
      outDir: path.join(dir, 'out'),
      latencySample: 4,
      command: 'ptune bench (test)',
      engineVersion: 'test-1',
      now: () => new Date('2025-01-01T00:00:00.000Z'),
    };
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('scores every hard, given, tuned and projected prompt on the same rows and writes the three reports', async () => {
    const engine = new FakeEngine();
    const { report, files } = await runBenchmark({ ...base, engine });
    assert.deepStrictEqual(
      report.prompts.map((p) => [p.id, p.kind]),
      [
        ['hard:rating', 'hard'],
        ['hard:plain', 'hard'],
        ['soft:given-adapter', 'soft'],
        ['soft:seed-0', 'soft'],
        ['soft:seed-1', 'soft'],
        ['projection:given-adapter', 'projection'],
        ['projection:seed-0', 'projection'],
        ['projection:seed-1', 'projection'],
      ],
    );
    assert.ok(engine.runCount > 0);
    for (const p of report.prompts) {
      assert.strictEqual(p.metrics.confusion.flat().reduce((a, b) => a + b, 0), 14, p.id);
      assert.strictEqual(p.latencyMs.sampleSize, 4);
      const lines = fs.readFileSync(path.join(base.outDir, p.predictionsFile), 'utf8').trim().split('\n');
      assert.strictEqual(lines.length, 14);
      const correct = lines.filter((l) => JSON.parse(l).correct).length;
      assert.strictEqual(correct / 14, p.metrics.accuracy);
    }
    const tuned = report.prompts[3];
    assert.strictEqual(tuned.seed, 0);
    assert.strictEqual(tuned.trainableParams, 16);
    assert.strictEqual(tuned.promptLength, 2);
    assert.deepStrictEqual(tuned.trainingCurve!.map((c) => c.step), [1, 2, 3]);
    assert.ok(fs.existsSync(path.join(base.outDir, 'adapters', 'seed-1', 'adapter_model.safetensors')));
    assert.strictEqual(report.prompts[0].promptLength, 'Review:  Rating:'.length);
    assert.strictEqual(report.aggregates.soft!.n, 3);
    assert.strictEqual(report.comparison!.softPromptId.startsWith('soft:'), true);
    assert.strictEqual(report.dataset.n, 14);
    assert.strictEqual(report.trainDataset!.n, 16);
    assert.deepStrictEqual(readReport(files.json), report);
    assert.ok(fs.readFileSync(files.markdown, 'utf8').includes('| plain &lt;b&gt; | hard |'));
  });

  it('--tune --method p-tuning: the tuned prompt counts the encoder\'s parameters; its adapter\'s record says the method and the writer', async () => {
    const engine = new FakeEngine();
    const { report } = await runBenchmark({ ...base, engine, seeds: 1, softAdapters: [], hardPrompts: [base.hardPrompts[0]], tuningOptions: { ...base.tuningOptions, method: 'p-tuning', encoderHiddenSize: 3 } });
    const tuned = report.prompts.find((p) => p.id === 'soft:seed-0')!;
    // inputs [2, 8] + Linear(8, 3) + Linear(3, 3) + Linear(3, 8), weights and biases.
    assert.strictEqual(tuned.trainableParams, 16 + (24 + 3) + (9 + 3) + (24 + 8));
    assert.strictEqual(tuned.promptLength, 2);
    const record = readTrainingRecord(path.join(base.outDir, 'adapters', 'seed-0'))!;
    assert.deepStrictEqual(record.method, { name: 'p-tuning', encoderHiddenSize: 3, encoderResidual: true });
    assert.strictEqual(record.writtenBy, 'ptune bench --tune');
    assert.strictEqual(record.curve.length, 3);
  });

  it('a second identical run makes zero engine calls and writes the same report', async () => {
    await runBenchmark({ ...base, engine: new FakeEngine() });
    const first = readOutputs(base.outDir);
    const engine = new FakeEngine();
    const second = await runBenchmark({ ...base, engine, now: () => new Date('2026-06-06T06:06:06.000Z') });
    assert.strictEqual(engine.runCount, 0);
    assert.strictEqual(second.cacheMisses, 0);
    const again = readOutputs(base.outDir);
    const normalise = (text: string) => text.split('2026-06-06T06:06:06.000Z').join('2025-01-01T00:00:00.000Z');
    assert.strictEqual(normalise(again.json), first.json);
    assert.strictEqual(normalise(again.markdown), first.markdown);
    assert.strictEqual(normalise(again.html), first.html);
    assert.deepStrictEqual(again.predictions, first.predictions);
  });

  it('--no-cache recomputes everything; a changed prompt file recomputes only that prompt', async () => {
    await runBenchmark({ ...base, engine: new FakeEngine() });
    const fresh = new FakeEngine();
    const recomputed = await runBenchmark({ ...base, engine: fresh, noCache: true });
    assert.ok(fresh.runCount > 0);
    assert.strictEqual(recomputed.cacheHits, 0);

    fs.writeFileSync(path.join(dir, 'plain.prompt'), promptFile('plain <b>', '{{ text }} It was', [' bad', ' great']));
    const engine = new FakeEngine();
    const partial = await runBenchmark({ ...base, engine });
    // One evaluation (plus its latency sample and warm-up call) for the edited prompt, nothing else.
    const evalCalls = Math.ceil(14 / 16) + 1 + 4;
    assert.strictEqual(engine.runCount, evalCalls);
    assert.strictEqual(partial.report.prompts[1].metrics.labels.join(), 'negative,positive');
  });

  it('refuses --tune without training data and an empty benchmark, before any model call', async () => {
    const engine = new FakeEngine();
    await assert.rejects(runBenchmark({ ...base, engine, trainFile: undefined }), /--tune needs training data: pass --train FILE/);
    await assert.rejects(runBenchmark({ ...base, engine, hardPrompts: [], softAdapters: [], tune: false }), /nothing to benchmark/);
    assert.strictEqual(engine.runCount, 0);
  });
});

function readOutputs(outDir: string) {
  const predictions = fs.readdirSync(path.join(outDir, 'predictions')).sort().map((f) => fs.readFileSync(path.join(outDir, 'predictions', f), 'utf8'));
  return {
    json: fs.readFileSync(path.join(outDir, 'report.json'), 'utf8'),
    markdown: fs.readFileSync(path.join(outDir, 'report.md'), 'utf8'),
    html: fs.readFileSync(path.join(outDir, 'report.html'), 'utf8'),
    predictions,
  };
}
