/**
 * The classification evaluation loop: score every candidate label of every example under the loss contract,
 * predict the label with the largest summed continuation log-prob (first on ties, never NaN), and compute
 * the metrics.
 */
import type { ModelEngine, PromptParams, ScoredExample } from '../engine/api';
import { UserError } from '../engine/errors';
import { predictIndex } from '../prompts/predict';
import { classificationMetrics, softmax, type ClassificationMetrics } from './metrics';
import * as fs from 'fs';
import { writeFileAtomic } from '../common/atomic-write';
import { checkOutputPlace, type Note, type PathArgument } from '../common/output-guard';

/** One example to classify: its scored form, the candidate labels (in continuation order) and the gold label. */
export interface EvalItem {
  example: ScoredExample;
  labels: string[];
  goldLabel: string;
}

export interface EvalOptions {
  soft?: PromptParams;
  /**
   * Examples per engine call; default DEFAULT_EVAL_BATCH_SIZE. The engine splits each call into model runs
   * that fit its batch memory (engine/batch-memory.ts), so this sets progress granularity and how many
   * examples the engine may sort by length together.
   */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** What non-finite scores are blamed on in the message; default "the model" (and "or the soft prompt"). */
  scoredBy?: string;
  /** How messages name item `i`, e.g. its file and line; default "example i+1". */
  itemName?: (index: number) => string;
}

export interface Prediction {
  /** Summed continuation log-prob of each label, in `EvalResult.labels` order. */
  logProbs: number[];
  predicted: string;
  gold: string;
}

export interface EvalResult extends ClassificationMetrics {
  predictions: Prediction[];
  /** Wall-clock seconds spent scoring. */
  seconds: number;
  examplesPerSecond: number;
}

export const DEFAULT_EVAL_BATCH_SIZE = 64;

export async function evaluate(engine: ModelEngine, items: readonly EvalItem[], options: EvalOptions = {}): Promise<EvalResult> {
  const labels = commonLabels(items);
  const batchSize = options.batchSize ?? DEFAULT_EVAL_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  const scores: number[][] = [];
  const started = performance.now();
  options.onProgress?.(0, items.length);
  for (let start = 0; start < items.length; start += batchSize) {
    options.signal?.throwIfAborted();
    const batch = items.slice(start, start + batchSize);
    const batchScores = await engine.score(batch.map((item) => item.example), options.soft);
    if (batchScores.length !== batch.length) throw new Error(`engine returned ${batchScores.length} scores for ${batch.length} examples`);
    batchScores.forEach((row, k) => {
      const bad = row.find((v) => !Number.isFinite(v));
      // A NaN score would silently predict the first label; the metrics would look plausible and be wrong.
      if (bad !== undefined) {
        const scoredBy = options.scoredBy ?? `the model${options.soft ? ' or the soft prompt' : ''}`;
        const item = options.itemName?.(start + k) ?? `example ${start + k + 1}`;
        throw new UserError(`evaluation stopped: the score of ${item} is ${bad}, not a finite number; ${scoredBy} holds NaN or infinite values (or overflows)`);
      }
    });
    scores.push(...batchScores);
    options.onProgress?.(scores.length, items.length);
  }
  const seconds = (performance.now() - started) / 1000;
  return { ...metricsFromScores(items, labels, scores), seconds, examplesPerSecond: seconds > 0 ? items.length / seconds : 0 };
}

/** Predictions and metrics from already computed label scores ([example][label], in `labels` order). */
export function metricsFromScores(items: readonly EvalItem[], labels: readonly string[], scores: readonly (readonly number[])[]): ClassificationMetrics & { predictions: Prediction[] } {
  const predictions: Prediction[] = items.map((item, i) => {
    const logProbs = [...scores[i]];
    if (logProbs.length !== labels.length) throw new Error(`example ${i}: ${logProbs.length} scores for ${labels.length} labels`);
    return { logProbs, predicted: labels[predictIndex(logProbs)], gold: item.goldLabel };
  });
  const metrics = classificationMetrics({
    gold: predictions.map((p) => p.gold),
    predicted: predictions.map((p) => p.predicted),
    probabilities: predictions.map((p) => softmax(p.logProbs)),
    labels,
  });
  return { ...metrics, predictions };
}

/** The label list every item shares (metrics need one label order); throws naming the first item that differs. */
export function commonLabels(items: readonly EvalItem[]): string[] {
  if (items.length === 0) throw new Error('nothing to evaluate: no examples');
  const labels = items[0].labels;
  if (labels.length < 2) throw new Error(`classification needs at least two labels, got [${labels.join(', ')}]`);
  items.forEach((item, i) => {
    if (item.labels.length !== labels.length || item.labels.some((l, k) => l !== labels[k])) {
      throw new Error(`example ${i} has labels [${item.labels.join(', ')}] but example 0 has [${labels.join(', ')}]; all examples must share one label list`);
    }
    if (item.example.continuations.length !== labels.length) {
      throw new Error(`example ${i} has ${item.example.continuations.length} continuations for ${labels.length} labels`);
    }
    if (!labels.includes(item.goldLabel)) {
      throw new UserError(`example ${i}: gold label ${JSON.stringify(item.goldLabel)} is not one of [${labels.join(', ')}]`);
    }
  });
  return [...labels];
}

/** One JSON object per example: index, gold, predicted, correct, and each label's summed log-prob and probability. */
export function predictionLines(result: Pick<EvalResult, 'labels' | 'predictions'>): string[] {
  return result.predictions.map((p, index) => {
    const probabilities = softmax(p.logProbs);
    // Object.fromEntries defines own properties, so a label such as "__proto__" stays an ordinary key.
    return JSON.stringify({
      index,
      gold: p.gold,
      predicted: p.predicted,
      correct: p.gold === p.predicted,
      logProbs: Object.fromEntries(result.labels.map((label, k) => [label, p.logProbs[k]])),
      probabilities: Object.fromEntries(result.labels.map((label, k) => [label, probabilities[k]])),
    });
  });
}

/** True for a file writePredictions (or writeGenerationPredictions) wrote: empty, or its first line is such a record. */
export function isPredictionsFile(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(64 * 1024);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    if (n === 0) return true;
    const first = head.subarray(0, n).toString('utf8').split('\n', 1)[0];
    const record = JSON.parse(first) as Record<string, unknown>;
    return typeof record === 'object' && record !== null && record.index === 0 && ('predicted' in record || 'output' in record);
  } catch {
    return false;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Checks `--predictions FILE` before any model work: not an input (checkOutputPlace), not a folder, and
 * only ever replacing a predictions file written earlier. Repairs of an interrupted earlier write go to `note`.
 */
export function checkPredictionsOutput(file: string, inputs: readonly (PathArgument | undefined)[], note: Note): void {
  checkOutputPlace({ flag: '--predictions', path: file }, inputs, note);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return;
  }
  if (stat.isDirectory()) throw new UserError(`--predictions ${file} is a folder; give the path of a file to write`);
  if (!isPredictionsFile(file)) throw new UserError(`--predictions ${file} exists and is not a predictions file written by ptune; it is never overwritten: choose another file`);
}

/** Writes the predictions as JSON Lines, atomically (temporary file, then rename). */
export function writePredictions(file: string, result: Pick<EvalResult, 'labels' | 'predictions'>): void {
  const lines = predictionLines(result);
  writeFileAtomic(file, lines.length === 0 ? '' : lines.join('\n') + '\n');
}
