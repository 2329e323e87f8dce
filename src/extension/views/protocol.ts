/**
 * The message protocol between the extension host and its webviews (side panel and Studio editor panel).
 * Shared by both sides: the extension compiles it with tsc, the webview bundle imports it through esbuild.
 * No `vscode` import here. Every message arriving from a webview goes through `parseWebviewMessage`.
 */

export const VIEW_NAMES = ['prompt', 'training', 'projection', 'benchmark'] as const;
export type ViewName = (typeof VIEW_NAMES)[number];

export interface DiagnosticItem {
  /** 0-based. */
  line: number;
  /** 0-based. */
  column: number;
  severity: 'error' | 'warning' | 'info';
  message: string;
}

/** One token of the rendered prompt; `virtual` marks the soft prompt's placeholder run. */
export interface TokenPiece {
  text: string;
  id: number;
  virtual?: boolean;
}

export interface PromptViewState {
  /** File name shown as the view's title; undefined when no .prompt editor is active. */
  file?: string;
  rowIndex: number;
  rowCount: number;
  /** The chosen dataset row's fields, shown as text. */
  row: Record<string, string>;
  /** The body rendered for that row (undefined when rendering failed). */
  rendered?: string;
  /** The gold label of that row, when the prompt is a classifier. */
  gold?: string;
  /** Token boundaries from the model's tokenizer; undefined while no model is selected. */
  tokens?: TokenPiece[];
  tokenCount?: number;
  diagnostics: DiagnosticItem[];
  /** Why the preview or tokenization is missing, in words. */
  note?: string;
  /** A few-shot prompt: how many examples it draws and the training file they come from (undefined: not chosen yet). */
  shots?: { count: number; file?: string };
}

export interface SeriesPoint {
  step: number;
  value: number;
}

export const JOB_STATUSES = ['running', 'done', 'cancelled', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export interface TrainingViewState {
  /** The worker job behind this run (Cancel targets it while it is running). */
  jobId: string;
  title: string;
  status: JobStatus;
  step: number;
  totalSteps: number;
  elapsedSeconds: number;
  etaSeconds?: number;
  loss: SeriesPoint[];
  devAccuracy: SeriesPoint[];
  message?: string;
  /** Where the trained soft prompt was written. */
  outputFile?: string;
}

export interface Neighbour {
  /** The vocabulary piece as decoded (plain text). */
  token: string;
  /** The same with whitespace made visible, e.g. "·great" (plain text). */
  display: string;
  id: number;
  /** Similarity or distance, per `ProjectionViewState.scoreLabel`. */
  score: number;
  /** 0..1: bar length, longer = nearer. */
  bar: number;
}

export interface ProjectedTokenView {
  index: number;
  neighbours: Neighbour[];
  /** Distance to the nearest vocabulary embedding. */
  nearestDistance: number;
  /** 0..100: share of real tokens whose own nearest-neighbour distance is smaller (high = off the vocabulary). */
  percentile: number;
}

export interface ProjectionViewState {
  source: string;
  /** What `Neighbour.score` is, e.g. "cosine similarity". */
  scoreLabel: string;
  /** What `nearestDistance` measures and the vocabulary's own median, for scale. */
  distanceLabel: string;
  medianDistance: number;
  tokens: ProjectedTokenView[];
  /** 2-D PCA map: virtual tokens, their listed neighbours and a background sample of the vocabulary. */
  map: { x: number; y: number; label: string; kind: 'virtual' | 'neighbour' | 'vocab' }[];
  /** Share of variance along the map's two axes. */
  explainedVariance?: [number, number];
  /** The nearest-token reading of the soft prompt, as plain text. */
  hardPrompt: string;
}

/** A benchmark report.json, passed through as parsed JSON; the webview reads it defensively. */
export interface BenchmarkViewState {
  file: string;
  report: unknown;
}

/** The answer of ▶ Test on a generation prompt, growing while the `generate` job streams it. */
export interface GenerationViewState {
  /** The worker job (Cancel targets it while it runs). */
  jobId: string;
  /** The prompt file, as the prompt view names it (the output shows with that file only). */
  file: string;
  /** Which input it answers, e.g. "row 3" or "typed input". */
  source: string;
  /** The generated text so far: model output, shown as text only. */
  text: string;
  tokens: number;
  status: JobStatus;
  /** Speed and finish reason when done; the error when failed. */
  message?: string;
}

export interface JobSummary {
  id: string;
  title: string;
  message?: string;
  /** 0..1 when known. */
  fraction?: number;
}

export interface ModelSummary {
  /** Display name of the selected model, or undefined when none is selected. */
  name?: string;
}

/** Everything a webview renders; the extension keeps the latest and sends it whole on `ready`. */
export interface UiState {
  model: ModelSummary;
  jobs: JobSummary[];
  prompt?: PromptViewState;
  training?: TrainingViewState;
  projection?: ProjectionViewState;
  benchmark?: BenchmarkViewState;
  generation?: GenerationViewState;
  /** The view the Studio should switch to; a new `seq` means a new request. */
  focus?: { view: ViewName; seq: number };
}

export type HostMessage = { type: 'state'; state: UiState };

/** Commands a webview may ask the extension to run: a fixed allow-list. */
export const WEBVIEW_COMMANDS = [
  'promptTuning.selectModel',
  'promptTuning.testPrompt',
  'promptTuning.runOnDataset',
  'promptTuning.trainSoftPrompt',
  'promptTuning.exportForCluster',
  'promptTuning.showProjection',
  'promptTuning.benchmark',
  'promptTuning.openReport',
  'promptTuning.openStudio',
  'promptTuning.cancelJob',
  'promptTuning.chooseShotsFile',
] as const;
export type WebviewCommand = (typeof WEBVIEW_COMMANDS)[number];

export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'selectRow'; index: number }
  | { type: 'cancelJob'; id: string }
  | { type: 'copyHardPrompt' }
  | { type: 'saveAsPrompt' }
  | { type: 'runCommand'; command: WebviewCommand };

type Fields = Record<string, unknown>;

/** A plain object (what structured clone delivers); so no field can come from a crafted prototype. */
function isRecord(v: unknown): v is Fields {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function hasOnlyKeys(v: Fields, keys: readonly string[]): boolean {
  return Object.keys(v).every((k) => keys.includes(k));
}

function oneOf<T extends string>(values: readonly T[], v: unknown): v is T {
  return typeof v === 'string' && (values as readonly string[]).includes(v);
}

/**
 * Validates a message from a webview. Returns the typed message, or undefined for anything that does not
 * match the protocol exactly (unknown type, missing or extra field, wrong field type, out-of-range value).
 */
export function parseWebviewMessage(raw: unknown): WebviewMessage | undefined {
  if (!isRecord(raw) || typeof raw.type !== 'string') return undefined;
  switch (raw.type) {
    case 'ready':
    case 'copyHardPrompt':
    case 'saveAsPrompt':
      return hasOnlyKeys(raw, ['type']) ? { type: raw.type } : undefined;
    case 'selectRow':
      return hasOnlyKeys(raw, ['type', 'index']) &&
        typeof raw.index === 'number' && Number.isSafeInteger(raw.index) && raw.index >= 0
        ? { type: 'selectRow', index: raw.index }
        : undefined;
    case 'cancelJob':
      return hasOnlyKeys(raw, ['type', 'id']) && typeof raw.id === 'string' && raw.id.length > 0 && raw.id.length <= 200
        ? { type: 'cancelJob', id: raw.id }
        : undefined;
    case 'runCommand':
      return hasOnlyKeys(raw, ['type', 'command']) && oneOf(WEBVIEW_COMMANDS, raw.command)
        ? { type: 'runCommand', command: raw.command }
        : undefined;
    default:
      return undefined;
  }
}

/** Validates a message from the extension (the webview side's guard; the host is trusted, but shapes drift). */
export function isHostMessage(raw: unknown): raw is HostMessage {
  return isRecord(raw) && raw.type === 'state' && isRecord(raw.state) && isRecord(raw.state.model) && Array.isArray(raw.state.jobs) &&
    (raw.state.generation === undefined || isGenerationViewState(raw.state.generation));
}

/** The generation slice, checked field by field: its text is model output and goes into the DOM (as text). */
export function isGenerationViewState(raw: unknown): raw is GenerationViewState {
  return isRecord(raw) &&
    hasOnlyKeys(raw, ['jobId', 'file', 'source', 'text', 'tokens', 'status', 'message']) &&
    typeof raw.jobId === 'string' && typeof raw.file === 'string' && typeof raw.source === 'string' && typeof raw.text === 'string' &&
    typeof raw.tokens === 'number' && Number.isSafeInteger(raw.tokens) && raw.tokens >= 0 &&
    oneOf(JOB_STATUSES, raw.status) &&
    (raw.message === undefined || typeof raw.message === 'string');
}
