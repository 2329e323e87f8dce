/**
 * Examples per model run chosen by an activation-memory budget (src/engine/batch-memory.ts): the split itself,
 * the estimate's shape, and, on the shared GPT-2, that scores and gradients do not depend on the budget.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { chunkByMemory, defaultBatchMemoryBytes, exampleActivationBytes, BATCH_MEMORY_CAP_MB, BATCH_MEMORY_FLOOR_MB, MAX_ROWS_PER_RUN } from '../../src/engine/batch-memory';
import { Engine } from '../../src/engine/engine';
import { describeModel } from '../../src/engine/models/index';
import type { ScoredExample } from '../../src/engine/api';
import { sharedPath } from '../helpers/shared';

const MIB = 1024 * 1024;
const gpt2 = describeModel({ model_type: 'gpt2', n_layer: 12, n_head: 12, n_embd: 768, n_positions: 1024, vocab_size: 50257 }, 'config.json');
const fwd = { past: 0, withGrad: false, floatBytes: 4 };

describe('batch memory', () => {
  it('splits lengths into runs within the budget: powers of two but the last, each index once, in order', () => {
    const lengths = [5, 9, 12, 16, 20, 33, 40, 64, 64, 90, 128, 200, 256, 300, 400, 512, 700, 1000];
    const order = lengths.map((_, i) => i);
    const bytesOf = (_i: number, T: number) => T * T * 1000;
    const budget = 64 * MIB;
    const runs = chunkByMemory(order, (i) => lengths[i], bytesOf, budget, 8);
    assert.deepEqual(runs.flat(), order);
    runs.forEach((run, k) => {
      const T = lengths[run[run.length - 1]];
      if (run.length > 1) assert.ok(run.length * bytesOf(0, T) <= budget, `run ${k} of ${run.length} at length ${T} is over the budget`);
      if (k < runs.length - 1) assert.ok(Number.isInteger(Math.log2(run.length)), `run ${k} has ${run.length} rows`);
      assert.ok(run.length <= 8);
    });
    // Short sequences share runs of the most rows allowed; the longest (over the budget alone) run one by one.
    assert.equal(runs[0].length, 8);
    assert.deepEqual(runs.slice(-2), [[16], [17]]);
  });

  it('estimates more memory for longer sequences, training, past slots and vocabulary rows', () => {
    const one = { sequences: 1, vocabRows: 1 };
    const at = (T: number, c = one, s = fwd) => exampleActivationBytes(gpt2, T, c, s);
    assert.ok(at(256) > 2 * at(128), 'attention grows with the square of the length');
    assert.ok(at(64, one, { ...fwd, withGrad: true }) > 5 * at(64), 'training keeps every layer’s activations');
    assert.ok(at(64, one, { ...fwd, past: 64 }) > at(64));
    assert.equal(at(64, { sequences: 1, vocabRows: 3 }) - at(64), 2 * 2 * 50257 * 4);
    assert.equal(at(64, { sequences: 2, vocabRows: 2 }), 2 * at(64));
    assert.equal(exampleActivationBytes(gpt2, 64, one, { ...fwd, floatBytes: 8 }), 2 * at(64));
    // GPT-2 small, 64 tokens, forward: a few MB per example (ORT measured ~5 MB in bench:eval).
    assert.ok(at(64) > 2 * MIB && at(64) < 20 * MIB, `${at(64) / MIB} MiB`);
  });

  it('defaults to a share of the available memory, between the floor and the cap', () => {
    assert.equal(defaultBatchMemoryBytes({ PTUNE_MEMORY_LIMIT_MB: '100' }), BATCH_MEMORY_FLOOR_MB * MIB);
    assert.equal(defaultBatchMemoryBytes({ PTUNE_MEMORY_LIMIT_MB: '1000' }), 250 * MIB);
    assert.equal(defaultBatchMemoryBytes({ PTUNE_MEMORY_LIMIT_MB: '100000' }), BATCH_MEMORY_CAP_MB * MIB);
  });

  describe('on imdb-gpt2-small', function () {
    this.timeout(600_000);

    /** 40 SST-2 dev sentences of varied length as sst2-rating-like examples, and each run's rows. */
    async function scoreWith(dir: string, sst2: string, batchMemoryMB: number) {
      const rows: number[] = [];
      const engine = await Engine.load(dir, { batchMemoryMB, threads: 1, onChunk: (n) => rows.push(n) });
      const tok = engine.tokenizer;
      const texts = readFileSync(sst2, 'utf8').trim().split('\n').slice(0, 40).map((l) => JSON.parse(l).sentence ?? JSON.parse(l).text) as string[];
      const conts = [tok.encode(' terrible'), tok.encode(' great'), tok.encode(' not bad at all')];
      const examples: ScoredExample[] = texts.map((t, i) => ({ promptIds: tok.encode(`Review: ${t}\nRating:`), continuations: conts, gold: i % 3 }));
      const scores = await engine.score(examples);
      const H = engine.info.hiddenSize;
      const soft = { numVirtual: 4, hiddenSize: H, data: Float32Array.from({ length: 4 * H }, (_, i) => Math.sin(i) * 0.1) };
      const trained = await engine.lossAndGrad(examples.slice(0, 8), soft, 'verbalizer');
      await engine.dispose();
      return { scores, rows, trained };
    }

    it('scores and gradients agree to 1e-5 with one example per run and with many', async function () {
      const dir = sharedPath(this, 'models/imdb-gpt2-small');
      const sst2 = sharedPath(this, 'datasets/sst2/dev.jsonl');
      const single = await scoreWith(dir, sst2, 0.01);
      const many = await scoreWith(dir, sst2, 4096);
      assert.ok(single.rows.every((n) => n === 1), `tiny budget: runs of ${single.rows}`);
      assert.ok(Math.max(...many.rows) >= 8 && Math.max(...many.rows) <= MAX_ROWS_PER_RUN, `large budget: runs of ${many.rows}`);
      let maxDiff = 0;
      single.scores.forEach((row, i) => row.forEach((s, j) => (maxDiff = Math.max(maxDiff, Math.abs(s - many.scores[i][j])))));
      console.log(`      runs ${single.rows.length} vs ${many.rows.length}; max score difference ${maxDiff.toExponential(2)}`);
      assert.ok(maxDiff <= 1e-5, `max score difference ${maxDiff}`);
      assert.ok(Math.abs(single.trained.loss - many.trained.loss) <= 1e-5);
      let gradDiff = 0;
      let gradMax = 0;
      single.trained.grad.forEach((g, k) => {
        gradDiff = Math.max(gradDiff, Math.abs(g - many.trained.grad[k]));
        gradMax = Math.max(gradMax, Math.abs(g));
      });
      assert.ok(gradDiff <= 1e-5 * Math.max(1, gradMax), `max gradient difference ${gradDiff} (largest ${gradMax})`);
    });
  });
});
