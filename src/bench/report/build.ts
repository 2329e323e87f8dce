/** Assembling report.json's figures from evaluation results: metrics with intervals, seed aggregates, paired comparisons. */
import { GENERATION_METRICS, type ClassificationMetrics, type GenerationMetricId } from '../../eval/metrics';
import type { Prediction } from '../../eval/evaluate';
import type { GenerationPrediction } from '../../eval/evaluate-generation';
import { headline } from './format';
import { bootstrapAccuracy, bootstrapMean, mcnemar, meanStd, signTest } from '../stats';
import type { Aggregates, Comparison, GenerationComparison, GenerationPromptMetrics, GenerationSample, MetricWithCI, PromptMetrics, PromptResult, SeedAggregate } from './schema';

/** Seed of every bootstrap, so a report is reproducible from its predictions. */
export const BOOTSTRAP_SEED = 0;

/** Rows of each generation prompt whose outputs report.json (and so report.md and report.html) shows. */
export const REPORT_SAMPLE_ROWS = 10;

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

/** Each generation metric's mean with a percentile bootstrap interval over the rows. */
export function generationPromptMetrics(predictions: readonly GenerationPrediction[]): GenerationPromptMetrics {
  const entry = (row: (typeof GENERATION_METRICS)[number]['row']): MetricWithCI => {
    const ci = bootstrapMean(predictions.map((p) => p[row]), { seed: BOOTSTRAP_SEED });
    return { value: ci.estimate, ci };
  };
  return Object.fromEntries(GENERATION_METRICS.map((m) => [m.id, entry(m.row)])) as GenerationPromptMetrics;
}

export function generationSamples(predictions: readonly GenerationPrediction[], rows = REPORT_SAMPLE_ROWS): GenerationSample[] {
  return predictions.slice(0, rows).map((p, index) => ({ index, target: p.target, output: p.output, exact: p.exact, contains: p.contains, f1: p.f1, rougeL: p.rougeL }));
}

export function correctness(predictions: readonly Prediction[]): boolean[] {
  return predictions.map((p) => p.predicted === p.gold);
}

export function aggregates(prompts: readonly PromptResult[]): Aggregates {
  return { soft: seedAggregate(prompts.filter((p) => p.kind === 'soft')), projection: seedAggregate(prompts.filter((p) => p.kind === 'projection')) };
}

function seedAggregate(prompts: readonly PromptResult[]): SeedAggregate | null {
  if (prompts.length === 0) return null;
  if (prompts[0].generation) {
    const across = (id: GenerationMetricId) => meanStd(prompts.map((p) => p.generation![id].value));
    return { n: prompts.length, generation: Object.fromEntries(GENERATION_METRICS.map((m) => [m.id, across(m.id)])) as Record<GenerationMetricId, ReturnType<typeof meanStd>> };
  }
  return {
    n: prompts.length,
    accuracy: meanStd(prompts.map((p) => p.metrics!.accuracy)),
    macroF1: meanStd(prompts.map((p) => p.metrics!.macroF1)),
    ece: meanStd(prompts.map((p) => p.metrics!.ece)),
  };
}


/** The best prompt of a kind by its headline figure (the first listed on ties). */
export function mostAccurate(prompts: readonly PromptResult[], kind: PromptResult['kind']): PromptResult | undefined {
  let best: PromptResult | undefined;
  for (const p of prompts) if (p.kind === kind && (!best || headline(p).value > headline(best).value)) best = p;
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

/**
 * The best soft prompt (by token F1) against the best hard prompt on every generation metric, row by row: the
 * mean difference with a paired bootstrap interval, and McNemar's test for the 0/1 metrics or the exact sign
 * test for token F1 and ROUGE-L (which assumes nothing about how per-row scores are distributed).
 */
export function compareBestGeneration(prompts: readonly PromptResult[], predictionsById: ReadonlyMap<string, readonly GenerationPrediction[]>): GenerationComparison | null {
  const soft = mostAccurate(prompts, 'soft');
  const hard = mostAccurate(prompts, 'hard');
  if (!soft || !hard) return null;
  const a = predictionsById.get(soft.id)!;
  const b = predictionsById.get(hard.id)!;
  const metrics = GENERATION_METRICS.map((m) => {
    const softScores = a.map((p) => p[m.row]);
    const hardScores = b.map((p) => p[m.row]);
    const difference = bootstrapMean(softScores.map((x, i) => x - hardScores[i]), { seed: BOOTSTRAP_SEED });
    const sign = signTest(softScores, hardScores);
    const common = { metric: m.id, difference, softBetter: sign.wins, hardBetter: sign.losses, ties: sign.ties };
    if (m.binary) {
      const t = mcnemar(softScores.map((x) => x === 1), hardScores.map((x) => x === 1));
      return { ...common, test: 'mcnemar' as const, pValue: t.pValue, method: t.method };
    }
    return { ...common, test: 'sign' as const, pValue: sign.pValue, method: 'exact' as const };
  });
  return { test: 'paired', softPromptId: soft.id, hardPromptId: hard.id, metrics };
}
