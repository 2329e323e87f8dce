import * as assert from 'assert';
import { binomialTwoSided, bootstrapAccuracy, bootstrapMean, chiSquared1Survival, mcnemar, mcnemarFromCounts, meanStd, mulberry32, quantile, signTest } from '../../src/bench/stats';

const close = (actual: number, expected: number, tolerance: number) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected} ± ${tolerance}, got ${actual}`);

function bernoulli(n: number, p: number, seed: number): boolean[] {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => random() < p);
}

describe('bench/stats', () => {
  describe('bootstrapAccuracy', () => {
    it('is deterministic for a seed and changes with the seed', () => {
      const sample = bernoulli(300, 0.7, 1);
      const a = bootstrapAccuracy(sample, { seed: 5 });
      const b = bootstrapAccuracy(sample, { seed: 5 });
      const c = bootstrapAccuracy(sample, { seed: 6 });
      assert.deepStrictEqual(a, b);
      assert.notDeepStrictEqual([a.low, a.high], [c.low, c.high]);
      assert.strictEqual(a.resamples, 2000);
      assert.strictEqual(a.level, 0.95);
    });

    it('brackets the sample accuracy with about the normal-approximation width', () => {
      const sample = bernoulli(400, 0.7, 2);
      const ci = bootstrapAccuracy(sample, { seed: 0 });
      const p = ci.estimate;
      assert.ok(ci.low < p && p < ci.high, JSON.stringify(ci));
      const normalHalfWidth = 1.96 * Math.sqrt((p * (1 - p)) / sample.length);
      close(ci.high - ci.low, 2 * normalHalfWidth, 0.2 * 2 * normalHalfWidth);
    });

    it('covers the true accuracy in roughly 95% of repeated samples', () => {
      let covered = 0;
      const trials = 200;
      for (let t = 0; t < trials; t++) {
        const ci = bootstrapAccuracy(bernoulli(100, 0.7, 1000 + t), { seed: t, resamples: 500 });
        if (ci.low <= 0.7 && 0.7 <= ci.high) covered++;
      }
      // Binomial(200, 0.95) lies in [178, 198] with probability > 0.999; the percentile method under-covers slightly.
      assert.ok(covered >= 178 && covered <= 198, `covered ${covered}/${trials}`);
    });

    it('collapses to a point for all-correct input', () => {
      const ci = bootstrapAccuracy([true, true, true]);
      assert.deepStrictEqual([ci.estimate, ci.low, ci.high], [1, 1, 1]);
    });
  });

  describe('mcnemar', () => {
    it('exact: b=10, c=2 gives the two-sided binomial p = 158/4096 ≈ 0.0386', () => {
      const r = mcnemarFromCounts(10, 2);
      assert.strictEqual(r.method, 'exact');
      assert.strictEqual(r.statistic, 2);
      close(r.pValue, 158 / 4096, 1e-15);
      close(r.pValue, 0.0386, 5e-5);
    });

    it('exact: equal counts give p = 1 and no discordance gives p = 1', () => {
      assert.strictEqual(mcnemarFromCounts(5, 5).pValue, 1);
      assert.deepStrictEqual(mcnemarFromCounts(0, 0), { b: 0, c: 0, statistic: 0, pValue: 1, method: 'exact' });
    });

    it('chi-squared with continuity correction from 25 discordant pairs on', () => {
      const r = mcnemarFromCounts(30, 12);
      assert.strictEqual(r.method, 'chi2-continuity');
      close(r.statistic, 289 / 42, 1e-12);
      close(r.pValue, 0.008711912962379598, 1e-8); // Python: math.erfc(math.sqrt(289 / 42 / 2))
      assert.strictEqual(mcnemarFromCounts(13, 11).method, 'exact');
      assert.strictEqual(mcnemarFromCounts(13, 12).method, 'chi2-continuity');
    });

    it('counts b and c from paired correctness', () => {
      const a = [true, true, false, false, true, true];
      const b = [true, false, true, false, false, true];
      const r = mcnemar(a, b);
      assert.deepStrictEqual([r.b, r.c], [2, 1]);
      assert.throws(() => mcnemar([true], [true, false]), /paired/);
    });

    it('chi-squared survival matches known quantiles', () => {
      close(chiSquared1Survival(3.841458820694124), 0.05, 1e-7);
      close(chiSquared1Survival(6.6348966010212145), 0.01, 1e-7);
      assert.strictEqual(chiSquared1Survival(0), 1);
    });
  });

  describe('bootstrapMean', () => {
    it('is bootstrapAccuracy on 0/1 values, and resamples the rows of any per-row score', () => {
      const correct = Array.from({ length: 57 }, (_, i) => (i * 7) % 5 < 3);
      assert.deepStrictEqual(bootstrapMean(correct.map((c) => (c ? 1 : 0)), { seed: 3 }), bootstrapAccuracy(correct, { seed: 3 }));
      const scores = Array.from({ length: 40 }, (_, i) => ((i * 37) % 11) / 10);
      const ci = bootstrapMean(scores, { resamples: 500, seed: 1 });
      assert.ok(Math.abs(ci.estimate - scores.reduce((a, b) => a + b, 0) / 40) < 1e-12);
      assert.ok(ci.low < ci.estimate && ci.estimate < ci.high, JSON.stringify(ci));
      // A constant score has no spread to resample.
      const flat = bootstrapMean(new Array(20).fill(0.25));
      assert.deepStrictEqual([flat.low, flat.high], [0.25, 0.25]);
    });
  });

  describe('signTest', () => {
    it('counts wins, losses and ties and gives the exact binomial p-value (values from exact fractions in Python)', () => {
      const a = [0.5, 0.9, 0.2, 0.2, 1, 0.4, 0.7, 0.3, 0.8, 0.6, 0.5, 0.1];
      const b = [0.1, 0.8, 0.1, 0.3, 0.5, 0.2, 0.6, 0.2, 0.9, 0.5, 0.5, 0.1];
      // 8 wins (a > b), 2 losses, 2 ties: p = 2·P(X ≤ 2), X ~ Bin(10, ½) = 112/1024.
      const ab = signTest(a, b);
      const ba = signTest(b, a);
      assert.deepStrictEqual([ab.wins, ab.losses, ab.ties, ba.wins, ba.losses, ba.ties], [8, 2, 2, 2, 8, 2]);
      for (const p of [ab.pValue, ba.pValue]) assert.ok(Math.abs(p - 0.109375) < 1e-12, String(p));
      assert.strictEqual(signTest([0.3, 0.3], [0.3, 0.3]).pValue, 1);
      assert.throws(() => signTest([1], [1, 2]), /paired scores: 1 vs 2/);
    });

    it('stays exact for thousands of rows, where 0.5^n underflows', () => {
      const close = (x: number, y: number) => Math.abs(x - y) <= 1e-9 * y;
      assert.ok(close(binomialTwoSided(1400, 1600), 0.0002785639610392337), String(binomialTwoSided(1400, 1600)));
      assert.ok(close(binomialTwoSided(1300, 900), 1.463722041926711e-17), String(binomialTwoSided(1300, 900)));
      assert.strictEqual(binomialTwoSided(5, 5), 1);
    });

    it('on 0/1 scores agrees with McNemar’s exact test', () => {
      const a = [1, 1, 0, 1, 0, 1, 1, 0, 1, 1];
      const b = [0, 1, 0, 0, 1, 0, 0, 0, 0, 1];
      const sign = signTest(a, b);
      assert.deepStrictEqual([sign.wins, sign.losses], [5, 1]);
      assert.ok(Math.abs(sign.pValue - mcnemar(a.map(Boolean), b.map(Boolean)).pValue) < 1e-12);
      assert.ok(Math.abs(sign.pValue - 14 / 64) < 1e-12);
    });
  });

  it('meanStd uses the sample standard deviation and null for one value', () => {
    const r = meanStd([2, 4, 4, 4, 5, 5, 7, 9]);
    assert.strictEqual(r.mean, 5);
    close(r.std!, Math.sqrt(32 / 7), 1e-12);
    assert.deepStrictEqual(meanStd([0.8]), { mean: 0.8, std: null, n: 1 });
  });

  it('quantile interpolates linearly like numpy.percentile', () => {
    assert.strictEqual(quantile([4, 1, 3, 2], 0.5), 2.5);
    close(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95), 9.55, 1e-12);
  });
});
