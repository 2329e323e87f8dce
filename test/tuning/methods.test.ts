/**
 * The method table and how the trainer drives it: choices and defaults, option checks per method, one
 * optimiser per parameter tensor, and prefix tuning end to end against a stand-in engine that takes
 * key/value prefixes (the real engine's prefixes are the engine branch's tests).
 */
import { strict as assert } from 'node:assert';
import type { LossAndGrad, LossKind, ScoredExample } from '../../src/engine/api';
import { DEFAULT_METHOD, METHOD_CHOICES, parseMethodName, TUNING_METHODS } from '../../src/tuning/methods/index';
import type { PrefixPrompt, PromptParams } from '../../src/engine/api';
import { prefixTuning, PREFIX_DEFAULT_LR, PREFIX_DEFAULT_VIRTUAL_TOKENS } from '../../src/tuning/methods/prefix-tuning';
import type { Trainable } from '../../src/tuning/methods/types';
import { Adafactor, DEFAULT_LEARNING_RATES } from '../../src/tuning/optimizers';
import { resolveTrainOptions } from '../../src/tuning/train-options';
import { trainPrompt, type TrainerConfig } from '../../src/tuning/trainer';
import { FakeEngine } from '../helpers/fake-engine';
import { userErrorMessage } from '../helpers/user-error';

const engine = new FakeEngine({ hiddenSize: 4, seed: 5 });
const tok = engine.tokenizer;
const examples: ScoredExample[] = ['red', 'blue', 'green', 'pink'].map((t, i) => ({ promptIds: tok.encode(t), continuations: [tok.encode(' yes'), tok.encode(' no')], gold: i % 2 }));
const sgdStep: TrainerConfig = { loss: 'verbalizer', optimizer: { name: 'sgd' }, lr: 0.5, schedule: 'constant', warmupSteps: 0, steps: 1, batchSize: 4, seed: 0, shuffle: false };

/**
 * A stand-in for an engine with prefixes: loss = ½‖data − target‖² per example (mean over the batch), exact
 * gradient data − target; prefixFromTokens gives each id's own row (id/100 everywhere) so the init is visible.
 */
class PrefixStandIn {
  readonly info = { ...engine.info, numLayers: 2, numKeyValueHeads: 2, headDim: 3 };
  readonly tokenizer = engine.tokenizer;
  readonly embeddings = engine.embeddings;
  readonly seen: PromptParams[] = [];
  readonly asked: number[][] = [];
  readonly width = 2 * 2 * 2 * 3;
  async prefixFromTokens(ids: number[]): Promise<PrefixPrompt> {
    this.asked.push(ids);
    const data = new Float32Array(ids.length * this.width);
    ids.forEach((id, row) => data.fill(id / 100, row * this.width, (row + 1) * this.width));
    return { kind: 'prefix', numVirtual: ids.length, numLayers: 2, numKeyValueHeads: 2, headDim: 3, data };
  }
  private target(i: number): number {
    return Math.sin(i);
  }
  async loss(batch: ScoredExample[], prompt: PromptParams | undefined, _kind: LossKind): Promise<Omit<LossAndGrad, 'grad'>> {
    const { loss } = this.compute(prompt!);
    return { loss, perExample: batch.map(() => loss), scores: batch.map(() => [-loss, -loss - 1]) };
  }
  async lossAndGrad(batch: ScoredExample[], prompt: PromptParams, kind: LossKind): Promise<LossAndGrad> {
    this.seen.push(prompt);
    return { ...(await this.loss(batch, prompt, kind)), grad: this.compute(prompt).grad };
  }
  private compute(prompt: PromptParams): { loss: number; grad: Float32Array } {
    const grad = prompt.data.map((v, i) => v - this.target(i));
    return { loss: grad.reduce((s, g) => s + g * g, 0) / 2, grad };
  }
}

describe('tuning/methods: the table', () => {
  it('three methods, each under its own name, with a one-line summary and defaults', () => {
    assert.deepEqual(METHOD_CHOICES, ['prompt-tuning', 'p-tuning', 'prefix-tuning']);
    assert.equal(DEFAULT_METHOD, 'prompt-tuning');
    for (const name of METHOD_CHOICES) {
      const method = TUNING_METHODS[name];
      assert.equal(method.name, name);
      assert.ok(method.summary.length > 20 && !method.summary.includes('\n'), name);
      assert.ok(method.defaults.virtualTokens >= 1 && Object.values(method.defaults.lr).every((lr) => lr > 0), name);
    }
    assert.equal(TUNING_METHODS['p-tuning'].defaults.encoderHiddenSize, 128);
    assert.deepEqual(TUNING_METHODS['prefix-tuning'].inits, ['text', 'vocab', 'random']);
  });

  it('--method: unknown names get one message listing the choices', () => {
    assert.equal(parseMethodName(undefined), 'prompt-tuning');
    assert.equal(parseMethodName('p-tuning'), 'p-tuning');
    assert.equal(userErrorMessage(() => parseMethodName('lora')), 'unknown --method "lora": use prompt-tuning, p-tuning, prefix-tuning');
    assert.equal(userErrorMessage(() => resolveTrainOptions({ method: 'prefix' })), 'unknown --method "prefix": use prompt-tuning, p-tuning, prefix-tuning');
  });

  it('the learning rate defaults to the method\'s for the optimiser', () => {
    assert.equal(resolveTrainOptions({}).lr, DEFAULT_LEARNING_RATES.adamw);
    assert.equal(resolveTrainOptions({ method: 'prefix-tuning' }).lr, PREFIX_DEFAULT_LR);
    assert.equal(resolveTrainOptions({ method: 'prefix-tuning', optimizer: 'adafactor' }).lr, DEFAULT_LEARNING_RATES.adafactor);
    assert.equal(resolveTrainOptions({ method: 'prefix-tuning', lr: 0.2 }).lr, 0.2);
  });

  it('per-method options are refused for the other methods, and inits a method cannot use', () => {
    assert.equal(userErrorMessage(() => resolveTrainOptions({ encoderHiddenSize: 64 })), '--encoder-hidden-size applies to --method p-tuning only, not prompt-tuning');
    assert.equal(userErrorMessage(() => resolveTrainOptions({ method: 'prefix-tuning', encoderResidual: false })), '--no-encoder-residual applies to --method p-tuning only, not prefix-tuning');
    assert.equal(userErrorMessage(() => resolveTrainOptions({ method: 'p-tuning', encoderHiddenSize: 0 })), '--encoder-hidden-size must be a whole number ≥ 1, got 0');
    assert.equal(userErrorMessage(() => resolveTrainOptions({ method: 'prefix-tuning', init: 'adapter:runs/x' })), '--init adapter: is not available for prefix-tuning: use text, vocab, random');
    assert.deepEqual(resolveTrainOptions({ method: 'p-tuning', encoderHiddenSize: 32, encoderResidual: false }).encoderHiddenSize, 32);
  });
});

describe('tuning/methods: the trainer steps each parameter tensor on its own', () => {
  // Two tensors, [2, 3] and [1, 2]; the "prompt" is their concatenation, so backward is the identity.
  const trainable = (initial: Float32Array): Trainable => ({
    tensors: [{ name: 'a', rows: 2, cols: 3, offset: 0 }, { name: 'b', rows: 1, cols: 2, offset: 6 }],
    initial,
    materialize: (params) => ({ numVirtual: 2, hiddenSize: 4, data: params }),
    backward: (_params, grad) => grad,
  });
  const standIn = new PrefixStandIn();

  it('SGD: p − lr·g on every tensor', async () => {
    const initial = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const out = await trainPrompt({ engine: standIn as never, trainable: trainable(initial), train: examples, config: sgdStep });
    assert.deepEqual([...out.params], [...initial].map((v, i) => Math.fround(v - 0.5 * Math.fround(v - Math.sin(i)))));
  });

  it('Adafactor keeps statistics per tensor: a [128, 128] tensor is factored, the bias beside it is not', async () => {
    const big: Trainable = {
      tensors: [{ name: 'w', rows: 128, cols: 128, offset: 0 }, { name: 'b', rows: 1, cols: 2, offset: 128 * 128 }],
      initial: Float32Array.from({ length: 128 * 128 + 2 }, (_, i) => (i % 7) / 7),
      materialize: (params) => ({ numVirtual: 1, hiddenSize: params.length, data: params }),
      backward: (_params, grad) => grad,
    };
    const out = await trainPrompt({ engine: standIn as never, trainable: big, train: examples, config: { ...sgdStep, optimizer: { name: 'adafactor' }, lr: 0.3, steps: 2 } });
    const run = (optimizers: [Adafactor, number, number][]) => {
      const params = Float32Array.from(big.initial);
      for (let step = 0; step < 2; step++) {
        const grad = params.map((v, i) => v - Math.sin(i));
        for (const [optimizer, from, to] of optimizers) optimizer.step(params.subarray(from, to), grad.subarray(from, to), 0.3);
      }
      return params;
    };
    const perTensor = run([[new Adafactor(128, 128), 0, 128 * 128], [new Adafactor(1, 2), 128 * 128, 128 * 128 + 2]]);
    assert.deepEqual([...out.params], [...perTensor]);
    // One optimiser over the flat vector would not factor, and would give another result.
    assert.notDeepEqual([...out.params], [...run([[new Adafactor(1, big.initial.length), 0, big.initial.length]])]);
  });
});

describe('tuning/methods: prefix tuning', () => {
  it('starts from the model\'s keys/values for the init text, repeated to the prefix length, in PEFT\'s layout', async () => {
    const standIn = new PrefixStandIn();
    const prepared = await prefixTuning.prepare(standIn as never, { init: { kind: 'text', text: 'ok' }, numVirtual: 5, seed: 0 });
    const ids = tok.encode('ok');
    assert.deepEqual(standIn.asked, [[ids[0], ids[1], ids[0], ids[1], ids[0]]]);
    assert.equal(prepared.numVirtual, 5);
    assert.deepEqual(prepared.trainable.tensors, [{ name: 'prompt_embeddings', rows: 5, cols: 24, offset: 0 }]);
    assert.deepEqual(prepared.adapter, { type: 'prefix-tuning' });
    assert.deepEqual(prepared.record, { name: 'prefix-tuning' });
    assert.deepEqual(prepared.origin, { init: 'TEXT', initText: 'ok' });
    const prompt = prepared.trainable.materialize(prepared.trainable.initial) as PrefixPrompt;
    assert.deepEqual({ ...prompt, data: undefined }, { kind: 'prefix', numVirtual: 5, numLayers: 2, numKeyValueHeads: 2, headDim: 3, data: undefined });
    assert.equal(prompt.data[24], Math.fround(ids[1] / 100));
  });

  it('defaults to its own prefix length; --init vocab asks for sampled ids; --init random is standard normal and needs no model run', async () => {
    const standIn = new PrefixStandIn();
    const byDefault = await prefixTuning.prepare(standIn as never, { init: { kind: 'vocab' }, seed: 3 });
    assert.equal(byDefault.numVirtual, PREFIX_DEFAULT_VIRTUAL_TOKENS);
    assert.equal(new Set(standIn.asked[0]).size, PREFIX_DEFAULT_VIRTUAL_TOKENS);
    const random = await prefixTuning.prepare(standIn as never, { init: { kind: 'random' }, numVirtual: 40, seed: 3 });
    assert.equal(standIn.asked.length, 1);
    const values = random.trainable.initial;
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
    assert.ok(Math.abs(mean) < 0.1 && Math.abs(variance - 1) < 0.15, `mean ${mean}, variance ${variance}`);
    assert.deepEqual((await prefixTuning.prepare(standIn as never, { init: { kind: 'random' }, numVirtual: 40, seed: 3 })).trainable.initial, values);
  });

  it('bad settings: a prefix longer than the positions, no init text', async () => {
    const standIn = new PrefixStandIn();
    await assert.rejects(prefixTuning.prepare(standIn as never, { init: { kind: 'random' }, numVirtual: 1023, seed: 0 }), /--virtual-tokens: 1023 virtual tokens do not fit the 1024 positions/);
    await assert.rejects(prefixTuning.prepare(standIn as never, { init: { kind: 'text' }, seed: 0 }), /--init text needs a text/);
  });

  it('trains the prefixes: the engine gets PrefixPrompts, the step is the engine\'s gradient', async () => {
    const standIn = new PrefixStandIn();
    const prepared = await prefixTuning.prepare(standIn as never, { init: { kind: 'text', text: 'ok' }, numVirtual: 2, seed: 0 });
    const out = await trainPrompt({ engine: standIn as never, trainable: prepared.trainable, train: examples, config: sgdStep });
    assert.equal(standIn.seen.length, 1);
    assert.equal((standIn.seen[0] as PrefixPrompt).kind, 'prefix');
    const initial = prepared.trainable.initial;
    assert.deepEqual([...out.params], [...initial].map((v, i) => Math.fround(v - 0.5 * Math.fround(v - Math.sin(i)))));
    assert.equal((out.prompt as PrefixPrompt).kind, 'prefix');
    assert.ok(out.finalLoss! < out.initialLoss);
  });
});
