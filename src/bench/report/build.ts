/** Assembling report.json's figures from evaluation results: metrics with intervals, seed aggregates, McNemar. */
import type { ClassificationMetrics } from '../../eval/metrics';
import type { Prediction } from '../../eval/evaluate';
import { bootstrapAccuracy, mcnemar, meanStd } from '../stats';
import type { Aggregates, Comparison, PromptMetrics, PromptResult, SeedAggregate } from './schema';

/** Seed of every accuracy bootstrap, so a report is reproducible from its predictions. */
export const BOOTSTRAP_SEED = 0;

export function promptMetrics(metrics: ClassificationMetrics, predictions: readonly Prediction[]): PromptMetrics {
  return {
    accuracy: metrics.accuracy,
    accuracyCI: bootstrapAccuracy(correctness(predictions), { seed: BOOTSTRAP_SEED }),
    macroF1: metrics.macroF1,
    perClass: metrics.perClass,
    labels: metrics.labels,
    confusion: metrics.confusion,
    ece: metrics.ece,
  };
}

export function correctness(predictions: readonly Prediction[]): boolean[] {
  return predictions.map((p) => p.predicted === p.gold);
}

export function aggregates(prompts: readonly PromptResult[]): Aggregates {
  return { soft: seedAggregate(prompts.filter((p) => p.kind === 'soft')), projection: seedAggregate(prompts.filter((p) => p.kind === 'projection')) };
}

function seedAggregate(prompts: readonly PromptResult[]): SeedAggregate | null {
  if (prompts.length === 0) return null;
  return {
    n: prompts.length,
    accuracy: meanStd(prompts.map((p) => p.metrics.accuracy)),
    macroF1: meanStd(prompts.map((p) => p.metrics.macroF1)),
    ece: meanStd(prompts.map((p) => p.metrics.ece)),
  };
}

/** The most accurate prompt of a kind (the first listed on ties). */
export function mostAccurate(prompts: readonly PromptResult[], kind: PromptResult['kind']): PromptResult | undefined {
  let best: PromptResult | undefined;
  for (const p of prompts) if (p.kind === kind && (!best || p.metrics.accuracy > best.metrics.accuracy)) best = p;
  return best;
}

/** McNemar's test of the most accurate soft prompt against the most accurate hard prompt, on paired predictions. */
export function compareBest(prompts: readonly PromptResult[], correctById: ReadonlyMap<string, readonly boolean[]>): Comparison | null {
  const soft = mostAccurate(prompts, 'soft');
  const hard = mostAccurate(prompts, 'hard');
  if (!soft || !hard) return null;
  const test = mcnemar(correctById.get(soft.id)!, correctById.get(hard.id)!);
  return { test: 'mcnemar', softPromptId: soft.id, hardPromptId: hard.id, ...test };
}
