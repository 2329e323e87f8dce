/** Number formatting and sentences shared by every rendering of a report (report.md, report.html, the Studio, `ptune bench`), so all show the same figures. */
import { GENERATION_HEADLINE, GENERATION_METRICS } from '../../eval/metrics';
import type { MeanStd } from '../stats';
import type { BenchReport, Comparison, GenerationComparison, MetricWithCI, PromptResult } from './schema';

export const DASH = '—';

export function percent(x: number, digits = 1): string {
  return `${(100 * x).toFixed(digits)}%`;
}

/** Classification prompts only. */
export function accuracyWithCI(p: PromptResult): string {
  const ci = p.metrics!.accuracyCI;
  return `${percent(p.metrics!.accuracy)} [${(100 * ci.low).toFixed(1)}, ${(100 * ci.high).toFixed(1)}]`;
}

/** A [0, 1] metric with its interval, as a percentage: "41.0% [30.0, 52.0]". */
export function withCI(m: MetricWithCI): string {
  return `${percent(m.value)} [${(100 * m.ci.low).toFixed(1)}, ${(100 * m.ci.high).toFixed(1)}]`;
}

/** What ranks prompts: accuracy for classification, the headline metric (token F1) for generation. */
export function headline(p: PromptResult): MetricWithCI {
  if (p.metrics) return { value: p.metrics.accuracy, ci: p.metrics.accuracyCI };
  return p.generation![GENERATION_HEADLINE];
}

/** The name of the figure that ranks prompts in this report. */
export function headlineName(report: Pick<BenchReport, 'task'>): string {
  return report.task === 'generation' ? GENERATION_METRICS.find((m) => m.id === GENERATION_HEADLINE)!.name : 'accuracy';
}

export function fixed(x: number, digits = 3): string {
  return x.toFixed(digits);
}

export function integer(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

export function promptLength(p: PromptResult): string {
  return p.kind === 'soft' ? `${p.promptLength} virtual` : `${p.promptLength} tokens`;
}

export function seconds(s: number): string {
  if (s <= 0) return DASH;
  if (s < 60) return `${s.toFixed(1)} s`;
  const minutes = Math.floor(s / 60);
  return `${minutes} min ${Math.round(s - 60 * minutes)} s`;
}

export function throughput(examplesPerSecond: number): string {
  return examplesPerSecond >= 100 ? examplesPerSecond.toFixed(0) : examplesPerSecond.toFixed(1);
}

export function latency(p: PromptResult): string {
  return `${p.latencyMs.p50.toFixed(1)} / ${p.latencyMs.p95.toFixed(1)} ms`;
}

export function meanStd(m: MeanStd, asPercent: boolean): string {
  const value = (x: number) => (asPercent ? (100 * x).toFixed(1) : x.toFixed(3));
  const unit = asPercent ? '%' : '';
  return m.std === null ? `${value(m.mean)}${unit} (1 seed)` : `${value(m.mean)} ± ${value(m.std)}${unit} (${m.n} seeds)`;
}

export function pValue(p: number): string {
  if (p < 0.0001) return '< 0.0001';
  return p.toFixed(4);
}

/** Plain-text sentences on the soft prompts (and their projections) across seeds. */
export function aggregateSentences(a: BenchReport['aggregates']): string[] {
  const out: string[] = [];
  const figures = (agg: NonNullable<typeof a.soft>, withEce: boolean) =>
    agg.generation
      ? GENERATION_METRICS.map((m) => `${m.name} ${meanStd(agg.generation![m.id], true)}`).join(', ')
      : `accuracy ${meanStd(agg.accuracy!, true)}, macro-F1 ${meanStd(agg.macroF1!, false)}${withEce ? `, ECE ${meanStd(agg.ece!, false)}` : ''}`;
  if (a.soft) out.push(`Soft prompts across seeds: ${figures(a.soft, true)}.`);
  if (a.projection) out.push(`Their projections: ${figures(a.projection, false)}.`);
  return out;
}

/** Why the projection's score is shown beside the soft prompt's, in one line (report, view). */
export const PROJECTION_GAP_NOTE =
  'A soft prompt can score well while its nearest tokens read as unrelated text (Khashabi et al. 2022, "prompt waywardness"): ' +
  'the gap is how much of its effect a hard prompt made of those tokens keeps; read the tokens as a hint, not as what the prompt says.';

/** Each projection's headline score next to its soft prompt's, and the gap (soft − projection). */
export function projectionGaps(report: BenchReport): { projection: PromptResult; soft: PromptResult; gap: number }[] {
  return report.prompts.flatMap((projection) => {
    const soft = projection.kind === 'projection' ? report.prompts.find((p) => p.id === projection.projection?.fromPromptId) : undefined;
    return soft ? [{ projection, soft, gap: headline(soft).value - headline(projection).value }] : [];
  });
}

/** "soft 71.2% → projection 63.0% (gap 8.2 points)". */
export function projectionGapText(g: { projection: PromptResult; soft: PromptResult; gap: number }, report: BenchReport): string {
  return `${headlineName(report)}: soft ${percent(headline(g.soft).value)} → projection ${percent(headline(g.projection).value)} (gap ${(100 * g.gap).toFixed(1)} points)`;
}

/** Plain-text sentences on the comparison of the best soft and hard prompts, for either kind of report. */
export function comparisonLines(c: Comparison | GenerationComparison, names: { soft: string; hard: string }): string[] {
  return c.test === 'paired' ? generationComparisonLines(c, names) : [comparisonSentence(c, names)];
}

/**
 * One sentence per generation metric: the mean difference (soft − hard) with its paired bootstrap interval,
 * the rows each prompt wins, and the test's p-value and verdict at α = 0.05.
 */
export function generationComparisonLines(c: GenerationComparison, names: { soft: string; hard: string }): string[] {
  const head = `Best soft (${names.soft}) vs best hard (${names.hard}), row by row:`;
  return [head, ...c.metrics.map((m) => {
    const name = GENERATION_METRICS.find((g) => g.id === m.metric)!.name;
    const d = m.difference;
    const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(1)}`;
    const test = m.test === 'mcnemar' ? `McNemar${m.method === 'exact' ? ' (exact)' : ''}` : 'sign test';
    const verdict = m.pValue < 0.05 ? `significant at α = 0.05 (${m.softBetter > m.hardBetter ? names.soft : names.hard} is better)` : 'not significant at α = 0.05';
    return `${name}: ${signed(d.estimate)} points [${signed(d.low)}, ${signed(d.high)}]; soft higher on ${m.softBetter} rows, hard on ${m.hardBetter}, ${m.ties} ties; ${test} p = ${pValue(m.pValue)}, ${verdict}.`;
  })];
}

/** One plain-text sentence stating the McNemar comparison and what it means at α = 0.05. */
export function comparisonSentence(c: Comparison, names: { soft: string; hard: string }): string {
  const statistic = c.method === 'exact' ? `exact binomial test` : `χ² = ${c.statistic.toFixed(3)} (continuity-corrected)`;
  const verdict =
    c.pValue < 0.05
      ? `the difference is significant at α = 0.05 (${c.b > c.c ? names.soft : names.hard} is better)`
      : 'the difference is not significant at α = 0.05';
  return `McNemar, best soft (${names.soft}) vs best hard (${names.hard}): b = ${c.b} (only soft right), c = ${c.c} (only hard right), ${statistic}, p = ${pValue(c.pValue)}; ${verdict}.`;
}
