/**
 * The nearest-token search in onnxruntime against a float64 brute force, for every metric, and the exact
 * recomputation that puts an embedding row at distance 0 from itself.
 */
import { strict as assert } from 'node:assert';
import { nearestRows, squaredRowNorms, type ProjectionMetric } from '../../src/projection/nearest';
import { manifoldReference, percentileOf, sampleIds, vocabularyNearestDistances } from '../../src/projection/manifold';
import { bruteForceNearest, randomMatrix } from './reference';

const METRICS: ProjectionMetric[] = ['cosine', 'l2', 'dot'];

describe('projection: nearest vocabulary rows', () => {
  for (const metric of METRICS) {
    it(`${metric}: the top-k ids and values equal a brute-force reference on random data`, async () => {
      for (const seed of [1, 2, 3]) {
        const [V, H, n, k] = [397, 24, 7, 5];
        // Uneven row scales, so cosine, L2 and dot product disagree about the order.
        const vocab = randomMatrix(V, H, seed);
        for (let r = 0; r < V; r++) for (let h = 0; h < H; h++) vocab[r * H + h] *= 0.2 + (r % 7) / 3;
        const queries = randomMatrix(n, H, 100 + seed);
        const found = await nearestRows({ data: vocab, rows: V, hidden: H }, queries, { metric, k, threads: 1 });
        for (let q = 0; q < n; q++) {
          const ref = bruteForceNearest(vocab, V, H, queries.subarray(q * H, (q + 1) * H), metric).slice(0, k);
          assert.deepEqual(Array.from(found.ids.subarray(q * k, (q + 1) * k)), ref.map((r) => r.id), `seed ${seed}, query ${q}`);
          ref.forEach((r, j) => {
            const got = found.values[q * k + j];
            assert.ok(Math.abs(got - r.value) <= 1e-5 * Math.max(1, Math.abs(r.value)), `seed ${seed}, query ${q}, rank ${j}: ${got} vs ${r.value}`);
          });
        }
      }
    });
  }

  it('finds an embedding row itself at exactly distance 0 (cosine and l2)', async () => {
    const [V, H] = [300, 32];
    const vocab = randomMatrix(V, H, 9);
    const ids = [0, 17, 299, 150];
    const queries = new Float32Array(ids.length * H);
    ids.forEach((id, r) => queries.set(vocab.subarray(id * H, (id + 1) * H), r * H));
    for (const metric of ['cosine', 'l2'] as const) {
      const found = await nearestRows({ data: vocab, rows: V, hidden: H }, queries, { metric, k: 3, threads: 1 });
      ids.forEach((id, r) => {
        assert.equal(found.ids[r * 3], id, metric);
        assert.equal(found.values[r * 3], 0, metric);
      });
    }
  });

  it('searches only the first `rows` rows of a longer matrix', async () => {
    const [V, H] = [50, 8];
    const vocab = randomMatrix(V + 10, H, 4);
    const query = vocab.slice(55 * H, 56 * H); // row 55 is outside the searched rows
    const found = await nearestRows({ data: vocab, rows: V, hidden: H }, query, { metric: 'l2', k: 2, threads: 1 });
    const ref = bruteForceNearest(vocab.subarray(0, V * H), V, H, query, 'l2');
    assert.deepEqual(Array.from(found.ids), [ref[0].id, ref[1].id]);
  });

  it('computes squared row norms once per matrix', async () => {
    const vocab = randomMatrix(20, 4, 5);
    const a = await squaredRowNorms({ data: vocab, rows: 20, hidden: 4 }, 1);
    const b = await squaredRowNorms({ data: vocab, rows: 20, hidden: 4 }, 1);
    assert.equal(a, b);
    assert.ok(Math.abs(a[3] - (vocab[12] ** 2 + vocab[13] ** 2 + vocab[14] ** 2 + vocab[15] ** 2)) < 1e-6);
  });
});

describe('projection: distance to the manifold', () => {
  it('each sampled row gets its brute-force nearest other row, a duplicate row counting at 0', async () => {
    const [V, H] = [260, 12];
    const vocab = randomMatrix(V, H, 21);
    vocab.copyWithin(40 * H, 7 * H, 8 * H); // row 40 duplicates row 7
    const ids = sampleIds(V, 60, 3).concat(7).filter((v, i, a) => a.indexOf(v) === i);
    for (const distance of ['cosine', 'l2'] as const) {
      const got = await vocabularyNearestDistances({ data: vocab, rows: V, hidden: H }, ids, distance, 1);
      ids.forEach((id, i) => {
        const ref = bruteForceNearest(vocab, V, H, vocab.subarray(id * H, (id + 1) * H), distance).filter((r) => r.id !== id)[0].value;
        assert.ok(Math.abs(got[i] - ref) < 1e-5, `${distance}, row ${id}: ${got[i]} vs ${ref}`);
      });
      assert.equal(got[ids.indexOf(7)], 0);
    }
  });

  it('samples distinct ids deterministically and never the excluded ones', () => {
    const a = sampleIds(1000, 50, 7, new Set([1, 2, 3]));
    assert.deepEqual(a, sampleIds(1000, 50, 7, new Set([1, 2, 3])));
    assert.equal(new Set(a).size, 50);
    assert.ok(a.every((id) => id >= 0 && id < 1000 && ![1, 2, 3].includes(id)));
    assert.notDeepEqual(a, sampleIds(1000, 50, 8));
    assert.deepEqual(sampleIds(5, 50, 1), [0, 1, 2, 3, 4]);
  });

  it('percentile counts the reference distances strictly below', () => {
    const sorted = Float64Array.from([0.1, 0.2, 0.2, 0.3, 0.5]);
    assert.equal(percentileOf(sorted, 0), 0);
    assert.equal(percentileOf(sorted, 0.1), 0);
    assert.equal(percentileOf(sorted, 0.25), 60);
    assert.equal(percentileOf(sorted, 0.2), 20);
    assert.equal(percentileOf(sorted, 9), 100);
  });

  it('caches the reference per matrix and sample', async () => {
    const vocab = randomMatrix(100, 6, 2);
    const m = { data: vocab, rows: 100, hidden: 6 };
    const a = await manifoldReference(m, { distance: 'l2', sample: 30, threads: 1 });
    assert.equal(await manifoldReference(m, { distance: 'l2', sample: 30, threads: 1 }), a);
    assert.equal(a.sorted.length, 30);
    assert.ok(a.sorted.every((d, i) => i === 0 || d >= a.sorted[i - 1]));
    assert.notEqual(await manifoldReference(m, { distance: 'cosine', sample: 30, threads: 1 }), a);
  });
});
