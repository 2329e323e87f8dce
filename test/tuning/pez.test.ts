import * as assert from 'assert';
import type { ScoredExample, SoftPrompt } from '../../src/engine/api';
import { initSoftPrompt } from '../../src/tuning/init';
import { batchStream } from '../../src/tuning/batching';
import { discoverHardPrompt, embeddingPrompt, projectToTokens, type PezConfig, type PezProgress } from '../../src/tuning/pez';
import { FAKE_EOS, FAKE_VOCAB, FakeEngine } from '../helpers/fake-engine';

const engine = new FakeEngine({ hiddenSize: 6, seed: 3 });
const tok = engine.tokenizer;
const H = engine.info.hiddenSize;
const vocab = { data: engine.embeddings, rows: FAKE_VOCAB, hidden: H };

function example(text: string, label: 'yes' | 'no'): ScoredExample {
  return { promptIds: tok.encode(`${text} ->`), continuations: [tok.encode(' yes'), tok.encode(' no')], gold: label === 'yes' ? 0 : 1 };
}
const train = ['red', 'blue', 'green', 'pink', 'gray', 'teal', 'gold', 'navy', 'lime', 'rose'].map((t, i) => example(t, i < 3 ? 'yes' : 'no'));
const dev = ['cyan', 'plum', 'jade', 'ruby'].map((t, i) => example(t, i === 0 ? 'yes' : 'no'));
const init = (seed = 1): SoftPrompt => initSoftPrompt({ kind: 'random' }, { engine, numVirtual: 3, seed }).soft;
const config: PezConfig = { loss: 'verbalizer', steps: 12, lr: 0.1, batchSize: 4, seed: 0, evalEvery: 3 };

/** Cosine nearest row by brute force in float64, ties to the smaller id: an outside reference for the projection. */
function bruteNearest(row: Float32Array, exclude: ReadonlySet<number>): number {
  let best = -1;
  let bestCos = -Infinity;
  const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));
  for (let id = 0; id < FAKE_VOCAB; id++) {
    if (exclude.has(id)) continue;
    const e = engine.embeddings.subarray(id * H, (id + 1) * H);
    let dot = 0;
    for (let j = 0; j < H; j++) dot += e[j] * row[j];
    const cos = dot / (norm(e) * norm(row));
    if (cos > bestCos + 1e-12) {
      bestCos = cos;
      best = id;
    }
  }
  return best;
}

describe('tuning/pez', () => {
  it('projects each row to its cosine-nearest vocabulary token (brute force agrees), never an excluded one', async () => {
    const soft = init(5);
    const rows = (i: number) => soft.data.subarray(i * H, (i + 1) * H);
    const plain = await projectToTokens(vocab, soft.data);
    assert.deepStrictEqual(plain, [0, 1, 2].map((i) => bruteNearest(rows(i), new Set())));
    // Excluding the nearest tokens (and more) makes the search widen until it finds allowed ones.
    const exclude = new Set<number>([...plain, ...Array.from({ length: 40 }, (_, i) => i + 100)]);
    const constrained = await projectToTokens(vocab, soft.data, exclude);
    assert.deepStrictEqual(constrained, [0, 1, 2].map((i) => bruteNearest(rows(i), exclude)));
    assert.ok(constrained.every((id) => !exclude.has(id)));
  });

  it('the projected prompt is always real tokens: every scored prompt is embedding rows of vocabulary ids', async () => {
    const exclude = new Set([FAKE_EOS]);
    const scored: SoftPrompt[] = [];
    const spy = { ...engine, info: engine.info, tokenizer: engine.tokenizer, embeddings: engine.embeddings, loss: engine.loss.bind(engine), lossAndGrad: (b: ScoredExample[], s: SoftPrompt, k: 'lm' | 'verbalizer') => (scored.push(s), engine.lossAndGrad(b, s, k)) };
    const out = await discoverHardPrompt({ engine: spy, init: init(), train, dev, config, excludeIds: exclude });
    assert.strictEqual(out.stopReason, 'completed');
    assert.strictEqual(scored.length, 12);
    scored.forEach((s, step) => {
      const ids = out.curve[step].ids;
      assert.ok(ids.every((id) => Number.isInteger(id) && id >= 0 && id < FAKE_VOCAB && !exclude.has(id)), JSON.stringify(ids));
      assert.deepStrictEqual([...s.data], [...embeddingPrompt(engine.embeddings, H, ids).data]);
    });
    assert.ok(out.ids.length === 3 && out.ids.every((id) => id < FAKE_VOCAB && !exclude.has(id)));
    // Kept by the selection loss: no evaluation beats the kept one, and its ids are one that was evaluated.
    assert.ok(out.evals.every((e) => e.loss >= out.best.loss));
    assert.ok(out.evals.some((e) => e.ids.join() === out.ids.join() && e.step === out.best.step));
    assert.strictEqual(out.selectedOn, 'dev');
    assert.deepStrictEqual(out.evals.map((e) => e.step), [0, 3, 6, 9, 12]);
  });

  it('applies the gradient taken at the projection to the continuous prompt (one SGD step, checked against engine.lossAndGrad)', async () => {
    const start = init(7);
    const lr = 0.5;
    const out = await discoverHardPrompt({ engine, init: start, train, config: { ...config, steps: 1, optimizer: { name: 'sgd' }, lr, evalEvery: 1 } });
    const ids = await projectToTokens(vocab, start.data);
    assert.deepStrictEqual(out.curve[0].ids, ids);
    const batch = batchStream(train, { batchSize: config.batchSize, shuffle: true, seed: config.seed })().batch.map((i) => train[i]);
    const atProjection = (await engine.lossAndGrad(batch, embeddingPrompt(engine.embeddings, H, ids), 'verbalizer')).grad;
    assert.deepStrictEqual([...out.continuous.data], [...start.data.map((v, i) => v - lr * atProjection[i])]);
    // …and not the gradient at the continuous prompt itself (which plain prompt tuning would apply).
    const atContinuous = (await engine.lossAndGrad(batch, start, 'verbalizer')).grad;
    assert.ok(atContinuous.some((g, i) => Math.abs(g - atProjection[i]) > 1e-4));
    // Without a dev set the projections are selected on the training rows.
    assert.strictEqual(out.selectedOn, 'train');
  });

  it('is deterministic for a seed; another seed draws other batches', async () => {
    const run = (seed: number) => discoverHardPrompt({ engine, init: init(), train, dev, config: { ...config, seed } });
    const [a, b, c] = [await run(4), await run(4), await run(5)];
    assert.deepStrictEqual(a.curve, b.curve);
    assert.deepStrictEqual([a.ids, [...a.continuous.data]], [b.ids, [...b.continuous.data]]);
    assert.notDeepStrictEqual(a.curve.map((p) => p.loss), c.curve.map((p) => p.loss));
  });

  it('reports progress and stops when cancelled', async () => {
    const controller = new AbortController();
    const progress: PezProgress[] = [];
    const out = await discoverHardPrompt({
      engine,
      init: init(),
      train,
      dev,
      config,
      signal: controller.signal,
      onProgress: (p) => {
        progress.push(p);
        if (p.type === 'step' && p.step === 4) controller.abort();
      },
    });
    assert.strictEqual(out.stopReason, 'cancelled');
    assert.strictEqual(out.steps, 4);
    assert.deepStrictEqual(progress.filter((p) => p.type === 'step').map((p) => p.step), [1, 2, 3, 4]);
    assert.ok(progress.some((p) => p.type === 'eval' && p.isBest && p.step === 0));
  });
});
