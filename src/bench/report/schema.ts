/**
 * report.json, schema version 1: the machine-readable result of `ptune bench`. report.md and report.html are
 * rendered from it. Documented for readers in docs/report-schema.md; keep the two in step, and bump
 * REPORT_SCHEMA_VERSION on any change that is not a pure addition of an optional field.
 */
import type { PerClassMetrics } from '../../eval/metrics';
import type { BootstrapInterval, MeanStd } from '../stats';

export const REPORT_SCHEMA_VERSION = 1;

export interface BenchReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  /** Version of the scoring engine; part of every cache key. */
  engineVersion: string;
  /** ISO 8601 UTC time the report was written. The only field that differs between identical (cached) runs. */
  createdAt: string;
  /** The command that produced the report, as typed. */
  command: string;
  model: ModelSection;
  /** The evaluation rows: every prompt is scored on exactly these rows. */
  dataset: DatasetSection;
  /** Rows soft prompts were tuned on, when the benchmark tuned any. */
  trainDataset?: DatasetSection;
  prompts: PromptResult[];
  aggregates: Aggregates;
  /** McNemar's test of the most accurate soft prompt against the most accurate hard prompt; null without both kinds. */
  comparison: Comparison | null;
}

export interface ModelSection {
  /** Model folder as given. */
  dir: string;
  /** `_name_or_path` from config.json, else the folder name. */
  nameOrPath: string;
  /** sha256 over the folder's files (relative names and contents). */
  filesHash: string;
}

export interface DatasetSection {
  file: string;
  /** sha256 of the rows used (after skipping bad rows), as the dataset reader computes it. */
  hash: string;
  /** Number of rows used. */
  n: number;
  /** Rows the reader skipped (blank or malformed lines). */
  skipped: number;
}

/** hard: a prompt file; soft: a trained or loaded soft prompt; projection: a soft prompt's nearest-token text used as a hard prompt. */
export type PromptKind = 'hard' | 'soft' | 'projection';

export interface PromptResult {
  /** Unique within the report, e.g. "hard:sentiment", "soft:seed-0", "projection:seed-0". */
  id: string;
  kind: PromptKind;
  /** Human-readable name (prompt file `name`, adapter folder name). Arbitrary text: render it escaped. */
  name: string;
  /** Prompt file (hard), adapter folder (soft), or the adapter the projection came from (projection). */
  source: string;
  /** Tuning seed (trained soft prompts and their projections). */
  seed?: number;
  metrics: PromptMetrics;
  /** Tokens of the rendered template without the input text (hard, projection); virtual tokens (soft). */
  promptLength: number;
  /** Parameters trained: numVirtual × hiddenSize for soft prompts, 0 otherwise. */
  trainableParams: number;
  /** Seconds spent tuning (0 when the soft prompt was loaded, not trained, and for hard prompts). */
  tuningSeconds: number;
  /** Evaluation throughput over the whole dataset (batched). */
  examplesPerSecond: number;
  /** Per-example latency of batch-of-1 scoring, over a fixed sample of rows. */
  latencyMs: LatencySummary;
  /** Process peak resident set size (MB) after this prompt was evaluated (and tuned). */
  peakRssMB: number;
  /** Examples whose text was truncated to fit the model's context. */
  truncated: number;
  /** Per-example predictions (JSON Lines), relative to the report's folder. */
  predictionsFile: string;
  /** Training loss (and dev accuracy when measured) per logged step, for soft prompts that were trained. */
  trainingCurve?: CurvePoint[];
  /** For kind "projection": the projected text and the soft prompt it came from. */
  projection?: ProjectionInfo;
}

export interface PromptMetrics {
  accuracy: number;
  /** Percentile bootstrap interval of accuracy. */
  accuracyCI: BootstrapInterval;
  macroF1: number;
  /** In `labels` order. */
  perClass: PerClassMetrics[];
  /** Label order of both confusion axes. */
  labels: string[];
  /** confusion[gold][predicted]. */
  confusion: number[][];
  /** Expected calibration error, 15 equal-width bins over the max label-normalised probability. */
  ece: number;
}

export interface LatencySummary {
  p50: number;
  p95: number;
  /** Examples timed. */
  sampleSize: number;
}

export interface CurvePoint {
  step: number;
  loss: number;
  evalAccuracy?: number;
}

export interface ProjectionInfo {
  text: string;
  /** `id` of the soft prompt projected. */
  fromPromptId: string;
}

export interface Aggregates {
  /** Mean ± sample std across soft prompts (seeds); null when there are none. */
  soft: SeedAggregate | null;
  /** The same across the soft prompts' projections. */
  projection: SeedAggregate | null;
}

export interface SeedAggregate {
  /** Soft prompts aggregated. */
  n: number;
  accuracy: MeanStd;
  macroF1: MeanStd;
  ece: MeanStd;
}

export interface Comparison {
  test: 'mcnemar';
  softPromptId: string;
  hardPromptId: string;
  /** Examples the soft prompt gets right and the hard prompt gets wrong. */
  b: number;
  /** Examples the hard prompt gets right and the soft prompt gets wrong. */
  c: number;
  statistic: number;
  pValue: number;
  method: 'exact' | 'chi2-continuity';
}
