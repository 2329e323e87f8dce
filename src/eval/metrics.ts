/**
 * Classification metrics from gold labels, predicted labels and label-normalised probabilities
 * (softmax over each candidate label's summed continuation log-probs).
 *
 * Conventions (the same as scikit-learn with `zero_division=0`):
 * - precision of a label never predicted, recall of a label with no gold examples, and F1 when
 *   precision + recall = 0 are all 0;
 * - macro-F1 is the unweighted mean of per-label F1 over the given label order (every label counts,
 *   including labels absent from the gold set);
 * - the confusion matrix has rows = gold label, columns = predicted label, both in the given order.
 */

export interface PerClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Number of gold examples of this label. */
  support: number;
}

export interface ClassificationMetrics {
  n: number;
  /** Label order of `perClass` and of both axes of `confusion`. */
  labels: string[];
  accuracy: number;
  macroF1: number;
  perClass: PerClassMetrics[];
  /** confusion[gold][predicted] counts. */
  confusion: number[][];
  /** Expected calibration error (15 equal-width confidence bins). */
  ece: number;
}

/** The number of equal-width confidence bins used for ECE (Guo et al., 2017). */
export const ECE_BINS = 15;

/** Numerically stable softmax of log-scores: the label-normalised probabilities. */
export function softmax(logScores: readonly number[]): number[] {
  if (logScores.length === 0) return [];
  const max = Math.max(...logScores);
  if (!Number.isFinite(max)) {
    // All −∞ (no label has any probability mass): fall back to uniform rather than NaN.
    return logScores.map(() => 1 / logScores.length);
  }
  const exps = logScores.map((s) => Math.exp(s - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

export function accuracy(gold: readonly string[], predicted: readonly string[]): number {
  checkSameLength(gold, predicted);
  if (gold.length === 0) return 0;
  let correct = 0;
  for (let i = 0; i < gold.length; i++) if (gold[i] === predicted[i]) correct++;
  return correct / gold.length;
}

/** confusion[g][p] = number of examples with gold label labels[g] predicted as labels[p]. */
export function confusionMatrix(gold: readonly string[], predicted: readonly string[], labels: readonly string[]): number[][] {
  checkSameLength(gold, predicted);
  const index = labelIndex(labels);
  const matrix = labels.map(() => labels.map(() => 0));
  for (let i = 0; i < gold.length; i++) {
    matrix[indexOf(index, gold[i], 'gold', i)][indexOf(index, predicted[i], 'predicted', i)]++;
  }
  return matrix;
}

/** Per-label precision / recall / F1 / support from a confusion matrix (rows gold, columns predicted). */
export function perClassMetrics(confusion: readonly (readonly number[])[], labels: readonly string[]): PerClassMetrics[] {
  if (confusion.length !== labels.length || confusion.some((row) => row.length !== labels.length)) {
    throw new Error(`confusion matrix must be ${labels.length}×${labels.length}`);
  }
  return labels.map((label, k) => {
    const truePositives = confusion[k][k];
    const support = confusion[k].reduce((a, b) => a + b, 0);
    const predictedCount = confusion.reduce((sum, row) => sum + row[k], 0);
    const precision = predictedCount === 0 ? 0 : truePositives / predictedCount;
    const recall = support === 0 ? 0 : truePositives / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label, precision, recall, f1, support };
  });
}

export function macroF1(perClass: readonly PerClassMetrics[]): number {
  if (perClass.length === 0) return 0;
  return perClass.reduce((sum, c) => sum + c.f1, 0) / perClass.length;
}

/**
 * Expected calibration error: Σ_b (|B_b| / n) · |accuracy(B_b) − mean confidence(B_b)| over `bins`
 * equal-width bins of (0, 1]; bin b holds confidences in (b/bins, (b+1)/bins], and a confidence of
 * exactly 0 goes to the first bin.
 */
export function expectedCalibrationError(confidences: readonly number[], correct: readonly boolean[], bins = ECE_BINS): number {
  if (confidences.length !== correct.length) {
    throw new Error(`confidences (${confidences.length}) and correct (${correct.length}) differ in length`);
  }
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`bins must be a positive integer, got ${bins}`);
  const n = confidences.length;
  if (n === 0) return 0;
  const count = new Array<number>(bins).fill(0);
  const confidenceSum = new Array<number>(bins).fill(0);
  const correctSum = new Array<number>(bins).fill(0);
  for (let i = 0; i < n; i++) {
    const c = confidences[i];
    if (!(c >= 0 && c <= 1)) throw new Error(`confidence ${c} at index ${i} is outside [0, 1]`);
    const bin = binOf(c, bins);
    count[bin]++;
    confidenceSum[bin] += c;
    if (correct[i]) correctSum[bin]++;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    if (count[b] === 0) continue;
    ece += (count[b] / n) * Math.abs(correctSum[b] / count[b] - confidenceSum[b] / count[b]);
  }
  return ece;
}

/** Bin b of confidence c, with b/bins < c <= (b+1)/bins (boundaries computed exactly as k/bins). */
function binOf(c: number, bins: number): number {
  let b = Math.min(bins - 1, Math.max(0, Math.ceil(c * bins) - 1));
  // c·bins can round across a boundary; settle against the boundaries themselves.
  while (b > 0 && c <= b / bins) b--;
  while (b < bins - 1 && c > (b + 1) / bins) b++;
  return b;
}

/**
 * All classification metrics at once. `probabilities[i]` are example i's label-normalised probabilities in
 * the order of `labelsPerExample[i]` (or of `labels` when every example has the same candidates); the
 * confidence used for ECE is their maximum.
 */
export function classificationMetrics(input: {
  gold: readonly string[];
  predicted: readonly string[];
  /** Label-normalised probabilities per example. */
  probabilities: readonly (readonly number[])[];
  labels: readonly string[];
}): ClassificationMetrics {
  const { gold, predicted, probabilities, labels } = input;
  checkSameLength(gold, predicted);
  if (probabilities.length !== gold.length) {
    throw new Error(`probabilities (${probabilities.length}) and gold labels (${gold.length}) differ in length`);
  }
  const confusion = confusionMatrix(gold, predicted, labels);
  const perClass = perClassMetrics(confusion, labels);
  const confidences = probabilities.map((p) => Math.max(...p));
  const correct = gold.map((g, i) => g === predicted[i]);
  return {
    n: gold.length,
    labels: [...labels],
    accuracy: accuracy(gold, predicted),
    macroF1: macroF1(perClass),
    perClass,
    confusion,
    ece: expectedCalibrationError(confidences, correct),
  };
}

function checkSameLength(gold: readonly string[], predicted: readonly string[]): void {
  if (gold.length !== predicted.length) {
    throw new Error(`gold (${gold.length}) and predicted (${predicted.length}) label lists differ in length`);
  }
}

function labelIndex(labels: readonly string[]): Map<string, number> {
  const index = new Map<string, number>();
  labels.forEach((label, i) => {
    if (index.has(label)) throw new Error(`label ${JSON.stringify(label)} is listed twice`);
    index.set(label, i);
  });
  return index;
}

function indexOf(index: Map<string, number>, label: string, role: string, example: number): number {
  const k = index.get(label);
  if (k === undefined) throw new Error(`${role} label ${JSON.stringify(label)} of example ${example} is not one of the labels [${[...index.keys()].map((l) => JSON.stringify(l)).join(', ')}]`);
  return k;
}

/**
 * The metrics a generation prompt is scored with, in report order: their ids in results and reports, the
 * per-row field in predictions files (scoreGeneration in src/prompts/generation-metrics.ts computes them),
 * how people name them, and whether each row scores 0 or 1 (exact match, contains: paired with McNemar's
 * test) or anything in [0, 1] (token F1, ROUGE-L: paired with the sign test). The one list every scorer,
 * report and view reads.
 */
export const GENERATION_METRICS = [
  { id: 'exactMatch', row: 'exact', name: 'exact match', binary: true },
  { id: 'contains', row: 'contains', name: 'contains', binary: true },
  { id: 'tokenF1', row: 'f1', name: 'token F1', binary: false },
  { id: 'rougeL', row: 'rougeL', name: 'ROUGE-L', binary: false },
] as const;

export type GenerationMetricId = (typeof GENERATION_METRICS)[number]['id'];
export type GenerationRowField = (typeof GENERATION_METRICS)[number]['row'];
/** The means over the rows of each generation metric. */
export type GenerationMetricMeans = Record<GenerationMetricId, number>;

/**
 * The metric that ranks generation prompts (the "best" soft and hard prompt of a benchmark, the chart's bars):
 * token F1, SQuAD's headline figure, which gives partial credit where exact match gives none.
 */
export const GENERATION_HEADLINE: GenerationMetricId = 'tokenF1';

/** Means of each generation metric over per-row scores (0 for no rows). */
export function generationMeans(rows: readonly Readonly<Record<GenerationRowField, number>>[]): GenerationMetricMeans {
  const mean = (field: GenerationRowField) => (rows.length === 0 ? 0 : rows.reduce((s, r) => s + r[field], 0) / rows.length);
  return Object.fromEntries(GENERATION_METRICS.map((m) => [m.id, mean(m.row)])) as GenerationMetricMeans;
}
