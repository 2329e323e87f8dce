import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runBenchmark, type BenchmarkOptions } from '../../src/bench/run';
import { readReport } from '../../src/bench/report/parse';
import type { GenerationComparison } from '../../src/bench/report/schema';
import { mcnemar, signTest } from '../../src/bench/stats';
import type { SoftPrompt } from '../../src/engine/api';
import { isUserError } from '../../src/engine/errors';
import { scoreGeneration } from '../../src/prompts';
import { saveAdapter } from '../../src/tuning/adapter';
import { FakeEngine } from '../helpers/fake-engine';

const ROWS = [
  { question: 'capital of France', answer: 'Paris' },
  { question: 'colour of the sky', answer: 'blue' },
  { question: 'largest planet', answer: 'Jupiter' },
  { question: 'author of Hamlet', answer: 'William Shakespeare' },
  { question: 'boiling point of water', answer: '100 degrees Celsius' },
  { question: 'chemical symbol of gold', answer: 'Au' },
];
/** The hard prompt's answers: right, half right, wrong, and model text that must stay text. */
const HARD: Record<string, string> = {
  'capital of France': ' Paris',
  'colour of the sky': ' it is blue and grey',
  'largest planet': ' Saturn',
  'author of Hamlet': ' <b>Shakespeare</b> | `x`',
  'boiling point of water': ' 90 degrees',
  'chemical symbol of gold': ' Ag',
};

/** Answers by the question it finds in the prompt: the soft prompt's answers are the gold ones. */
class QuizEngine extends FakeEngine {
  calls: { soft?: SoftPrompt; softPromptAt?: number; maxNewTokens: number }[] = [];
  override async generate(promptIds: number[], maxNewTokens: number, soft?: SoftPrompt, softPromptAt?: number): Promise<number[]> {
    this.calls.push({ soft, softPromptAt, maxNewTokens });
    const text = this.tokenizer.decode(promptIds);
    const row = ROWS.find((r) => text.includes(`Q: ${r.question}`));
    if (!row) throw new Error(`no question in ${JSON.stringify(text)}`);
    return this.tokenizer.encode(soft ? ` ${row.answer}` : HARD[row.question]).slice(0, maxNewTokens);
  }
}

function generationPrompt(name: string, marker: boolean): string {
  return ['---', `name: ${name}`, 'task: generation', 'inputs: [question]', 'target_column: answer', 'max_new_tokens: 40', `soft_prompt: ${marker ? 'marker' : 'prefix'}`, '---',
    marker ? 'Answer briefly. {{ soft_prompt }}Q: {{ question }}\nA:' : 'Q: {{ question }}\nA:', ''].join('\n');
}

describe('bench/run on generation prompts', function () {
  this.timeout(60000);
  let dir: string;
  let base: Omit<BenchmarkOptions, 'engine'>;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-bench-gen-'));
    const model = path.join(dir, 'model');
    fs.mkdirSync(model);
    fs.writeFileSync(path.join(model, 'fake-model.json'), '{"hiddenSize": 8}');
    fs.writeFileSync(path.join(dir, 'dev.jsonl'), ROWS.map((r) => JSON.stringify(r)).join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'quiz.prompt'), generationPrompt('quiz', true));
    const engine = new FakeEngine();
    saveAdapter(path.join(dir, 'adapter'), { info: engine.info, soft: { numVirtual: 2, hiddenSize: 8, data: Float32Array.from({ length: 16 }, (_, i) => Math.sin(i)) }, origin: { init: 'RANDOM' } });
    base = {
      modelDir: model,
      dataFile: path.join(dir, 'dev.jsonl'),
      hardPrompts: [path.join(dir, 'quiz.prompt')],
      softAdapters: [path.join(dir, 'adapter')],
      outDir: path.join(dir, 'out'),
      latencySample: 4,
      command: 'ptune bench (test)',
      engineVersion: 'test-1',
      now: () => new Date('2025-01-01T00:00:00.000Z'),
    };
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('scores hard, soft (at the marker) and projected prompts with the ptune eval metrics, per row, with intervals and a paired comparison', async () => {
    const engine = new QuizEngine();
    const { report, files } = await runBenchmark({ ...base, engine });
    assert.strictEqual(report.task, 'generation');
    assert.deepStrictEqual(report.prompts.map((p) => [p.id, p.kind]), [['hard:quiz', 'hard'], ['soft:adapter', 'soft'], ['projection:adapter', 'projection']]);
    // The soft prompt goes at the marker: after "Answer briefly. " (16 bytes with the byte tokenizer).
    const softCalls = engine.calls.filter((c) => c.soft);
    assert.strictEqual(softCalls.length, ROWS.length);
    assert.ok(softCalls.every((c) => c.softPromptAt === 'Answer briefly. '.length && c.maxNewTokens === 40));

    const expected = {
      hard: ROWS.map((r) => scoreGeneration(HARD[r.question], r.answer)),
      soft: ROWS.map((r) => scoreGeneration(` ${r.answer}`, r.answer)),
    };
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const hard = report.prompts[0];
    const soft = report.prompts[1];
    assert.strictEqual(hard.metrics, undefined);
    assert.strictEqual(hard.generation!.exactMatch.value, mean(expected.hard.map((s) => s.exact)));
    assert.strictEqual(hard.generation!.contains.value, mean(expected.hard.map((s) => s.contains)));
    assert.ok(Math.abs(hard.generation!.tokenF1.value - mean(expected.hard.map((s) => s.f1))) < 1e-12);
    assert.ok(Math.abs(hard.generation!.rougeL.value - mean(expected.hard.map((s) => s.rougeL))) < 1e-12);
    assert.ok(hard.generation!.tokenF1.ci.low <= hard.generation!.tokenF1.value && hard.generation!.tokenF1.value <= hard.generation!.tokenF1.ci.high);
    assert.strictEqual(soft.generation!.exactMatch.value, 1);
    assert.strictEqual(hard.samples!.length, ROWS.length);
    assert.strictEqual(hard.samples![3].output, HARD['author of Hamlet']);

    // Per-row outputs in each predictions file, the same records `ptune eval --predictions` writes.
    const lines = fs.readFileSync(path.join(base.outDir, hard.predictionsFile), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepStrictEqual(lines.map((l) => [l.index, l.output, l.target, l.exact, l.f1]), ROWS.map((r, i) => [i, HARD[r.question], r.answer, expected.hard[i].exact, expected.hard[i].f1]));

    const c = report.comparison as GenerationComparison;
    assert.deepStrictEqual([c.test, c.softPromptId, c.hardPromptId], ['paired', 'soft:adapter', 'hard:quiz']);
    assert.deepStrictEqual(c.metrics.map((m) => [m.metric, m.test]), [['exactMatch', 'mcnemar'], ['contains', 'mcnemar'], ['tokenF1', 'sign'], ['rougeL', 'sign']]);
    const f1 = c.metrics[2];
    const sign = signTest(expected.soft.map((s) => s.f1), expected.hard.map((s) => s.f1));
    assert.deepStrictEqual([f1.softBetter, f1.hardBetter, f1.ties, f1.pValue], [sign.wins, sign.losses, sign.ties, sign.pValue]);
    assert.ok(Math.abs(f1.difference.estimate - (mean(expected.soft.map((s) => s.f1)) - hard.generation!.tokenF1.value)) < 1e-12);
    const exact = mcnemar(expected.soft.map((s) => s.exact === 1), expected.hard.map((s) => s.exact === 1));
    assert.deepStrictEqual([c.metrics[0].softBetter, c.metrics[0].hardBetter, c.metrics[0].pValue], [exact.b, exact.c, exact.pValue]);
    assert.deepStrictEqual(Object.keys(report.aggregates.soft!.generation!), ['exactMatch', 'contains', 'tokenF1', 'rougeL']);

    assert.deepStrictEqual(readReport(files.json), report);
    const md = fs.readFileSync(files.markdown, 'utf8');
    assert.ok(md.includes('| Prompt | Kind | exact match [95% CI] | contains [95% CI] | token F1 [95% CI] | ROUGE-L [95% CI] |'), md);
    assert.ok(md.includes('token F1: +'), md);
    // Model text is shown literally, never as Markdown or HTML.
    assert.ok(md.includes(' &lt;b&gt;Shakespeare&lt;/b&gt; \\| \\`x\\` |'), md);
    const html = fs.readFileSync(files.html, 'utf8');
    assert.ok(html.includes('<pre class="output"> &lt;b&gt;Shakespeare&lt;/b&gt; | `x`</pre>'));
    assert.ok(!html.includes('<b>Shakespeare'));
  });

  it('--tune tunes a soft prompt on a generation prompt (lm loss) and scores it, with its projection', async () => {
    fs.writeFileSync(path.join(dir, 'train.jsonl'), ROWS.concat(ROWS).map((r) => JSON.stringify(r)).join('\n') + '\n');
    const engine = new QuizEngine();
    const { report } = await runBenchmark({
      ...base, engine, softAdapters: [], trainFile: path.join(dir, 'train.jsonl'), tune: true, seeds: 1,
      tuningOptions: { steps: 2, batchSize: 4, lr: 0.05, init: 'random', virtualTokens: 2 },
    });
    assert.deepStrictEqual(report.prompts.map((p) => p.id), ['hard:quiz', 'soft:seed-0', 'projection:seed-0']);
    const tuned = report.prompts[1];
    assert.deepStrictEqual(tuned.trainingCurve!.map((c) => c.step), [1, 2]);
    assert.strictEqual(tuned.generation!.exactMatch.value, 1);
    const record = JSON.parse(fs.readFileSync(path.join(base.outDir, 'adapters', 'seed-0', 'ptune_training.json'), 'utf8'));
    assert.strictEqual(record.prompt.task, 'generation');
    assert.strictEqual((report.comparison as GenerationComparison).softPromptId, 'soft:seed-0');
  });

  it('a rerun is served from the cache; prompts of different tasks are refused', async () => {
    await runBenchmark({ ...base, engine: new QuizEngine() });
    const again = new QuizEngine();
    const second = await runBenchmark({ ...base, engine: again });
    assert.strictEqual(again.calls.length, 0);
    assert.strictEqual(second.cacheMisses, 0);

    const classification = path.join(dir, 'sentiment.prompt');
    fs.writeFileSync(classification, ['---', 'task: classification', 'inputs: [question]', 'label_column: answer', 'labels:', '  a: " a"', '  b: " b"', '---', '{{ question }}', ''].join('\n'));
    await assert.rejects(
      runBenchmark({ ...base, engine: new QuizEngine(), hardPrompts: [base.hardPrompts[0], classification], softAdapters: [], outDir: path.join(dir, 'out2') }),
      (e: Error) => isUserError(e) && e.message.includes('sentiment.prompt is a classification prompt but') && e.message.includes('one benchmark compares prompts of one task'),
    );
  });
});
