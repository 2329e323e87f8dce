/**
 * The typed message protocol between a caller (CLI, VS Code extension) and the model worker thread.
 *
 *   caller → worker:  {type:'start', id, kind, params}   {type:'cancel', id}
 *   worker → caller:  {type:'progress', id, progress}    {type:'result', id, result}
 *                     {type:'error', id, message, isUserError, cancelled?, stack?}
 *
 * Every job kind K has its parameter, result and progress types in JobMap; all of them are plain data
 * (structured-clone safe: no class instances or functions). Paths are absolute or relative to the
 * caller's working directory (the worker shares the process's cwd).
 */
import type { LossKind } from '../engine/api';
import type { WeightFormat } from '../engine/models/quantize';
import type { Device } from '../engine/runtime/device';
import type { FinishReason, SamplingRequest, SamplingSettings } from '../generation';
import type { BenchmarkResult, ProjectionOptions } from '../bench/run';
import type { BenchProgress } from '../bench/progress';
import type { GenerationMetricMeans, PerClassMetrics } from '../eval/metrics';
import type { ProjectionMetric, ProjectionResult } from '../projection';
import type { EvalPoint, StopReason, TrainProgress } from '../tuning/trainer';
import type { PezProgress, PezStopReason } from '../tuning/pez';

export type { TrainParams, TuningParams, TrainResult } from '../tuning/train-params';
import type { TrainParams, TrainResult, TuningParams } from '../tuning/train-params';

/** `ptune export-peft`: the training job `train` would run, written out as a transformers + PEFT + accelerate project. */
export type ExportPeftParams = TrainParams;

export interface ExportPeftResult {
  /** The project folder (absolute). */
  out: string;
  /** Files written, relative to `out`. */
  files: string[];
  trainRows: number;
  evalRows: number;
  totalSteps: number;
  loss: LossKind;
  truncatedRows: number;
  warnings: string[];
}

export type TrainJobProgress = TrainProgress | { type: 'status'; message: string };

export interface EvalParams {
  model: string;
  data: string;
  template: string;
  /** Adapter folder of a soft prompt; without it the hard prompt is evaluated. */
  soft?: string;
  /** Evaluate a seeded sample of at most N rows. */
  limit?: number;
  /** JSONL file to write one prediction per example. */
  predictions?: string;
  maxLength?: number;
  /** Seed of the `limit` sample. */
  seed?: number;
  /** Training file to draw the prompt's few-shot examples from (needed when the prompt has shots). */
  shotsFrom?: string;
  /** Skip invalid rows of `data` and `shotsFrom` (listed in a warning per file) instead of stopping at the first. */
  skipInvalid?: boolean;
}

/** Means over the examples of a generation prompt's outputs (docs/prompt-format.md, Scoring). */
export type GenerationMetrics = GenerationMetricMeans;

/**
 * Classification fills every field. A generation prompt fills `generation`, n, seconds, examplesPerSecond,
 * truncatedRows, predictions and warnings; its `accuracy` is the exact-match rate and the label fields are
 * empty (macroF1 and ece NaN).
 */
export interface EvalJobResult {
  /** Absent in results from before generation prompts were scored: classification. */
  task?: 'classification' | 'generation';
  generation?: GenerationMetrics;
  n: number;
  labels: string[];
  accuracy: number;
  macroF1: number;
  perClass: PerClassMetrics[];
  confusion: number[][];
  ece: number;
  seconds: number;
  examplesPerSecond: number;
  truncatedRows: number;
  predictions?: string;
  warnings: string[];
}

export type EvalJobProgress = { type: 'status'; message: string } | { type: 'eval'; done: number; total: number };

/** Render and tokenize a prompt for one row (no model run; the engine is loaded for its tokenizer). */
export interface PreviewParams {
  model: string;
  template: string;
  /** Column values; for classification a label is optional (the gold label is then unknown). */
  row: Record<string, string>;
  /** Virtual tokens to show at the soft-prompt position; default 0 (hard prompt only). */
  virtualTokens?: number;
  maxLength?: number;
}

export interface PreviewToken {
  id: number;
  /** The vocabulary piece (e.g. " great"). */
  piece: string;
}

export interface PreviewResult {
  /** The rendered prompt text (what the tokens encode). */
  text: string;
  tokens: PreviewToken[];
  /** Index into tokens where the virtual tokens go. */
  softPromptAt: number;
  virtualTokens: number;
  /** One entry per candidate continuation (classification: per label, in verbalizer order). */
  continuations: { label?: string; tokens: PreviewToken[] }[];
  truncated: boolean;
  /** Sequence length the longest continuation gives, virtual tokens included. */
  totalTokens: number;
}

export interface TestPromptParams {
  model: string;
  template: string;
  /** The row (or typed input) to score; column name → text. */
  row: Record<string, string>;
  soft?: string;
  maxLength?: number;
  /** Training file to draw the prompt's few-shot examples from (needed when the prompt has shots). */
  shotsFrom?: string;
}

export type TestPromptResult =
  | { task: 'classification'; labels: { label: string; logProb: number; probability: number }[]; predicted: string; gold?: string }
  | { task: 'generation'; text: string; tokens: number };

/**
 * Generation with sampling and streaming (`ptune generate`): either raw text (`prompt`) or a prompt file
 * rendered for one row (`template` with `row`, or `data` + `rowNumber`). Streams `{type:'text'}` progress
 * events with each new piece of stop-safe text; Cancel stops it between tokens.
 */
export interface GenerateParams {
  model: string;
  /** Raw text to continue (no template). */
  prompt?: string;
  /** A .prompt file to render. */
  template?: string;
  /** Column values for the template. */
  row?: Record<string, string>;
  /** A dataset file to take the row from, with `rowNumber` (1-based, counting data rows). */
  data?: string;
  rowNumber?: number;
  /** Training file to draw the prompt's few-shot examples from (needed when the prompt has shots). */
  shotsFrom?: string;
  /** Default: the prompt file's max_new_tokens (20 without a template). */
  maxNewTokens?: number;
  soft?: string;
  /** Unset fields follow the model's generation_config.json (greedy unless it says do_sample). */
  sampling?: SamplingRequest;
  stop?: string[];
}

export interface GenerateResult {
  /** The generated text only (not the prompt), cut before a stop string. */
  text: string;
  ids: number[];
  finishReason: FinishReason;
  tokensPerSecond: number;
  timeToFirstTokenMs: number;
  promptTokens: number;
  /** The settings it ran with (after the model's defaults). */
  sampling: SamplingSettings;
  maxNewTokens: number;
  warnings: string[];
}

export type GenerateJobProgress = { type: 'text'; text: string; tokens: number };

/**
 * The Playground: one input through the hard prompt alone, the hard prompt with a soft prompt, and the hard
 * prompt with that soft prompt's nearest-token projection in its place, one column after the other, with the
 * same sampling settings and seed. Generation prompts stream each column's text; classification prompts give
 * each column's label probabilities.
 */
export interface PlaygroundParams {
  model: string;
  template: string;
  /** Column name → text for the prompt's inputs. */
  row: Record<string, string>;
  /** Adapter folder; without it only the hard column runs. */
  soft?: string;
  /** Training file for a few-shot prompt's examples. */
  shotsFrom?: string;
  /** Unset fields follow the model's generation_config.json. */
  sampling?: SamplingRequest;
  /** Default: the prompt file's max_new_tokens. */
  maxNewTokens?: number;
}

export { PLAYGROUND_COLUMNS, type PlaygroundColumnId } from '../common/playground';
import type { PlaygroundColumnId } from '../common/playground';

export interface PlaygroundColumnResult {
  column: PlaygroundColumnId;
  /** Generation: the generated text (model output: show as text). */
  text?: string;
  tokens?: number;
  finishReason?: FinishReason;
  tokensPerSecond?: number;
  /** Classification: each label's probability (softmax over the labels' summed log-probs), in file order. */
  labels?: { label: string; logProb: number; probability: number }[];
  predicted?: string;
}

export interface PlaygroundResult {
  task: 'classification' | 'generation';
  columns: PlaygroundColumnResult[];
  /** The projected hard prompt's text at the soft prompt's place (with a soft prompt). */
  projectedText?: string;
  /** Generation: the settings every column ran with. */
  sampling?: SamplingSettings;
  maxNewTokens?: number;
  warnings: string[];
}

export type PlaygroundJobProgress =
  | { type: 'projection'; text: string }
  | { type: 'text'; column: PlaygroundColumnId; text: string; tokens: number }
  | { type: 'column'; result: PlaygroundColumnResult };

/** `ptune bench` (issue 5): hard prompts vs soft prompts on one test set; see BenchmarkOptions in src/bench/run.ts. */
export interface BenchParams {
  model: string;
  /** Evaluation rows. */
  data: string;
  /** Training rows (for --tune and few-shot prompts). */
  train?: string;
  hard: string[];
  /** Adapter folders. */
  soft: string[];
  /** Prompt file for tuned and given soft prompts (default: an adapter's own record, else the first --hard). */
  template?: string;
  tune?: boolean;
  tuning?: TuningParams;
  seeds?: number;
  /** Report folder. */
  out: string;
  noCache?: boolean;
  /** Result cache folder; default <out>/.ptune-cache. Shared between runs, so reruns reuse results. */
  cacheDir?: string;
  limit?: number;
  /** Skip invalid rows of every data file (each file's skipped lines are logged) instead of stopping at the first. */
  skipInvalid?: boolean;
  projection?: ProjectionOptions | false;
  /** Recorded in the report. */
  command?: string;
}

export type BenchResult = BenchmarkResult;

export type BenchJobProgress = ({ type: 'progress' } & BenchProgress) | { type: 'log'; line: string } | { type: 'status'; message: string };

export interface ProjectParams {
  model: string;
  /** Adapter folder. */
  soft: string;
  /** Nearest tokens per virtual token; default 5. */
  topK?: number;
  metric?: ProjectionMetric;
  /** false: skip the 2-D PCA map (the CLI's table does not need it). */
  map?: boolean;
}

export type ProjectResult = ProjectionResult & { warnings: string[] };
export type ProjectJobProgress = { type: 'status'; message: string };

/** `ptune discover`: PEZ hard-prompt discovery on a classification prompt file, written as a new .prompt file. */
export interface DiscoverParams {
  model: string;
  train: string;
  template: string;
  /** The .prompt file to write. */
  out: string;
  /** Dev set: picks the best projected prompt and is where both prompts' accuracy is reported. */
  eval?: string;
  /** Hard-prompt length in tokens; default PEZ_DEFAULTS.tokens. */
  tokens?: number;
  steps?: number;
  lr?: number;
  seed?: number;
  batchSize?: number;
  evalEvery?: number;
  /** text | vocab | random; default as `ptune train` (text from the prompt's instruction). */
  init?: string;
  limit?: number;
  evalLimit?: number;
  maxLength?: number;
  skipInvalid?: boolean;
}

export interface DiscoverResult {
  /** The .prompt file (absolute); written only when `saved`. */
  out: string;
  saved: boolean;
  /** The discovered token ids, their decoded text and each id's piece. */
  ids: number[];
  text: string;
  pieces: string[];
  selectedOn: 'dev' | 'train';
  bestLoss: number;
  bestStep: number;
  /** The initial prompt's projection (step 0): its loss and text. */
  initialLoss: number;
  initialText: string;
  steps: number;
  totalSteps: number;
  seconds: number;
  stopReason: PezStopReason;
  stopMessage?: string;
  /**
   * How the written text tokenizes: `roundTrip` when the text alone encodes back to `ids`; `rowsDiffering`
   * counts evaluation rows whose prompt ids (text in place, re-tokenized) differ from what discovery scored.
   */
  retokenized: { roundTrip: boolean; reencodedIds: number[]; rowsDiffering: number; rows: number } | null;
  /** Accuracy of the written file and of the template on the same rows (the dev set, else the training rows). */
  accuracy: { on: 'dev' | 'train'; file: string; n: number; template: number; discovered: number } | null;
  warnings: string[];
}

/** PEZ progress; each evaluation also carries the evaluated prompt's decoded text. */
export type DiscoverJobProgress = Exclude<PezProgress, { type: 'eval' }> | (Extract<PezProgress, { type: 'eval' }> & { text: string }) | { type: 'status'; message: string };

/** Every job kind with its parameter, result and progress types. */
export interface JobMap {
  train: { params: TrainParams; result: TrainResult; progress: TrainJobProgress };
  eval: { params: EvalParams; result: EvalJobResult; progress: EvalJobProgress };
  bench: { params: BenchParams; result: BenchResult; progress: BenchJobProgress };
  project: { params: ProjectParams; result: ProjectResult; progress: ProjectJobProgress };
  preview: { params: PreviewParams; result: PreviewResult; progress: never };
  testPrompt: { params: TestPromptParams; result: TestPromptResult; progress: never };
  generate: { params: GenerateParams; result: GenerateResult; progress: GenerateJobProgress };
  exportPeft: { params: ExportPeftParams; result: ExportPeftResult; progress: { type: 'status'; message: string } };
  discover: { params: DiscoverParams; result: DiscoverResult; progress: DiscoverJobProgress };
  playground: { params: PlaygroundParams; result: PlaygroundResult; progress: PlaygroundJobProgress };
}

export type JobKind = keyof JobMap;
export type JobParams<K extends JobKind> = JobMap[K]['params'];
export type JobResult<K extends JobKind> = JobMap[K]['result'];
export type JobProgress<K extends JobKind> = JobMap[K]['progress'];

export const JOB_KINDS: readonly JobKind[] = ['train', 'eval', 'bench', 'project', 'preview', 'testPrompt', 'generate', 'exportPeft', 'discover', 'playground'];

export type ToWorker =
  | { [K in JobKind]: { type: 'start'; id: string; kind: K; params: JobParams<K> } }[JobKind]
  | { type: 'cancel'; id: string };

export type FromWorker =
  | { type: 'progress'; id: string; progress: unknown }
  | { type: 'result'; id: string; result: unknown }
  | { type: 'error'; id: string; message: string; isUserError: boolean; cancelled?: boolean; stack?: string };

/** What the worker thread is started with (workerData). */
export interface WorkerConfig {
  /** onnxruntime intra-op threads for every engine the worker loads. */
  threads?: number;
  /**
   * Module exporting `loadEngine(dir, {threads}) => Promise<ModelEngine>` to use instead of the real
   * Engine (tests point it at a fake).
   */
  engineModule?: string;
  /** Where models run (default cpu); see src/engine/runtime/device.ts. */
  device?: Device;
  /** How the frozen linear weights are held (default f32); see src/engine/models/quantize.ts. */
  weights?: WeightFormat;
  /** Activation memory of one model run, in MiB (default from the available memory); see src/engine/batch-memory.ts. */
  batchMemoryMB?: number;
}
