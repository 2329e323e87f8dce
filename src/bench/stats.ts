/**
 * Statistics for comparing prompts: seeded bootstrap intervals for accuracy and any per-row mean, McNemar's
 * paired test, the paired sign test, and mean ± sample standard deviation across seeds.
 */

export interface BootstrapInterval {
  /** Accuracy on the full sample. */
  estimate: number;
  low: number;
  high: number;
  /** Confidence level, e.g. 0.95. */
  level: number;
  resamples: number;
  seed: number;
}

export interface BootstrapOptions {
  /** Default 2000. */
  resamples?: number;
  /** Default 0. The same seed and input always give the same interval. */
  seed?: number;
  /** Default 0.95. */
  level?: number;
}

export const DEFAULT_BOOTSTRAP_RESAMPLES = 2000;

/**
 * Percentile-bootstrap interval for accuracy: resample the examples with replacement `resamples` times,
 * take the accuracy of each resample, and report the (1 − level)/2 and (1 + level)/2 quantiles
 * (linear interpolation between order statistics, as numpy.percentile does by default).
 */
export function bootstrapAccuracy(correct: readonly boolean[], options: BootstrapOptions = {}): BootstrapInterval {
  return bootstrapMean(correct.map((c) => (c ? 1 : 0)), options);
}

/**
 * Percentile-bootstrap interval for the mean of per-row values (a per-row metric, or the per-row differences
 * of two prompts for a paired interval): the same resampling as bootstrapAccuracy, which is its 0/1 case.
 */
export function bootstrapMean(values: readonly number[], options: BootstrapOptions = {}): BootstrapInterval {
  const resamples = options.resamples ?? DEFAULT_BOOTSTRAP_RESAMPLES;
  const seed = options.seed ?? 0;
  const level = options.level ?? 0.95;
  if (!Number.isInteger(resamples) || resamples < 1) throw new Error(`resamples must be a positive integer, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new Error(`level must be in (0, 1), got ${level}`);
  const n = values.length;
  if (n === 0) return { estimate: 0, low: 0, high: 0, level, resamples, seed };
  const estimate = values.reduce((a, b) => a + b, 0) / n;
  const random = mulberry32(seed);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[Math.floor(random() * n)];
    means[r] = sum / n;
  }
  means.sort();
  const alpha = (1 - level) / 2;
  return { estimate, low: quantileSorted(means, alpha), high: quantileSorted(means, 1 - alpha), level, resamples, seed };
}

export interface SignTestResult {
  /** Rows where A scores higher than B. */
  wins: number;
  /** Rows where B scores higher than A. */
  losses: number;
  /** Rows where both score the same (left out of the test). */
  ties: number;
  /** Two-sided exact p-value. */
  pValue: number;
}

/**
 * The paired sign test of two prompts' per-row scores: ties dropped, p = min(1, 2·P(X ≤ min(wins, losses))),
 * X ~ Bin(wins + losses, ½), exact for any number of rows (summed in log space, so nothing underflows).
 * It assumes nothing about how the scores are distributed, only that the rows are independent; on 0/1 scores
 * it is McNemar's exact test.
 */
export function signTest(a: readonly number[], b: readonly number[]): SignTestResult {
  if (a.length !== b.length) throw new Error(`the sign test needs paired scores: ${a.length} vs ${b.length} rows`);
  let wins = 0;
  let losses = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] > b[i]) wins++;
    else if (a[i] < b[i]) losses++;
  }
  return { wins, losses, ties: a.length - wins - losses, pValue: binomialTwoSided(wins, losses) };
}

/** min(1, 2·P(X ≤ min(x, y))) for X ~ Bin(x + y, ½), with the pmf terms in log space. */
export function binomialTwoSided(x: number, y: number): number {
  const n = x + y;
  const k = Math.min(x, y);
  let logTerm = n * Math.log(0.5);
  let logTail = -Infinity;
  for (let i = 0; i <= k; i++) {
    const high = Math.max(logTail, logTerm);
    logTail = high + Math.log(Math.exp(logTail - high) + Math.exp(logTerm - high));
    logTerm += Math.log(n - i) - Math.log(i + 1);
  }
  return Math.min(1, 2 * Math.exp(logTail));
}

/** q-quantile of ascending `sorted` with linear interpolation between order statistics. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new Error('quantile of an empty sample');
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile must be in [0, 1], got ${q}`);
  const position = q * (n - 1);
  const lower = Math.floor(position);
  const upper = Math.min(n - 1, lower + 1);
  const weight = position - lower;
  return sorted[lower] + (sorted[upper] - sorted[lower]) * weight;
}

/** Quantile of an unsorted sample (copies, sorts, interpolates). */
export function quantile(values: readonly number[], q: number): number {
  return quantileSorted(Float64Array.from(values).sort(), q);
}

/** Mulberry32: a small, fast, seedable 32-bit PRNG giving floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface McNemarResult {
  /** Examples that A gets right and B gets wrong. */
  b: number;
  /** Examples that A gets wrong and B gets right. */
  c: number;
  /** exact: min(b, c) (the binomial test statistic); chi2: (|b − c| − 1)² / (b + c). */
  statistic: number;
  /** Two-sided p-value. */
  pValue: number;
  method: 'exact' | 'chi2-continuity';
}

/** Below this many discordant pairs (b + c) McNemar's test uses the exact binomial form. */
export const MCNEMAR_EXACT_BELOW = 25;

/**
 * McNemar's test on paired correctness of two classifiers over the same examples. With fewer than
 * 25 discordant pairs: exact two-sided binomial test, p = min(1, 2·P(X ≤ min(b, c))), X ~ Bin(b + c, ½);
 * otherwise chi-squared with continuity correction, 1 degree of freedom.
 */
export function mcnemar(correctA: readonly boolean[], correctB: readonly boolean[]): McNemarResult {
  if (correctA.length !== correctB.length) {
    throw new Error(`McNemar needs paired results: ${correctA.length} vs ${correctB.length} examples`);
  }
  let b = 0;
  let c = 0;
  for (let i = 0; i < correctA.length; i++) {
    if (correctA[i] && !correctB[i]) b++;
    else if (!correctA[i] && correctB[i]) c++;
  }
  return mcnemarFromCounts(b, c);
}

export function mcnemarFromCounts(b: number, c: number): McNemarResult {
  if (!Number.isInteger(b) || !Number.isInteger(c) || b < 0 || c < 0) throw new Error(`discordant counts must be non-negative integers, got b=${b}, c=${c}`);
  const n = b + c;
  if (n < MCNEMAR_EXACT_BELOW) {
    const k = Math.min(b, c);
    // P(X ≤ k) for X ~ Bin(n, ½), accumulating pmf terms C(n, i)/2^n.
    let term = Math.pow(0.5, n);
    let tail = 0;
    for (let i = 0; i <= k; i++) {
      tail += term;
      term = (term * (n - i)) / (i + 1);
    }
    return { b, c, statistic: k, pValue: Math.min(1, 2 * tail), method: 'exact' };
  }
  const statistic = (Math.abs(b - c) - 1) ** 2 / n;
  return { b, c, statistic, pValue: chiSquared1Survival(statistic), method: 'chi2-continuity' };
}

/** P(χ²₁ > x) = erfc(√(x/2)). */
export function chiSquared1Survival(x: number): number {
  if (x <= 0) return 1;
  return erfc(Math.sqrt(x / 2));
}

/**
 * Complementary error function, Chebyshev fit from Numerical Recipes (erfcc): fractional error below
 * 1.2e-7 everywhere, which is far finer than any p-value we print.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

export interface MeanStd {
  mean: number;
  /** Sample standard deviation (n − 1 denominator); null when fewer than two values. */
  std: number | null;
  n: number;
}

export function meanStd(values: readonly number[]): MeanStd {
  const n = values.length;
  if (n === 0) throw new Error('mean of no values');
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, std: null, n };
  const sumSquares = values.reduce((sum, v) => sum + (v - mean) ** 2, 0);
  return { mean, std: Math.sqrt(sumSquares / (n - 1)), n };
}
