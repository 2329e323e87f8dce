import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadAdapter, TRAINING_RECORD_FILE } from '../../src/tuning/adapter';
import { JobCancelledError, WorkerClient, WorkerCrashedError } from '../../src/worker/client';
import type { JobProgress, TrainParams } from '../../src/worker/protocol';
import { writeFakeModel } from '../helpers/fake-engine';
import { writeFixture, writeJsonl, type Fixture } from '../helpers/tuning-fixtures';

const engineModule = path.join(__dirname, '..', 'helpers', 'fake-engine.js');

describe('worker: protocol and client', function () {
  let dir: string;
  let fixture: Fixture;
  let model: string;
  let client: WorkerClient;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-worker-'));
    fixture = writeFixture(path.join(dir, 'data'));
    model = writeFakeModel(path.join(dir, 'model'), { hiddenSize: 6, seed: 2 });
    client = new WorkerClient({ engineModule });
  });
  after(async () => {
    await client.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const trainParams = (out: string, extra: Partial<TrainParams> = {}): TrainParams => ({
    model,
    train: fixture.train,
    template: fixture.template,
    out,
    virtualTokens: 4,
    batchSize: 4,
    epochs: 3,
    ...extra,
  });

  it('runs a training job: progress events, then a result, and a loadable adapter with its record', async () => {
    const events: JobProgress<'train'>[] = [];
    const out = path.join(dir, 'run1');
    const handle = client.run('train', trainParams(out, { eval: fixture.dev }), { onProgress: (p) => events.push(p) });
    assert.match(handle.id, /^job-\d+$/);
    const result = await handle.result;
    assert.strictEqual(result.stopReason, 'completed');
    assert.strictEqual(result.out, out);
    assert.strictEqual(result.steps, 12);
    assert.strictEqual(result.trainRows, 14);
    assert.strictEqual(result.loss, 'verbalizer');
    assert.ok(result.finalLoss! < result.initialLoss!, `${result.initialLoss} → ${result.finalLoss}`);
    assert.strictEqual(typeof result.bestEvalAccuracy, 'number');
    assert.deepStrictEqual(events[0], { type: 'status', message: `loading model ${model}` });
    assert.deepStrictEqual(events.filter((e) => e.type === 'step').map((e) => e.type === 'step' && e.step), [...Array(12).keys()].map((i) => i + 1));
    assert.ok(events.some((e) => e.type === 'eval'));
    const adapter = loadAdapter(out, { hiddenSize: 6 });
    assert.strictEqual(adapter.soft.numVirtual, 4);
    assert.strictEqual(adapter.config.prompt_tuning_init, 'TEXT');
    assert.strictEqual(adapter.config.prompt_tuning_init_text, 'Text: Good?');
    const record = JSON.parse(fs.readFileSync(path.join(out, TRAINING_RECORD_FILE), 'utf8'));
    assert.strictEqual(record.seed, 0);
    assert.strictEqual(record.curve.length, 12);
    assert.strictEqual(record.data.train.rows, 14);
    assert.match(record.data.train.hash, /^[0-9a-f]{64}$/);
    assert.strictEqual(record.result.stopReason, 'completed');
    assert.strictEqual(record.prompt.name, 'sentiment');
  });

  it('the same seed gives byte-identical adapters across jobs', async () => {
    const a = path.join(dir, 'seed-a'), b = path.join(dir, 'seed-b');
    await client.run('train', trainParams(a, { seed: 9, init: 'random' })).result;
    await client.run('train', trainParams(b, { seed: 9, init: 'random' })).result;
    const tensor = (d: string) => fs.readFileSync(path.join(d, 'adapter_model.safetensors'));
    assert.deepStrictEqual(tensor(a), tensor(b));
  });

  it('one SGD step, lm loss, no shuffle, one batch = init − lr × gradient (checked against the engine in this thread)', async () => {
    const { FakeEngine } = await import('../helpers/fake-engine');
    const { initSoftPrompt } = await import('../../src/tuning/init');
    const { buildScoredExample, loadPromptFile } = await import('../../src/prompts');
    const engine = new FakeEngine({ hiddenSize: 6, seed: 2 });
    const rows = [{ text: 'a fun film', label: 'positive' }, { text: 'a dull film', label: 'negative' }, { text: 'a warm one', label: 'positive' }];
    const file = writeJsonl(path.join(dir, 'three.jsonl'), rows);
    const out = path.join(dir, 'one-step');
    const result = await client.run('train', { model, train: file, template: fixture.template, out, loss: 'lm', optimizer: 'sgd', lr: 0.25, steps: 1, batchSize: 3, shuffle: false, virtualTokens: 4, init: 'random', seed: 4 }).result;
    const init = initSoftPrompt({ kind: 'random' }, { engine, numVirtual: 4, seed: 4 }).soft;
    const prompt = await loadPromptFile(fixture.template);
    const batch = rows.map((row) => buildScoredExample(prompt, row, engine.tokenizer, { maxLength: 1024, numVirtual: 4 }).example);
    const { grad, loss } = await engine.lossAndGrad(batch, init, 'lm');
    assert.strictEqual(result.initialLoss, loss);
    const saved = loadAdapter(out).soft.data;
    assert.deepStrictEqual([...saved], [...init.data.map((v, i) => v - 0.25 * grad[i])]);
  });

  it('cancel mid-run stops the job and leaves the previous checkpoint loadable', async () => {
    const slow = writeFakeModel(path.join(dir, 'slow-model'), { hiddenSize: 6, seed: 2, delayMs: 15 });
    const out = path.join(dir, 'cancelled');
    let cancelled = false;
    const handle = client.run('train', { ...trainParams(out, { epochs: 100, evalEvery: 2 }), model: slow }, {
      onProgress: (p) => {
        if (p.type === 'step' && p.step === 5 && !cancelled) {
          cancelled = true;
          handle.cancel();
        }
      },
    });
    const result = await handle.result;
    assert.strictEqual(result.stopReason, 'cancelled');
    assert.ok(result.steps >= 5 && result.steps < 20, `stopped after ${result.steps} steps`);
    assert.strictEqual(result.savedStep % 2, 0);
    assert.ok(result.savedStep <= result.steps);
    const adapter = loadAdapter(out, { hiddenSize: 6 });
    const record = JSON.parse(fs.readFileSync(path.join(out, TRAINING_RECORD_FILE), 'utf8'));
    assert.strictEqual(record.checkpoint.step, result.savedStep);
    assert.strictEqual(adapter.soft.data.length, 24);
    assert.deepStrictEqual(fs.readdirSync(dir).filter((f) => f.includes('.saving-') || f.includes('.old-')), []);
  });

  it('lr 1e6 stops on NaN with a clear message and writes nothing (only the untrained start was good)', async () => {
    const out = path.join(dir, 'nan');
    const result = await client.run('train', trainParams(out, { lr: 1e6 })).result;
    assert.strictEqual(result.stopReason, 'diverged');
    assert.match(result.stopMessage!, /^training diverged at step 2: the loss became NaN; the learning rate 1000000 is probably too high.*; nothing was saved$/);
    assert.strictEqual(result.saved, false);
    assert.ok(!fs.existsSync(out));
  });

  describe('bad input: one clear message, nothing written', () => {
    const cases: [string, () => Partial<TrainParams>, RegExp][] = [
      ['a label with no verbalizer entry', () => ({ train: writeJsonl(path.join(dir, 'odd.jsonl'), [{ text: 'x', label: 'positive' }, { text: 'y', label: 'neutral' }]) }), /label "neutral"/],
      ['an empty dataset', () => ({ train: writeJsonl(path.join(dir, 'empty.jsonl'), []) }), /empty\.jsonl: no data rows/],
      ['rows without labels', () => ({ train: writeJsonl(path.join(dir, 'nolabel.jsonl'), [{ text: 'x', label: 'positive' }, { text: 'y' }]) }), /nolabel\.jsonl:2: .*label/],
      ['an unknown optimizer', () => ({ optimizer: 'rmsprop' }), /^unknown optimizer "rmsprop": use one of adamw, adafactor, sgd$/],
      ['--loss verbalizer on a generation prompt', () => ({ template: fixture.generationTemplate, loss: 'verbalizer' }), /--loss verbalizer needs a classification prompt file/],
    ];
    for (const [what, params, message] of cases) {
      it(what, async () => {
        const out = path.join(dir, `bad-${what.replace(/\W+/g, '-')}`);
        await assert.rejects(client.run('train', trainParams(out, params())).result, (e: Error) => e.name === 'UserError' && message.test(e.message));
        assert.ok(!fs.existsSync(out), 'nothing written');
      });
    }
    it('an --out that exists and is not an adapter folder ptune trained (even with --overwrite)', async () => {
      const out = path.join(dir, 'occupied');
      fs.mkdirSync(out);
      fs.writeFileSync(path.join(out, 'notes.txt'), 'mine');
      for (const overwrite of [false, true]) {
        await assert.rejects(client.run('train', trainParams(out, { overwrite })).result, { name: 'UserError', message: new RegExp(`^--out ${out.replace(/[\\/.]/g, '\\$&')} exists and is not a soft-prompt folder trained by ptune`) });
        assert.deepStrictEqual(fs.readdirSync(out), ['notes.txt']);
      }
    });
  });

  it('trains a generation prompt with the lm loss by default (dev loss only, no accuracy)', async () => {
    const out = path.join(dir, 'generation');
    const result = await client.run('train', trainParams(out, { template: fixture.generationTemplate, eval: fixture.dev, steps: 4, epochs: undefined })).result;
    assert.strictEqual(result.loss, 'lm');
    assert.strictEqual(result.bestEvalAccuracy, null);
    assert.strictEqual(typeof result.bestEvalLoss, 'number');
    assert.ok(result.evals.every((e) => e.accuracy === undefined));
  });

  it('without --init and without instruction text it starts from vocabulary rows, and says so', async () => {
    const bare = path.join(dir, 'bare.prompt');
    fs.writeFileSync(bare, fs.readFileSync(fixture.template, 'utf8').replace('Text: {{ text }} Good?', '{{ text }}'));
    const out = path.join(dir, 'bare-out');
    const result = await client.run('train', trainParams(out, { template: bare, steps: 1, epochs: undefined })).result;
    assert.deepStrictEqual(result.warnings, [`${bare} has no instruction text to initialise from; using --init vocab`]);
    assert.strictEqual(loadAdapter(out).config.prompt_tuning_init, 'SAMPLE_VOCAB');
  });

  it('evaluates a hard prompt and a soft prompt, and writes predictions', async () => {
    const predictions = path.join(dir, 'pred.jsonl');
    const hard = await client.run('eval', { model, data: fixture.dev, template: fixture.template, predictions }).result;
    assert.strictEqual(hard.n, 6);
    assert.deepStrictEqual(hard.labels, ['negative', 'positive']);
    const lines = fs.readFileSync(predictions, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.strictEqual(lines.length, 6);
    assert.deepStrictEqual(Object.keys(lines[0].logProbs), ['negative', 'positive']);
    assert.strictEqual(hard.accuracy, lines.filter((l) => l.correct).length / 6);
    // The trained soft prompt changes every example's label scores.
    const softPredictions = path.join(dir, 'pred-soft.jsonl');
    const soft = await client.run('eval', { model, data: fixture.dev, template: fixture.template, soft: path.join(dir, 'run1'), predictions: softPredictions }).result;
    assert.strictEqual(soft.n, 6);
    const softLines = fs.readFileSync(softPredictions, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    softLines.forEach((l, i) => assert.notStrictEqual(l.logProbs.positive, lines[i].logProbs.positive));
  });

  it('previews, tests and generates through the same client', async () => {
    const preview = await client.run('preview', { model, template: fixture.template, row: { text: 'hi' }, virtualTokens: 3 }).result;
    assert.strictEqual(preview.text, 'Text: hi Good?');
    assert.strictEqual(preview.tokens.map((t) => t.piece).join(''), 'Text: hi Good?');
    assert.deepStrictEqual(preview.continuations.map((c) => [c.label, c.tokens.map((t) => t.piece).join('')]), [['negative', ' no'], ['positive', ' yes']]);
    assert.strictEqual(preview.totalTokens, 3 + 14 + 4);
    const tested = await client.run('testPrompt', { model, template: fixture.template, row: { text: 'a fun film', label: 'positive' } }).result;
    assert.strictEqual(tested.task, 'classification');
    if (tested.task === 'classification') {
      assert.ok(Math.abs(tested.labels[0].probability + tested.labels[1].probability - 1) < 1e-12);
      assert.strictEqual(tested.gold, 'positive');
    }
    const generated = await client.run('generate', { model, prompt: 'ab', maxNewTokens: 4 }).result;
    assert.ok(generated.ids.length <= 4);
  });

  it('errors thrown inside the worker reach the caller: user errors without stack, bugs with the worker stack', async () => {
    await assert.rejects(client.run('eval', { model, data: path.join(dir, 'missing.jsonl'), template: fixture.template }).result, {
      name: 'UserError',
      message: `${path.join(dir, 'missing.jsonl')}: dataset file not found`,
    });
    const buggy = writeFakeModel(path.join(dir, 'buggy'), { failOnLoad: 'weights are upside down' });
    await assert.rejects(client.run('generate', { model: buggy, prompt: 'a', maxNewTokens: 1 }).result, (e: Error) => {
      assert.strictEqual(e.name, 'Error');
      assert.strictEqual(e.message, 'weights are upside down');
      assert.match(e.stack ?? '', /fake-engine\.js/);
      return true;
    });
  });

  it('a crashed worker rejects its jobs with a clear error and the next job gets a fresh worker', async () => {
    for (const crashOnLoad of ['exit', 'uncaught'] as const) {
      const crashing = writeFakeModel(path.join(dir, `crash-${crashOnLoad}`), { crashOnLoad });
      await assert.rejects(client.run('generate', { model: crashing, prompt: 'a', maxNewTokens: 1 }).result, (e: Error) => {
        assert.ok(e instanceof WorkerCrashedError);
        assert.match(e.message, crashOnLoad === 'exit' ? /exit code 7/ : /fake engine crashed outside any job/);
        return true;
      });
      const after = await client.run('preview', { model, template: fixture.template, row: { text: 'ok' } }).result;
      assert.strictEqual(after.text, 'Text: ok Good?');
    }
  });

  it('a cancelled non-training job rejects with JobCancelledError', async () => {
    const slow = writeFakeModel(path.join(dir, 'slow-eval'), { hiddenSize: 6, delayMs: 30 });
    const many = writeJsonl(path.join(dir, 'many.jsonl'), Array.from({ length: 200 }, (_, i) => ({ text: `row ${i}`, label: i % 2 ? 'positive' : 'negative' })));
    const handle = client.run('eval', { model: slow, data: many, template: fixture.template }, { onProgress: (p) => p.type === 'eval' && p.done > 0 && handle.cancel() });
    await assert.rejects(handle.result, (e: Error) => e instanceof JobCancelledError && e.message === 'eval job cancelled');
  });
});
