/**
 * P-tuning's prompt encoder: forward and backward against PEFT's own PromptEncoder (fixture made with torch
 * autograd by scripts/fixtures/make-p-tuning-fixture.py), the whole chain params → encoder → model → loss
 * against central finite differences in float64 on tiny random models of two families, and the method's
 * set-up (the start equals the init text with the residual encoder; PyTorch's Linear init otherwise).
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScoredExample } from '../../src/engine/api';
import { Engine } from '../../src/engine/engine';
import { encoderBackward, encoderForward, encoderSize, encoderTensors, ENCODER_TENSORS, type EncoderShape } from '../../src/tuning/methods/prompt-encoder';
import { pTuning, DEFAULT_ENCODER_HIDDEN_SIZE } from '../../src/tuning/methods/p-tuning';
import { initSoftPrompt } from '../../src/tuning/init';
import { trainPrompt, type TrainerConfig } from '../../src/tuning/trainer';
import { FakeEngine } from '../helpers/fake-engine';
import { mulberry } from '../helpers/random';
import { writeTinyFamily } from '../helpers/tiny-family';
import { writeTinyGpt2 } from '../helpers/tiny-model';

interface FixtureCase {
  numVirtual: number;
  tokenDim: number;
  hiddenSize: number;
  encoderNumLayers: number;
  mlpLayers: string[];
  warnings: string[];
  shapes: Record<string, number[]>;
  state: Record<string, number[]>;
  output: number[];
  upstream: number[];
  grads: Record<string, number[]>;
}
const fixture = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'p-tuning', 'prompt-encoder.json'), 'utf8')) as { peftVersion: string; cases: FixtureCase[] };

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance * Math.max(1, Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('tuning/p-tuning: the prompt encoder against PEFT\'s PromptEncoder', () => {
  for (const c of fixture.cases) {
    const shape: EncoderShape = { numVirtual: c.numVirtual, tokenDim: c.tokenDim, hiddenSize: c.hiddenSize, residual: false };
    const params = Float64Array.from(ENCODER_TENSORS.flatMap((name) => c.state[name]));

    it(`[${c.numVirtual}, ${c.tokenDim}] → ${c.hiddenSize} (encoder_num_layers ${c.encoderNumLayers}): the same tensors, layers, output and gradient`, () => {
      // PEFT builds Linear-ReLU-Linear-ReLU-Linear whatever encoder_num_layers says (and warns when it is not 2).
      assert.deepEqual(c.mlpLayers, ['Linear', 'ReLU', 'Linear', 'ReLU', 'Linear']);
      assert.equal(c.warnings.length, c.encoderNumLayers === 2 ? 0 : 1);
      assert.deepEqual(Object.keys(c.shapes), [...ENCODER_TENSORS]);
      encoderTensors(shape).forEach((t) => assert.equal(t.rows * t.cols, c.shapes[t.name].reduce((a, b) => a * b, 1), t.name));
      encoderTensors(shape).filter((t) => c.shapes[t.name].length === 2).forEach((t) => assert.deepEqual([t.rows, t.cols], c.shapes[t.name], t.name));
      assert.equal(encoderSize(shape), params.length);
      close(encoderForward(shape, params), c.output, 1e-12, 'output');
      const grad = encoderBackward(shape, params, c.upstream);
      for (const t of encoderTensors(shape)) close(grad.subarray(t.offset, t.offset + t.rows * t.cols), c.grads[t.name], 1e-12, `d/d ${t.name}`);
    });

    it(`[${c.numVirtual}, ${c.tokenDim}] → ${c.hiddenSize}, residual: inputs + PEFT's MLP, and the inputs' gradient gains the upstream gradient`, () => {
      const residual = { ...shape, residual: true };
      const x = c.state['embedding.weight'];
      close(encoderForward(residual, params), c.output.map((v, i) => v + x[i]), 1e-12, 'output');
      const grad = encoderBackward(residual, params, c.upstream);
      close(grad.subarray(0, x.length), c.grads['embedding.weight'].map((g, i) => g + c.upstream[i]), 1e-12, 'd/d embedding.weight');
      close(grad.subarray(x.length), encoderBackward(shape, params, c.upstream).subarray(x.length), 0, 'the MLP\'s gradient');
    });
  }
});

describe('tuning/p-tuning: params → encoder → model → loss against finite differences (float64)', function () {
  this.timeout(120_000);
  const root = mkdtempSync(join(tmpdir(), 'ptune-p-tuning-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const models: Record<string, (dir: string) => { dir: string; hidden: number }> = {
    gpt2: (dir) => writeTinyGpt2(dir, { seed: 4, scale: 0.6, nEmbd: 8, nHead: 2, nLayer: 2 }),
    llama: (dir) => writeTinyFamily(dir, 'llama', { seed: 11 }),
  };
  for (const [family, write] of Object.entries(models)) {
    for (const residual of [false, true]) {
      it(`${family}, ${residual ? 'residual' : 'PEFT\'s'} encoder, verbalizer loss with a mid-sequence prompt`, async () => {
        const m = write(join(root, `${family}-${residual}`));
        const engine = await Engine.load(m.dir, { threads: 1, dtype: 'float64', chunkSize: 2 });
        const tok = engine.tokenizer;
        const conts = [tok.encode(' great'), tok.encode(' the re')];
        const examples: ScoredExample[] = [
          { promptIds: tok.encode('the hat'), continuations: conts, gold: 0 },
          { promptIds: tok.encode('a longer prompt'), continuations: conts, gold: 1, softPromptAt: 2 },
        ];
        const shape: EncoderShape = { numVirtual: 2, tokenDim: m.hidden, hiddenSize: 3, residual };
        const rnd = mulberry(7);
        const params = Float64Array.from({ length: encoderSize(shape) }, () => 2 * rnd() - 1);
        const soft = { numVirtual: 2, hiddenSize: m.hidden, data: new Float32Array(2 * m.hidden) };
        const lossAt = async (p: Float64Array) => (await engine.lossInternal(examples, soft, 'verbalizer', false, encoderForward(shape, p))).loss;
        const { grad: promptGrad } = await engine.lossInternal(examples, soft, 'verbalizer', true, encoderForward(shape, params));
        const analytic = encoderBackward(shape, params, promptGrad!);
        const h = 1e-6;
        for (let i = 0; i < params.length; i++) {
          const plus = params.slice();
          const minus = params.slice();
          plus[i] += h;
          minus[i] -= h;
          const numeric = ((await lossAt(plus)) - (await lossAt(minus))) / (2 * h);
          assert.ok(Math.abs(numeric - analytic[i]) <= 1e-6 * Math.max(1, Math.abs(numeric)), `d/dparam[${i}]: analytic ${analytic[i]} vs numeric ${numeric}`);
        }
        // Every tensor gets a gradient: the chain reaches the inputs and all three layers.
        for (const t of encoderTensors(shape)) assert.ok(analytic.subarray(t.offset, t.offset + t.rows * t.cols).some((g) => Math.abs(g) > 1e-6), `${t.name} has a zero gradient`);
        await engine.dispose();
      });
    }
  }
});

describe('tuning/p-tuning: the method', () => {
  const engine = new FakeEngine({ hiddenSize: 6, seed: 3 });
  const tok = engine.tokenizer;
  const settings = { init: { kind: 'text' as const, text: 'Is it good?' }, numVirtual: 4, seed: 2 };

  it('with the residual encoder (default) the run starts exactly at the init text\'s embeddings, as prompt tuning does', async () => {
    const prepared = await pTuning.prepare(engine, settings);
    const expected = initSoftPrompt(settings.init, { engine, numVirtual: 4, seed: 2 }).soft;
    const start = prepared.trainable.materialize(prepared.trainable.initial);
    assert.deepEqual([...start.data], [...expected.data]);
    assert.deepEqual(prepared.record, { name: 'p-tuning', encoderHiddenSize: DEFAULT_ENCODER_HIDDEN_SIZE, encoderResidual: true });
    assert.deepEqual(prepared.adapter, { type: 'p-tuning', encoderHiddenSize: DEFAULT_ENCODER_HIDDEN_SIZE, encoderNumLayers: 2, encoderReparameterization: 'MLP' });
    assert.deepEqual(prepared.origin, { init: 'TEXT', initText: 'Is it good?' });
  });

  it('PEFT\'s encoder starts from PyTorch\'s Linear init (uniform in ±1/√fan_in), seeded', async () => {
    const a = await pTuning.prepare(engine, { ...settings, encoderResidual: false, encoderHiddenSize: 5 });
    const b = await pTuning.prepare(engine, { ...settings, encoderResidual: false, encoderHiddenSize: 5 });
    assert.deepEqual(a.trainable.initial, b.trainable.initial);
    const tensors = a.trainable.tensors;
    const fanIn: Record<string, number> = { 'mlp_head.0.weight': 6, 'mlp_head.0.bias': 6, 'mlp_head.2.weight': 5, 'mlp_head.2.bias': 5, 'mlp_head.4.weight': 5, 'mlp_head.4.bias': 5 };
    for (const t of tensors.slice(1)) {
      const values = a.trainable.initial.subarray(t.offset, t.offset + t.rows * t.cols);
      assert.ok(values.every((v) => Math.abs(v) <= 1 / Math.sqrt(fanIn[t.name])), t.name);
      assert.ok(values.some((v) => v !== 0), t.name);
    }
    assert.notDeepEqual([...a.trainable.materialize(a.trainable.initial).data], [...initSoftPrompt(settings.init, { engine, numVirtual: 4, seed: 2 }).soft.data]);
  });

  it('bad settings are user errors', async () => {
    await assert.rejects(pTuning.prepare(engine, { ...settings, encoderHiddenSize: 0 }), /--encoder-hidden-size must be a whole number ≥ 1, got 0/);
    await assert.rejects(pTuning.prepare(engine, { ...settings, init: { kind: 'adapter', dir: '/nowhere' }, encoderResidual: false }), /needs the residual encoder/);
  });

  it('trains through the encoder: the loss falls and every tensor moves', async () => {
    const example = (text: string, yes: boolean): ScoredExample => ({ promptIds: tok.encode(`${text} ->`), continuations: [tok.encode(' yes'), tok.encode(' no')], gold: yes ? 0 : 1 });
    const train = ['red', 'blue', 'green', 'pink', 'gray', 'teal', 'gold', 'navy'].map((t, i) => example(t, i < 2));
    const prepared = await pTuning.prepare(engine, { ...settings, encoderHiddenSize: 8 });
    const config: TrainerConfig = { loss: 'verbalizer', optimizer: { name: 'adamw' }, lr: 0.05, schedule: 'constant', warmupSteps: 0, steps: 30, batchSize: 4, seed: 0, shuffle: true };
    const out = await trainPrompt({ engine, trainable: prepared.trainable, train, config });
    assert.equal(out.stopReason, 'completed');
    assert.ok(out.finalLoss! < out.initialLoss - 0.05, `loss ${out.initialLoss} → ${out.finalLoss}`);
    for (const t of prepared.trainable.tensors) {
      const before = prepared.trainable.initial.subarray(t.offset, t.offset + t.rows * t.cols);
      const after = out.params.subarray(t.offset, t.offset + t.rows * t.cols);
      assert.ok(after.some((v, i) => v !== before[i]), `${t.name} did not move`);
    }
    // The prompt handed back is the encoder's output for the kept parameters.
    assert.deepEqual([...out.prompt.data], [...prepared.trainable.materialize(out.params).data]);
  });
});
