/**
 * The trainer, the train job and the worker on the real engine (a tiny random GPT-2 written by the test):
 * the loss goes down, runs repeat byte for byte, the one-step SGD identity holds against the engine's own
 * gradient, and the worker loads the real engine by default.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { ModelEngine, ScoredExample } from '../../src/engine/api';
import { Engine } from '../../src/engine/engine';
import { loadAdapter } from '../../src/tuning/adapter';
import { initSoftPrompt } from '../../src/tuning/init';
import { trainSoftPrompt, type TrainerConfig } from '../../src/tuning/trainer';
import { WorkerClient } from '../../src/worker/client';
import { writeTinyGpt2 } from '../helpers/tiny-model';
import { writeFixture } from '../helpers/tuning-fixtures';

describe('tuning on the real engine (tiny random GPT-2)', function () {
  let dir: string;
  let modelDir: string;
  let engine: ModelEngine;
  let train: ScoredExample[];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-real-'));
    modelDir = writeTinyGpt2(path.join(dir, 'model'), { nEmbd: 16, nHead: 2, nLayer: 2, seed: 3 }).dir;
    engine = await Engine.load(modelDir, { threads: 1 });
    const tok = engine.tokenizer;
    const example = (text: string, yes: boolean): ScoredExample => ({ promptIds: tok.encode(`${text} ->`), continuations: [tok.encode(' yes'), tok.encode(' no')], gold: yes ? 0 : 1 });
    train = ['red', 'blue', 'green', 'pink', 'gray', 'teal', 'gold', 'navy'].map((t, i) => example(t, i < 3));
  });
  after(async () => {
    await engine.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const config: TrainerConfig = { loss: 'verbalizer', optimizer: { name: 'adamw' }, lr: 0.1, schedule: 'constant', warmupSteps: 0, epochs: 4, batchSize: 4, seed: 0, shuffle: true };
  const init = () => initSoftPrompt({ kind: 'vocab' }, { engine, numVirtual: 4, seed: 1 }).soft;

  it('lowers the loss, for each optimizer', async () => {
    for (const [name, lr] of [['adamw', 0.1], ['adafactor', 0.3], ['sgd', 1]] as const) {
      const start = init();
      const out = await trainSoftPrompt({ engine, init: start, train, config: { ...config, optimizer: { name }, lr } });
      assert.strictEqual(out.stopReason, 'completed');
      const before = (await engine.loss(train, start, 'verbalizer')).loss;
      const after = (await engine.loss(train, out.soft, 'verbalizer')).loss;
      assert.ok(after < before * 0.8, `${name}: training-set loss ${before} → ${after}`);
    }
  });

  it('the same seed gives byte-identical prompts', async () => {
    const a = await trainSoftPrompt({ engine, init: init(), train, config: { ...config, seed: 3 } });
    const b = await trainSoftPrompt({ engine, init: init(), train, config: { ...config, seed: 3 } });
    assert.deepStrictEqual(Buffer.from(a.soft.data.buffer), Buffer.from(b.soft.data.buffer));
  });

  it('one SGD step (lm loss, file order, one batch) is init − lr × the engine’s gradient', async () => {
    const start = init();
    const out = await trainSoftPrompt({ engine, init: start, train, config: { ...config, loss: 'lm', optimizer: { name: 'sgd' }, lr: 0.7, steps: 1, batchSize: train.length, shuffle: false } });
    const { grad } = await engine.lossAndGrad(train, start, 'lm');
    assert.deepStrictEqual([...out.soft.data], [...start.data.map((v, i) => v - 0.7 * grad[i])]);
  });

  it('an update that overflows float32 stops the run with the last good prompt', async () => {
    const start = init();
    const out = await trainSoftPrompt({ engine, init: start, train, config: { ...config, lr: 1e39 } });
    assert.strictEqual(out.stopReason, 'diverged');
    assert.match(out.stopMessage!, /^training diverged at step 1: the update overflowed/);
    assert.deepStrictEqual(out.soft.data, start.data);
  });

  it('the worker loads the real engine by default and trains into an adapter PEFT can read', async () => {
    const fixture = writeFixture(path.join(dir, 'data'));
    const client = new WorkerClient({ threads: 1 });
    try {
      const out = path.join(dir, 'adapter');
      const result = await client.run('train', { model: modelDir, train: fixture.train, template: fixture.template, eval: fixture.dev, out, virtualTokens: 5, steps: 6, batchSize: 7 }).result;
      assert.strictEqual(result.stopReason, 'completed');
      assert.ok(result.finalLoss! < result.initialLoss!);
      const adapter = loadAdapter(out, { hiddenSize: 16 });
      assert.strictEqual(adapter.config.token_dim, 16);
      assert.strictEqual(adapter.config.num_layers, 2);
      assert.strictEqual(adapter.config.num_attention_heads, 2);
      assert.strictEqual(adapter.soft.numVirtual, 5);
      const evaluated = await client.run('eval', { model: modelDir, data: fixture.dev, template: fixture.template, soft: out }).result;
      assert.strictEqual(evaluated.n, 6);
    } finally {
      await client.dispose();
    }
  });
});
