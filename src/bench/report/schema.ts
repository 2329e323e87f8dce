/**
 * report.json, schema version 2: the machine-readable result of `ptune bench`. report.md and report.html are
 * rendered from it. Documented for readers in docs/report-schema.md; keep the two in step, and bump
 * REPORT_SCHEMA_VERSION on any change that is not a pure addition of an optional field.
 */
import type { GenerationMetricId, PerClassMetrics } from '../../eval/metrics';
import type { BootstrapInterval, MeanStd } from '../stats';

/** 2: generation prompts (`task`, per-prompt `generation` and `samples`, the paired generation comparison). */
export const REPORT_SCHEMA_VERSION = 2;
/** Schema versions this version of ptune reads: a version-1 report is a classification report in the same shape. */
export const READABLE_SCHEMA_VERSIONS: readonly number[] = [1, 2];

export type BenchTask = 'classification' | 'generation';

export interface BenchReport {
  schemaVersion: number;
  /** What every prompt of the report does; absent in version-1 reports: classification. */
  task?: BenchTask;
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
  /**
   * The best soft prompt against the best hard prompt on paired rows (classification: McNemar on correctness;
   * generation: every metric, see GenerationComparison); null without both kinds.
   */
  comparison: Comparison | GenerationComparison | null;
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
  /** Classification prompts. */
  metrics?: PromptMetrics;
  /** Generation prompts: each metric's mean over the rows with its bootstrap interval. */
  generation?: GenerationPromptMetrics;
  /** Generation prompts: the first rows' outputs (all of them are in `predictionsFile`). */
  samples?: GenerationSample[];
  /** Tokens of the rendered template without the input text (hard, projection); virtual tokens (soft). */
  promptLength: number;
  /** Parameters trained: numVirtual × hiddenSize for soft prompts, 0 otherwise. */
  trainableParams: number;
  /** Seconds spent tuning (0 when the soft prompt was loaded, not trained, and for hard prompts). */
  tuningSeconds: number;
  /** Evaluation throughput over the whole dataset (batched). */
  examplesPerSecond: number;
  /** Per-example latency of batch-of-1 scoring (generation: of decoding one row), over a fixed sample of rows. */
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

/** A generation metric's mean over the rows (`value`) and its percentile bootstrap interval over the rows. */
export interface MetricWithCI {
  value: number;
  ci: BootstrapInterval;
}

export type GenerationPromptMetrics = Record<GenerationMetricId, MetricWithCI>;

/** One row's generated text and its scores, as in the predictions file. */
export interface GenerationSample {
  /** Row index (0-based) in the evaluation rows. */
  index: number;
  /** The gold answer. */
  target: string;
  /** The generated text. Arbitrary model text: render it escaped. */
  output: string;
  exact: number;
  contains: number;
  f1: number;
  rougeL: number;
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
  /** Classification reports. */
  accuracy?: MeanStd;
  macroF1?: MeanStd;
  ece?: MeanStd;
  /** Generation reports: each metric's mean ± std across the soft prompts. */
  generation?: Record<GenerationMetricId, MeanStd>;
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

/**
 * Generation reports: the soft prompt with the best headline metric (token F1) against the best hard prompt,
 * row by row, on every metric.
 */
export interface GenerationComparison {
  test: 'paired';
  softPromptId: string;
  hardPromptId: string;
  /** In GENERATION_METRICS order. */
  metrics: PairedMetricComparison[];
}

export interface PairedMetricComparison {
  metric: GenerationMetricId;
  /** Mean of (soft − hard) over the rows, with its paired percentile bootstrap interval (rows resampled). */
  difference: BootstrapInterval;
  /** mcnemar for 0/1 metrics (exact match, contains); sign (exact paired sign test) for token F1 and ROUGE-L. */
  test: 'mcnemar' | 'sign';
  /** Rows where the soft prompt scores higher (McNemar's b). */
  softBetter: number;
  /** Rows where the hard prompt scores higher (McNemar's c). */
  hardBetter: number;
  ties: number;
  /** Two-sided. */
  pValue: number;
  /** McNemar: exact below 25 discordant rows, else chi-squared with continuity correction; the sign test is always exact. */
  method: 'exact' | 'chi2-continuity';
}
