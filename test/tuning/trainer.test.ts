import * as assert from 'assert';
import type { ScoredExample, SoftPrompt } from '../../src/engine/api';
import { initSoftPrompt } from '../../src/tuning/init';
import { epochBatches } from '../../src/tuning/batching';
import { createRng } from '../../src/data/random';
import { trainSoftPrompt, type SoftCheckpoint, type TrainerConfig, type TrainProgress } from '../../src/tuning/trainer';
import { FakeEngine } from '../helpers/fake-engine';

const engine = new FakeEngine({ hiddenSize: 6, seed: 3 });
const tok = engine.tokenizer;

function example(text: string, label: 'yes' | 'no'): ScoredExample {
  return { promptIds: tok.encode(`${text} ->`), continuations: [tok.encode(' yes'), tok.encode(' no')], gold: label === 'yes' ? 0 : 1 };
}
// Mostly "no": a prompt can learn the prior, so the loss has somewhere to go.
const train = ['red', 'blue', 'green', 'pink', 'gray', 'teal', 'gold', 'navy', 'lime', 'rose'].map((t, i) => example(t, i < 3 ? 'yes' : 'no'));
const dev = ['cyan', 'plum', 'jade', 'ruby'].map((t, i) => example(t, i === 0 ? 'yes' : 'no'));
const init = (): SoftPrompt => initSoftPrompt({ kind: 'random' }, { engine, numVirtual: 3, seed: 1 }).soft;

const base: TrainerConfig = { loss: 'verbalizer', optimizer: { name: 'adamw' }, lr: 0.1, schedule: 'constant', warmupSteps: 0, epochs: 4, batchSize: 4, seed: 0, shuffle: true };

describe('tuning/trainer', () => {
  it('the fake engine’s gradients are exact (central differences), so the trainer tests below mean something', async () => {
    const soft = init();
    for (const kind of ['lm', 'verbalizer'] as const) {
      const { grad } = await engine.lossAndGrad(train.slice(0, 3), soft, kind);
      for (const i of [0, 7, 17]) {
        const h = 1e-2;
        const plus = Float32Array.from(soft.data), minus = Float32Array.from(soft.data);
        plus[i] += h;
        minus[i] -= h;
        const lp = (await engine.loss(train.slice(0, 3), { ...soft, data: plus }, kind)).loss;
        const lm = (await engine.loss(train.slice(0, 3), { ...soft, data: minus }, kind)).loss;
        const numeric = (lp - lm) / (plus[i] - minus[i]);
        assert.ok(Math.abs(numeric - grad[i]) < 1e-4 + 1e-3 * Math.abs(grad[i]), `${kind} [${i}]: ${numeric} vs ${grad[i]}`);
      }
    }
  });

  it('lowers the training loss and keeps the best dev checkpoint', async () => {
    const checkpoints: SoftCheckpoint[] = [];
    const progress: TrainProgress[] = [];
    const out = await trainSoftPrompt({ engine, init: init(), train, dev, config: base, onCheckpoint: (c) => void checkpoints.push(c), onProgress: (p) => progress.push(p) });
    assert.strictEqual(out.stopReason, 'completed');
    assert.strictEqual(out.steps, 12);
    assert.ok(out.finalLoss! < out.initialLoss - 0.05, `${out.initialLoss} → ${out.finalLoss}`);
    // The returned prompt is the last checkpoint, which is the best evaluation.
    const last = checkpoints[checkpoints.length - 1];
    assert.strictEqual(out.soft.data, last.soft.data);
    assert.strictEqual(out.savedStep, out.bestEval!.step);
    // Kept by dev loss (the default): no evaluation has a lower one.
    assert.ok(out.evals.every((e) => e.loss >= out.bestEval!.loss));
    // The untrained start is never handed over when a later checkpoint exists.
    assert.ok(checkpoints.length > 0 && checkpoints.every((c) => c.step > 0), JSON.stringify(checkpoints.map((c) => c.step)));
    const steps = progress.filter((p) => p.type === 'step');
    assert.deepStrictEqual(steps.map((p) => p.step), [...Array(12).keys()].map((i) => i + 1));
    assert.ok(steps.every((p) => p.type === 'step' && p.totalSteps === 12 && p.lr === 0.1 && p.etaSeconds >= 0 && p.examplesPerSecond > 0));
    assert.deepStrictEqual(steps.map((p) => p.type === 'step' && p.epoch), [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]);
  });

  it('the same seed gives byte-identical prompts; another seed does not', async () => {
    const run = async (seed: number) => (await trainSoftPrompt({ engine, init: init(), train, config: { ...base, seed, epochs: 2 } })).soft.data;
    const a = await run(5), b = await run(5), c = await run(6);
    assert.deepStrictEqual(Buffer.from(a.buffer), Buffer.from(b.buffer));
    assert.notDeepStrictEqual(Buffer.from(a.buffer), Buffer.from(c.buffer));
  });

  it('one SGD step without shuffling is exactly init − lr × the gradient of the batch loss', async () => {
    const start = init();
    const batch = train.slice(0, 4);
    const out = await trainSoftPrompt({ engine, init: start, train: batch, config: { ...base, loss: 'lm', optimizer: { name: 'sgd' }, lr: 0.5, steps: 1, shuffle: false } });
    const { grad, loss } = await engine.lossAndGrad(batch, start, 'lm');
    assert.strictEqual(out.initialLoss, loss);
    assert.deepStrictEqual([...out.soft.data], [...start.data.map((v, i) => v - 0.5 * grad[i])]);
  });

  it('clips the gradient to the given global norm', async () => {
    const start = init();
    const batch = train.slice(0, 4);
    const { grad } = await engine.lossAndGrad(batch, start, 'verbalizer');
    const norm = Math.sqrt(grad.reduce((s, g) => s + g * g, 0));
    const clip = norm / 4;
    const out = await trainSoftPrompt({ engine, init: start, train: batch, config: { ...base, optimizer: { name: 'sgd' }, lr: 1, steps: 1, shuffle: false, clip } });
    const expected = start.data.map((v, i) => v - grad[i] * (clip / norm));
    out.soft.data.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-6));
  });

  it('cancelled mid-run, it stops at once and keeps the previous checkpoint', async () => {
    const controller = new AbortController();
    const checkpoints: SoftCheckpoint[] = [];
    const out = await trainSoftPrompt({
      engine, init: init(), train, config: { ...base, evalEvery: 2 }, signal: controller.signal,
      onCheckpoint: (c) => void checkpoints.push(c),
      onProgress: (p) => { if (p.type === 'step' && p.step === 5) controller.abort(); },
    });
    assert.strictEqual(out.stopReason, 'cancelled');
    assert.strictEqual(out.steps, 5);
    assert.deepStrictEqual(checkpoints.map((c) => c.step), [2, 4]);
    assert.strictEqual(out.savedStep, 4);
    assert.strictEqual(out.stopMessage, 'cancelled at step 5; the checkpoint of step 4 is kept');
    assert.strictEqual(out.finalLoss, undefined);
  });

  it('cancelled before its first real checkpoint, it hands over nothing (the output stays as it was)', async () => {
    const controller = new AbortController();
    const checkpoints: SoftCheckpoint[] = [];
    const out = await trainSoftPrompt({
      engine, init: init(), train, dev, config: { ...base, evalEvery: 4 }, signal: controller.signal,
      onCheckpoint: (c) => void checkpoints.push(c),
      onProgress: (p) => { if (p.type === 'step' && p.step === 3) controller.abort(); },
    });
    assert.strictEqual(out.stopReason, 'cancelled');
    assert.deepStrictEqual(checkpoints, []);
    assert.strictEqual(out.stopMessage, 'cancelled at step 3 before the first checkpoint; nothing was saved');
  });

  it('a completed run whose dev loss never beats the start hands over the start once, at the end', async () => {
    // Dev evaluations get worse with every call, so the step-0 evaluation stays the best.
    class Worsening extends FakeEngine {
      calls = 0;
      override async loss(examples: ScoredExample[], soft: SoftPrompt | undefined, kind: 'lm' | 'verbalizer') {
        const r = await super.loss(examples, soft, kind);
        const extra = examples === dev || examples.every((e) => dev.includes(e)) ? ++this.calls : 0;
        return { ...r, loss: r.loss + extra, perExample: r.perExample.map((l) => l + extra) };
      }
    }
    const worsening = new Worsening({ hiddenSize: 6, seed: 3 });
    const order: string[] = [];
    const checkpoints: SoftCheckpoint[] = [];
    const out = await trainSoftPrompt({
      engine: worsening, init: init(), train, dev, config: { ...base, steps: 2, epochs: undefined, evalEvery: 1 },
      onCheckpoint: (c) => void (checkpoints.push(c), order.push('checkpoint')),
      onProgress: (p) => void (p.type === 'step' && order.push('step')),
    });
    assert.strictEqual(out.stopReason, 'completed');
    assert.strictEqual(out.bestEval!.step, 0);
    assert.deepStrictEqual(checkpoints.map((c) => [c.step, c.reason]), [[0, 'initial']]);
    assert.deepStrictEqual(order, ['step', 'step', 'checkpoint']);
  });

  it('stops on NaN with a clear message; with only the untrained start to keep, it saves nothing (lr 1e6)', async () => {
    const checkpoints: SoftCheckpoint[] = [];
    const out = await trainSoftPrompt({ engine, init: init(), train, config: { ...base, lr: 1e6, evalEvery: 100 }, onCheckpoint: (c) => void checkpoints.push(c) });
    assert.strictEqual(out.stopReason, 'diverged');
    // Step 1 blew the prompt up to ~1e6; its loss (computed at step 2) is NaN, so the last good prompt is the initial one.
    assert.strictEqual(out.stopMessage, 'training diverged at step 2: the loss became NaN; the learning rate 1000000 is probably too high (try a smaller --lr, --clip 1, or --warmup); nothing was saved');
    assert.deepStrictEqual(checkpoints, []);
    assert.deepStrictEqual(out.soft.data, init().data);
    assert.ok(Number.isFinite(out.finalLoss!));
  });

  it('with keepBest accuracy keeps the most accurate evaluation (ties: the lower loss)', async () => {
    const out = await trainSoftPrompt({ engine, init: init(), train, dev, config: { ...base, keepBest: 'accuracy', evalEvery: 1 } });
    const best = out.bestEval!;
    assert.ok(out.evals.every((e) => e.accuracy! < best.accuracy! || (e.accuracy === best.accuracy && e.loss >= best.loss)));
  });

  it('early-stops after `patience` evaluations without improvement', async () => {
    const out = await trainSoftPrompt({ engine, init: init(), train, dev, config: { ...base, lr: 3, optimizer: { name: 'sgd' }, epochs: 50, evalEvery: 1, patience: 2 } });
    assert.strictEqual(out.stopReason, 'early-stopped');
    const best = out.bestEval!;
    assert.strictEqual(out.steps, out.evals[out.evals.length - 1].step);
    assert.strictEqual(out.evals.filter((e) => e.step > best.step).length, 2);
    assert.match(out.stopMessage!, new RegExp(`^stopped early at step ${out.steps}: no dev-set improvement in 2 evaluations \\(best at step ${best.step}\\)$`));
  });
});

describe('tuning/batching', () => {
  const lengths = [5, 1, 9, 3, 7, 2, 8];
  it('without shuffling keeps file order', () => {
    assert.deepStrictEqual(epochBatches(lengths, { batchSize: 3, shuffle: false }, createRng(0)), [[0, 1, 2], [3, 4, 5], [6]]);
  });
  it('shuffled epochs visit every example once, seeded, with length-sorted batches', () => {
    const a = epochBatches(lengths, { batchSize: 3, shuffle: true }, createRng(4));
    assert.deepStrictEqual(a.flat().sort(), [0, 1, 2, 3, 4, 5, 6]);
    assert.deepStrictEqual(epochBatches(lengths, { batchSize: 3, shuffle: true }, createRng(4)), a);
    // All examples fall in one bucket window, so the batches cut one sorted list: the concatenation, in
    // batch order by first length, is sorted by length.
    const byLength = [...a].sort((x, y) => lengths[x[0]] - lengths[y[0]]).flat().map((i) => lengths[i]);
    assert.deepStrictEqual(byLength, [...lengths].sort((x, y) => x - y));
  });

  // 60 examples, 36 of class 0 and 24 of class 1: a stratified batch of 10 holds 6 ± 1 of class 0.
  const manyLengths = Array.from({ length: 60 }, (_, i) => 5 + ((i * 7) % 23));
  const strata = manyLengths.map((_, i) => (i % 5 < 3 ? 0 : 1));
  const classZeroCounts = (batches: number[][]) => batches.filter((b) => b.length === 10).map((b) => b.filter((i) => strata[i] === 0).length);
  for (const bucketing of [true, false]) {
    it(`stratified batches keep the class proportions (${bucketing ? 'with' : 'without'} length bucketing)`, () => {
      for (let seed = 0; seed < 5; seed++) {
        const batches = epochBatches(manyLengths, { batchSize: 10, shuffle: true, bucketing, strata }, createRng(seed));
        assert.deepStrictEqual(batches.flat().sort((a, b) => a - b), manyLengths.map((_, i) => i));
        for (const count of classZeroCounts(batches)) assert.ok(Math.abs(count - 6) <= 1, `batch with ${count} of class 0`);
        assert.deepStrictEqual(epochBatches(manyLengths, { batchSize: 10, shuffle: true, bucketing, strata }, createRng(seed)), batches);
      }
    });
  }
  it('plain shuffling of the same rows does drift from the proportions (the case stratifying prevents)', () => {
    const counts = [0, 1, 2, 3, 4].flatMap((seed) => classZeroCounts(epochBatches(manyLengths, { batchSize: 10, shuffle: true, bucketing: false }, createRng(seed))));
    assert.ok(counts.some((c) => Math.abs(c - 6) > 1), `counts ${counts.join(',')}`);
  });
  it('stratified, bucketed batches are still close in length', () => {
    const batches = epochBatches(manyLengths, { batchSize: 10, shuffle: true, strata }, createRng(1));
    const spread = (b: number[]) => Math.max(...b.map((i) => manyLengths[i])) - Math.min(...b.map((i) => manyLengths[i]));
    const mean = batches.reduce((s, b) => s + spread(b), 0) / batches.length;
    // Lengths span 5..27; unsorted batches of 10 would spread over most of that range.
    assert.ok(mean <= 8, `mean spread ${mean}`);
  });
});

describe('tuning/trainer divergence without a dev set', () => {
  it('saves the newest prompt whose loss was finite', async () => {
    // SGD with a moderate rate grows the prompt slowly, so several good steps pass before the overflow.
    const big = new FakeEngine({ hiddenSize: 6, seed: 3, overflowAbove: 2 });
    const checkpoints: SoftCheckpoint[] = [];
    const out = await trainSoftPrompt({ engine: big, init: init(), train, config: { ...base, optimizer: { name: 'sgd' }, lr: 5, epochs: 100, evalEvery: 1000 }, onCheckpoint: (c) => void checkpoints.push(c) });
    assert.strictEqual(out.stopReason, 'diverged');
    const last = checkpoints[checkpoints.length - 1];
    assert.strictEqual(last.reason, 'last-good');
    // `steps` updates were applied; the last one overflowed, so the prompt before it is kept.
    assert.strictEqual(last.step, out.steps - 1);
    assert.ok(last.step > 0);
    assert.strictEqual(out.soft, last.soft);
    assert.ok(last.soft.data.every((v) => Math.abs(v) <= 2));
    assert.ok(Number.isFinite((await big.loss(train, last.soft, 'verbalizer')).loss));
  });
});
