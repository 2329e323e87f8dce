/** Number formatting shared by report.md and report.html, so both show the same figures. */
import type { MeanStd } from '../stats';
import type { Comparison, PromptResult } from './schema';

export const DASH = '—';

export function percent(x: number, digits = 1): string {
  return `${(100 * x).toFixed(digits)}%`;
}

export function accuracyWithCI(p: PromptResult): string {
  const ci = p.metrics.accuracyCI;
  return `${percent(p.metrics.accuracy)} [${(100 * ci.low).toFixed(1)}, ${(100 * ci.high).toFixed(1)}]`;
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

/** One plain-text sentence stating the McNemar comparison and what it means at α = 0.05. */
export function comparisonSentence(c: Comparison, names: { soft: string; hard: string }): string {
  const statistic = c.method === 'exact' ? `exact binomial test` : `χ² = ${c.statistic.toFixed(3)} (continuity-corrected)`;
  const verdict =
    c.pValue < 0.05
      ? `the difference is significant at α = 0.05 (${c.b > c.c ? names.soft : names.hard} is better)`
      : 'the difference is not significant at α = 0.05';
  return `McNemar, best soft (${names.soft}) vs best hard (${names.hard}): b = ${c.b} (only soft right), c = ${c.c} (only hard right), ${statistic}, p = ${pValue(c.pValue)}; ${verdict}.`;
}
