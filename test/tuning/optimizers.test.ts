import * as assert from 'assert';
import { Adafactor, AdamW, createOptimizer, parseOptimizerName, Sgd } from '../../src/tuning/optimizers';
import { learningRateAt, parseScheduleName } from '../../src/tuning/schedule';

const f32 = (xs: number[]) => Float32Array.from(xs);
function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  assert.strictEqual(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])), `index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('optimizers', () => {
  it('SGD is p − lr·g, nothing else', () => {
    const p = f32([1, -2, 0.5]);
    new Sgd().step(p, f32([0.5, 1, -4]), 0.1);
    assert.deepStrictEqual([...p], [...f32([1 - 0.05, -2 - 0.1, 0.5 + 0.4])]);
  });

  it('AdamW follows the bias-corrected update with decoupled weight decay over two steps', () => {
    const lr = 0.01, wd = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8;
    const p0 = [1, -1], g1 = [0.3, -2], g2 = [-0.1, 0.5];
    const opt = new AdamW(2, { weightDecay: wd });
    const p = f32(p0);
    opt.step(p, f32(g1), lr);
    opt.step(p, f32(g2), lr);
    const expected = p0.map((x, i) => {
      let m = (1 - b1) * g1[i], v = (1 - b2) * g1[i] ** 2;
      x = x * (1 - lr * wd) - (lr * (m / (1 - b1))) / (Math.sqrt(v / (1 - b2)) + eps);
      m = b1 * m + (1 - b1) * g2[i];
      v = b2 * v + (1 - b2) * g2[i] ** 2;
      return x * (1 - lr * wd) - (lr * (m / (1 - b1 ** 2))) / (Math.sqrt(v / (1 - b2 ** 2)) + eps);
    });
    assertClose(p, expected, 1e-6);
  });

  it('Adafactor (Lester et al. settings): first step is lr·sign(g) plus 1e-5 decay, second uses β2 = 1 − 2^−0.8', () => {
    const lr = 0.3;
    const opt = new Adafactor(1, 3);
    const p = f32([1, 2, -1]);
    const g1 = [0.5, -0.001, 3], g2 = [0.1, 0.2, -0.3];
    opt.step(p, f32(g1), lr);
    const afterFirst = [1, 2, -1].map((x, i) => (1 - 1e-5) * x - lr * Math.sign(g1[i]));
    assertClose(p, afterFirst, 1e-6);
    opt.step(p, f32(g2), lr);
    const beta = 1 - 2 ** -0.8;
    const y = g2.map((g, i) => g / Math.sqrt(beta * (g1[i] ** 2 + 1e-30) + (1 - beta) * (g ** 2 + 1e-30)));
    const rms = Math.sqrt(y.reduce((s, v) => s + v * v, 0) / y.length);
    const clip = Math.max(1, rms);
    assertClose(p, afterFirst.map((x, i) => (1 - 1e-5) * x - (lr * y[i]) / clip), 1e-6);
  });

  it('Adafactor clips the update to RMS 1', () => {
    // Second step with a gradient far larger than the first: unclipped y would have RMS ≫ 1.
    const opt = new Adafactor(1, 2, { weightDecay: 0 });
    const p = f32([0, 0]);
    opt.step(p, f32([1e-3, 1e-3]), 1);
    const before = Float32Array.from(p);
    opt.step(p, f32([10, 10]), 1);
    const stepRms = Math.sqrt(((p[0] - before[0]) ** 2 + (p[1] - before[1]) ** 2) / 2);
    assert.ok(Math.abs(stepRms - 1) < 1e-6, `update RMS ${stepRms}`);
  });

  it('Adafactor factors the second moment of large matrices; with a rank-one g² the first step is exactly lr·sign(g)', () => {
    const rows = 128, cols = 130;
    const g = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) g[r * cols + c] = (r % 2 ? -1 : 1) * (1 + r / 10) * (0.5 + c / 50);
    const p = new Float32Array(rows * cols);
    new Adafactor(rows, cols, { weightDecay: 0 }).step(p, g, 0.3);
    assertClose(p, g.map((x) => -0.3 * Math.sign(x)), 1e-5);
    // A matrix below the factoring threshold keeps one statistic per entry, which gives the same first step.
    const small = new Float32Array(4);
    new Adafactor(2, 2, { weightDecay: 0 }).step(small, f32([1, -5, 2, -0.1]), 0.3);
    assertClose(small, [-0.3, 0.3, -0.3, 0.3], 1e-6);
  });

  it('names: unknown optimizer and schedule are user errors naming the choices', () => {
    assert.strictEqual(parseOptimizerName('AdamW'), 'adamw');
    assert.throws(() => parseOptimizerName('rmsprop'), { name: 'UserError', message: 'unknown optimizer "rmsprop": use one of adamw, adafactor, sgd' });
    assert.throws(() => parseScheduleName('step'), { name: 'UserError', message: 'unknown schedule "step": use one of constant, linear, cosine' });
    assert.strictEqual(createOptimizer({ name: 'adafactor' }, 2, 3).name, 'adafactor');
  });
});

describe('learning-rate schedules', () => {
  const base = { lr: 1, warmupSteps: 2, totalSteps: 6 };
  it('warms up linearly, then holds, or decays linearly or by cosine without reaching 0', () => {
    const at = (name: 'constant' | 'linear' | 'cosine') => [1, 2, 3, 4, 5, 6].map((s) => learningRateAt({ ...base, name }, s));
    assert.deepStrictEqual(at('constant'), [0.5, 1, 1, 1, 1, 1]);
    assertClose(at('linear'), [0.5, 1, 1, 0.75, 0.5, 0.25], 1e-12);
    assertClose(at('cosine'), [0.5, 1, 1, 0.5 * (1 + Math.cos(Math.PI / 4)), 0.5, 0.5 * (1 + Math.cos((3 * Math.PI) / 4))], 1e-12);
  });
  it('without warmup the first step uses the full rate (the one-step gradient check relies on it)', () => {
    for (const name of ['constant', 'linear', 'cosine'] as const) assert.strictEqual(learningRateAt({ name, lr: 0.3, warmupSteps: 0, totalSteps: 1 }, 1), 0.3);
  });
});
