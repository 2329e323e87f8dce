import * as assert from 'assert';
import { resolveTrainOptions, trainerConfig } from '../../src/tuning/train-options';

describe('tuning/train-options', () => {
  it('fills the documented defaults', () => {
    const o = resolveTrainOptions({});
    assert.deepStrictEqual(
      { init: o.init, optimizer: o.optimizer, lr: o.lr, epochs: o.epochs, steps: o.steps, batchSize: o.batchSize, warmup: o.warmup, schedule: o.schedule, clip: o.clip, seed: o.seed, shuffle: o.shuffle, stratify: o.stratify, keepBest: o.keepBest, weightDecay: o.weightDecay },
      { init: undefined, optimizer: 'adamw', lr: 0.01, epochs: 3, steps: undefined, batchSize: 8, warmup: 0, schedule: 'constant', clip: undefined, seed: 0, shuffle: true, stratify: true, keepBest: 'loss', weightDecay: 0 },
    );
    assert.strictEqual(resolveTrainOptions({ optimizer: 'adafactor' }).lr, 0.3);
    assert.strictEqual(resolveTrainOptions({ steps: 5 }).epochs, undefined);
    assert.deepStrictEqual(resolveTrainOptions({ initText: 'hi' }).init, { kind: 'text', text: 'hi' });
    assert.deepStrictEqual(trainerConfig(resolveTrainOptions({ optimizer: 'sgd', steps: 2 }), 'lm').optimizer, { name: 'sgd', weightDecay: 0 });
  });

  it('rejects contradictions and impossible values with the flag named', () => {
    const cases: [Parameters<typeof resolveTrainOptions>[0], string][] = [
      [{ epochs: 2, steps: 3 }, 'give --epochs or --steps, not both'],
      [{ batchSize: 0 }, '--batch-size must be a whole number ≥ 1, got 0'],
      [{ lr: -1 }, '--lr must be a positive number, got -1'],
      [{ warmup: 1.5 }, '--warmup must be a whole number ≥ 0, got 1.5'],
      [{ optimizer: 'sgd', weightDecay: 0.1 }, "--weight-decay applies to adamw only (adafactor uses Lester et al.'s 1e-5, sgd none)"],
      [{ schedule: 'exp' }, 'unknown schedule "exp": use one of constant, linear, cosine'],
      [{ loss: 'mse' as never }, 'unknown --loss "mse": use lm or verbalizer'],
      [{ init: 'zeros' }, 'unknown --init "zeros": use text, vocab, random or adapter:DIR'],
      [{ keepBest: 'f1' }, 'unknown --keep-best "f1": use loss or accuracy'],
    ];
    for (const [params, message] of cases) assert.throws(() => resolveTrainOptions(params), { name: 'UserError', message });
  });
});
