/**
 * The message protocol between the extension host and its webviews (side panel and Studio editor panel).
 * Shared by both sides: the extension compiles it with tsc, the webview bundle imports it through esbuild.
 * No `vscode` import here. Every message arriving from a webview goes through `parseWebviewMessage`.
 */

import { PLAYGROUND_COLUMNS, type PlaygroundColumnId } from '../../common/playground';
import { DATASET_QUERY_LIMITS, ROW_ORDER, type DatasetQuery } from '../datasets/gridQuery';
import { DATASET_ROLES, type DatasetRole } from '../datasets/roles';
import { RESULT_FILTERS, RESULT_SORTS, type ResultsQuery } from '../results/query';

export const VIEW_NAMES = ['prompt', 'training', 'projection', 'benchmark', 'playground', 'results', 'dataset'] as const;
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
  /** Where the shown row comes from when it is not the picked dataset row (a row opened from the results grid). */
  rowSource?: string;
  /** The dataset chosen for each role, with its size and label distribution once counted. */
  datasets?: DatasetRoleView[];
}

/** One dataset role of a prompt file in the prompt view. */
export interface DatasetRoleView {
  role: DatasetRole;
  /** The file, as the views name it; undefined when none is chosen for the role. */
  file?: string;
  /** Rows counted (streamed); undefined while counting. */
  rows?: number;
  /** Rows per label (classification), most frequent first. */
  labels?: { label: string; count: number }[];
  /** "1,000 rows · positive 52% · negative 48%". */
  summary?: string;
  /** Why it could not be counted. */
  error?: string;
}

/** One outcome cell of the results grid (model output: shown as text only). */
export interface ResultsCellView {
  predicted: string;
  correct: boolean;
  /** Classification: the predicted label's probability. */
  confidence?: number;
  /** Each label's probability, or the generation scores, in words. */
  detail: string;
}

export interface ResultsRowView {
  index: number;
  text: string;
  gold: string;
  cells: ResultsCellView[];
  /** Compared runs: whether they disagree on this row. */
  disagree?: boolean;
}

/** The results grid: one page of a run's (or compared runs') rows. */
export interface ResultsViewState {
  title: string;
  task: 'classification' | 'generation';
  /** The runs shown side by side (one column each), by name. */
  runs: string[];
  /** A benchmark's prompts, any of which can be shown or compared (ids as in report.json). */
  choices?: { id: string; name: string }[];
  /** The ids of `choices` shown, in column order. */
  shown?: string[];
  query: ResultsQuery;
  total: number;
  matching: number;
  page: number;
  pages: number;
  /** Rows each run got right. */
  correct: number[];
  rows: ResultsRowView[];
  /** The predictions file(s), for the header. */
  source: string;
  note?: string;
}

export const DATASET_GRID_STATUSES = ['indexing', 'querying', 'ready', 'failed'] as const;
export type DatasetGridStatus = (typeof DATASET_GRID_STATUSES)[number];

/** One row of the dataset grid (dataset text: shown as text only). */
export interface DatasetRowView {
  /** 1-based row number (file order among readable rows). */
  row: number;
  /** 1-based line where the row starts in the file. */
  line: number;
  /** One value per column of the view, cut to DATASET_CELL_CHARS. */
  cells: string[];
}

/** Characters of a cell sent to the grid (the rest is cut, with "…"). */
export const DATASET_CELL_CHARS = 1000;

/** The dataset grid: a dataset file indexed in the extension host, one page of its rows. */
export interface DatasetViewState {
  /** The file, as the views name it. */
  file: string;
  /** Where it was opened from, e.g. "the dev dataset of sst2.prompt". */
  origin?: string;
  /** indexing: the first streamed pass; querying: a sort or search re-scanning the file. */
  status: DatasetGridStatus;
  /** 0..1 while indexing or querying. */
  progress?: number;
  /** What is happening, or why it failed, in words. */
  message?: string;
  columns: string[];
  labelColumn?: string;
  /** Rows per label, most frequent first. */
  labels: { label: string; count: number }[];
  /** "1,000 rows · positive 52% · negative 48%". */
  summary: string;
  /** Unreadable rows (not shown), with the first one's line. */
  note?: string;
  query: DatasetQuery;
  total: number;
  matching: number;
  page: number;
  pages: number;
  rows: DatasetRowView[];
}

export interface SeriesPoint {
  step: number;
  value: number;
}

export const JOB_STATUSES = ['running', 'done', 'cancelled', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** A training's status: a job's, or `interrupted` (it was running when the window was reloaded). */
export type TrainingStatus = JobStatus | 'interrupted';

/** One recorded training's curve, overlaid with others (Runs view: Compare Curves). */
export interface CurveOverlay {
  label: string;
  status: TrainingStatus;
  loss: SeriesPoint[];
  devAccuracy: SeriesPoint[];
}

export interface TrainingViewState {
  /** The worker job behind this run (Cancel targets it while it is running). */
  jobId: string;
  title: string;
  status: TrainingStatus;
  step: number;
  totalSteps: number;
  elapsedSeconds: number;
  etaSeconds?: number;
  loss: SeriesPoint[];
  devAccuracy: SeriesPoint[];
  message?: string;
  /** Where the trained soft prompt was written. */
  outputFile?: string;
  /** The run-history record of this training (src/extension/artifacts/runHistory.ts). */
  runId?: string;
  /** Several recorded trainings' curves to overlay instead of this run's own. */
  compare?: CurveOverlay[];
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
  /** The projection gap: the soft prompt's and its projection's accuracy on the same dev rows. */
  gap?: ProjectionGapView;
}

export interface ProjectionGapView {
  status: 'running' | 'done' | 'unavailable' | 'failed';
  /** The dev file and the rows scored (a seeded sample of at most PROJECTION_GAP_ROWS). */
  data?: string;
  rows?: number;
  soft?: number;
  projected?: number;
  /** Why it is unavailable or failed. */
  message?: string;
  /** What the gap means, in one line (bench/report/format.ts PROJECTION_GAP_NOTE). */
  note: string;
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


export interface PlaygroundSettings {
  /** 0: greedy. */
  temperature: number;
  topP: number;
  maxNewTokens: number;
  seed: number;
}

/** What the Playground's settings may be; checked on both sides of the message protocol. */
export const PLAYGROUND_LIMITS = {
  temperature: { min: 0, max: 5 },
  topP: { min: 0.01, max: 1 },
  maxNewTokens: { min: 1, max: 2048 },
  seed: { min: 0, max: 2 ** 32 - 1 },
  /** Inputs per prompt, and characters per input value. */
  inputs: 64,
  valueLength: 100_000,
} as const;

export type PlaygroundColumnStatus = 'waiting' | 'running' | 'done' | 'cancelled' | 'failed' | 'skipped';
export const PLAYGROUND_COLUMN_STATUSES: readonly PlaygroundColumnStatus[] = ['waiting', 'running', 'done', 'cancelled', 'failed', 'skipped'];

export interface PlaygroundColumnView {
  id: PlaygroundColumnId;
  /** Generation: the text so far (model output: shown as text only). */
  text: string;
  tokens: number;
  status: PlaygroundColumnStatus;
  /** Classification: each label's probability, in the prompt file's label order. */
  labels?: { label: string; probability: number }[];
  predicted?: string;
  /** Speed and finish reason, or why the column did not run. */
  message?: string;
}

export interface PlaygroundViewState {
  /** The prompt file, as the views name it. */
  file: string;
  task: 'classification' | 'generation';
  /** The prompt's input columns, in order, and the values to run with (editable in the view). */
  inputs: string[];
  values: Record<string, string>;
  /** Dataset rows the inputs can be loaded from (0: none). */
  rowCount: number;
  /** The soft prompt (adapter folder) of the second and third columns; undefined until one is chosen. */
  softPrompt?: string;
  settings: PlaygroundSettings;
  /** The running job ('' when none runs). */
  jobId: string;
  columns: PlaygroundColumnView[];
  /** The projected hard prompt's text at the soft prompt's place. */
  projectedText?: string;
  /** Warnings or the error of the last run. */
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
  playground?: PlaygroundViewState;
  results?: ResultsViewState;
  dataset?: DatasetViewState;
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
  'promptTuning.findHardPrompt',
  'promptTuning.showProjection',
  'promptTuning.benchmark',
  'promptTuning.openReport',
  'promptTuning.openStudio',
  'promptTuning.cancelJob',
  'promptTuning.chooseShotsFile',
  'promptTuning.openPlayground',
  'promptTuning.selectDataset',
  'promptTuning.splitDataset',
  'promptTuning.openDataset',
] as const;
export type WebviewCommand = (typeof WEBVIEW_COMMANDS)[number];

export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'selectRow'; index: number }
  | { type: 'cancelJob'; id: string }
  | { type: 'copyHardPrompt' }
  | { type: 'saveAsPrompt' }
  | { type: 'runCommand'; command: WebviewCommand }
  | { type: 'playgroundRun'; values: Record<string, string>; settings: PlaygroundSettings }
  | { type: 'playgroundRow'; index: number }
  | { type: 'playgroundSoftPrompt' }
  | { type: 'resultsQuery'; query: ResultsQuery }
  | { type: 'resultsOpenRow'; index: number }
  | { type: 'resultsShow'; ids: string[] }
  | { type: 'selectDatasetRole'; role: DatasetRole }
  | { type: 'openDatasetRole'; role: DatasetRole }
  | { type: 'datasetQuery'; query: DatasetQuery }
  | { type: 'closeDataset' };

/** Prompts a results grid shows side by side, at most. */
export const MAX_COMPARED_RUNS = 3;

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
    case 'playgroundSoftPrompt':
    case 'closeDataset':
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
    case 'playgroundRow':
      return hasOnlyKeys(raw, ['type', 'index']) && typeof raw.index === 'number' && Number.isSafeInteger(raw.index) && raw.index >= 0
        ? { type: 'playgroundRow', index: raw.index }
        : undefined;
    case 'playgroundRun':
      return hasOnlyKeys(raw, ['type', 'values', 'settings']) && isPlaygroundValues(raw.values) && isPlaygroundSettings(raw.settings)
        ? { type: 'playgroundRun', values: { ...raw.values }, settings: { ...raw.settings } }
        : undefined;
    case 'resultsQuery':
      return hasOnlyKeys(raw, ['type', 'query']) && isResultsQuery(raw.query) ? { type: 'resultsQuery', query: { ...raw.query } } : undefined;
    case 'resultsOpenRow':
      return hasOnlyKeys(raw, ['type', 'index']) && typeof raw.index === 'number' && Number.isSafeInteger(raw.index) && raw.index >= 0
        ? { type: 'resultsOpenRow', index: raw.index }
        : undefined;
    case 'resultsShow':
      return hasOnlyKeys(raw, ['type', 'ids']) && Array.isArray(raw.ids) && raw.ids.length >= 1 && raw.ids.length <= MAX_COMPARED_RUNS &&
        raw.ids.every((id) => typeof id === 'string' && id.length > 0 && id.length <= 500) && new Set(raw.ids).size === raw.ids.length
        ? { type: 'resultsShow', ids: [...raw.ids] as string[] }
        : undefined;
    case 'selectDatasetRole':
      return hasOnlyKeys(raw, ['type', 'role']) && oneOf(DATASET_ROLES, raw.role) ? { type: 'selectDatasetRole', role: raw.role } : undefined;
    case 'openDatasetRole':
      return hasOnlyKeys(raw, ['type', 'role']) && oneOf(DATASET_ROLES, raw.role) ? { type: 'openDatasetRole', role: raw.role } : undefined;
    case 'datasetQuery':
      return hasOnlyKeys(raw, ['type', 'query']) && isDatasetQuery(raw.query) ? { type: 'datasetQuery', query: { ...raw.query } } : undefined;
    default:
      return undefined;
  }
}

/** A grid query: a known sort and filter, a page number. */
export function isResultsQuery(v: unknown): v is ResultsQuery {
  return isRecord(v) && hasOnlyKeys(v, ['sort', 'descending', 'filter', 'page']) && oneOf(RESULT_SORTS, v.sort) &&
    typeof v.descending === 'boolean' && oneOf(RESULT_FILTERS, v.filter) &&
    typeof v.page === 'number' && Number.isSafeInteger(v.page) && v.page >= 0;
}

/** A dataset grid query: a sort column (or the row order), a search and a label of bounded length, a page number. */
export function isDatasetQuery(v: unknown): v is DatasetQuery {
  const name = (x: unknown) => typeof x === 'string' && x.length > 0 && x.length <= DATASET_QUERY_LIMITS.name;
  return isRecord(v) && hasOnlyKeys(v, ['sort', 'descending', 'search', 'label', 'page']) &&
    (v.sort === ROW_ORDER || name(v.sort)) && typeof v.descending === 'boolean' &&
    typeof v.search === 'string' && v.search.length <= DATASET_QUERY_LIMITS.search &&
    (v.label === undefined || (typeof v.label === 'string' && v.label.length <= DATASET_QUERY_LIMITS.name)) &&
    typeof v.page === 'number' && Number.isSafeInteger(v.page) && v.page >= 0;
}

/** Input values: a plain object of at most PLAYGROUND_LIMITS.inputs strings, none longer than valueLength. */
export function isPlaygroundValues(v: unknown): v is Record<string, string> {
  if (!isRecord(v)) return false;
  const entries = Object.entries(v);
  return entries.length <= PLAYGROUND_LIMITS.inputs && entries.every(([k, value]) => k.length > 0 && k.length <= 200 && typeof value === 'string' && value.length <= PLAYGROUND_LIMITS.valueLength);
}

/** Sampling settings within PLAYGROUND_LIMITS (whole numbers where they must be). */
export function isPlaygroundSettings(v: unknown): v is PlaygroundSettings {
  if (!isRecord(v) || !hasOnlyKeys(v, ['temperature', 'topP', 'maxNewTokens', 'seed'])) return false;
  const within = (key: keyof PlaygroundSettings, whole: boolean) => {
    const x = v[key];
    const { min, max } = PLAYGROUND_LIMITS[key];
    return typeof x === 'number' && Number.isFinite(x) && x >= min && x <= max && (!whole || Number.isSafeInteger(x));
  };
  return within('temperature', false) && within('topP', false) && within('maxNewTokens', true) && within('seed', true);
}

/** Validates a message from the extension (the webview side's guard; the host is trusted, but shapes drift). */
export function isHostMessage(raw: unknown): raw is HostMessage {
  return isRecord(raw) && raw.type === 'state' && isRecord(raw.state) && isRecord(raw.state.model) && Array.isArray(raw.state.jobs) &&
    (raw.state.generation === undefined || isGenerationViewState(raw.state.generation)) &&
    (raw.state.playground === undefined || isPlaygroundViewState(raw.state.playground)) &&
    (raw.state.results === undefined || isResultsViewState(raw.state.results)) &&
    (raw.state.dataset === undefined || isDatasetViewState(raw.state.dataset));
}

/** The dataset slice, checked field by field: its rows hold dataset text (set as text only). */
export function isDatasetViewState(raw: unknown): raw is DatasetViewState {
  if (!isRecord(raw) || !hasOnlyKeys(raw, ['file', 'origin', 'status', 'progress', 'message', 'columns', 'labelColumn', 'labels', 'summary', 'note',
    'query', 'total', 'matching', 'page', 'pages', 'rows'])) return false;
  const count = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  const optionalString = (x: unknown) => x === undefined || typeof x === 'string';
  const columns = Array.isArray(raw.columns) && raw.columns.every((c) => typeof c === 'string') ? raw.columns.length : -1;
  return typeof raw.file === 'string' && optionalString(raw.origin) && oneOf(DATASET_GRID_STATUSES, raw.status) &&
    (raw.progress === undefined || (typeof raw.progress === 'number' && raw.progress >= 0 && raw.progress <= 1)) &&
    optionalString(raw.message) && columns >= 0 && optionalString(raw.labelColumn) &&
    Array.isArray(raw.labels) && raw.labels.every((l) => isRecord(l) && hasOnlyKeys(l, ['label', 'count']) && typeof l.label === 'string' && count(l.count)) &&
    typeof raw.summary === 'string' && optionalString(raw.note) && isDatasetQuery(raw.query) &&
    count(raw.total) && count(raw.matching) && count(raw.page) && count(raw.pages) &&
    Array.isArray(raw.rows) && raw.rows.every((r) => isRecord(r) && hasOnlyKeys(r, ['row', 'line', 'cells']) && count(r.row) && count(r.line) &&
      Array.isArray(r.cells) && r.cells.length === columns && r.cells.every((c) => typeof c === 'string'));
}

/** The results slice, checked field by field: its rows hold dataset text and model output (set as text only). */
export function isResultsViewState(raw: unknown): raw is ResultsViewState {
  if (!isRecord(raw) || !hasOnlyKeys(raw, ['title', 'task', 'runs', 'choices', 'shown', 'query', 'total', 'matching', 'page', 'pages', 'correct', 'rows', 'source', 'note'])) return false;
  const count = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  const strings = (x: unknown) => Array.isArray(x) && x.every((s) => typeof s === 'string');
  const runs = Array.isArray(raw.runs) ? raw.runs.length : -1;
  return typeof raw.title === 'string' && oneOf(['classification', 'generation'] as const, raw.task) && strings(raw.runs) && runs >= 1 &&
    (raw.choices === undefined || (Array.isArray(raw.choices) && raw.choices.every((c) => isRecord(c) && hasOnlyKeys(c, ['id', 'name']) && typeof c.id === 'string' && typeof c.name === 'string'))) &&
    (raw.shown === undefined || strings(raw.shown)) && isResultsQuery(raw.query) &&
    count(raw.total) && count(raw.matching) && count(raw.page) && count(raw.pages) &&
    Array.isArray(raw.correct) && raw.correct.length === runs && raw.correct.every(count) &&
    Array.isArray(raw.rows) && raw.rows.every((r) => isResultsRow(r, runs)) && typeof raw.source === 'string' &&
    (raw.note === undefined || typeof raw.note === 'string');
}

function isResultsRow(raw: unknown, runs: number): raw is ResultsRowView {
  return isRecord(raw) && hasOnlyKeys(raw, ['index', 'text', 'gold', 'cells', 'disagree']) &&
    typeof raw.index === 'number' && Number.isSafeInteger(raw.index) && raw.index >= 0 && typeof raw.text === 'string' && typeof raw.gold === 'string' &&
    (raw.disagree === undefined || typeof raw.disagree === 'boolean') &&
    Array.isArray(raw.cells) && raw.cells.length === runs && raw.cells.every((c) => isRecord(c) && hasOnlyKeys(c, ['predicted', 'correct', 'confidence', 'detail']) &&
      typeof c.predicted === 'string' && typeof c.correct === 'boolean' && typeof c.detail === 'string' &&
      (c.confidence === undefined || (typeof c.confidence === 'number' && c.confidence >= 0 && c.confidence <= 1)));
}

/** The Playground slice, checked field by field: its columns hold model output that goes into the DOM (as text). */
export function isPlaygroundViewState(raw: unknown): raw is PlaygroundViewState {
  if (!isRecord(raw) || !hasOnlyKeys(raw, ['file', 'task', 'inputs', 'values', 'rowCount', 'softPrompt', 'settings', 'jobId', 'columns', 'projectedText', 'message'])) return false;
  const optionalString = (x: unknown) => x === undefined || typeof x === 'string';
  return typeof raw.file === 'string' && oneOf(['classification', 'generation'] as const, raw.task) &&
    Array.isArray(raw.inputs) && raw.inputs.every((i) => typeof i === 'string') && isPlaygroundValues(raw.values) &&
    typeof raw.rowCount === 'number' && Number.isSafeInteger(raw.rowCount) && raw.rowCount >= 0 &&
    optionalString(raw.softPrompt) && isPlaygroundSettings(raw.settings) && typeof raw.jobId === 'string' &&
    Array.isArray(raw.columns) && raw.columns.every(isPlaygroundColumn) &&
    optionalString(raw.projectedText) && optionalString(raw.message);
}

function isPlaygroundColumn(raw: unknown): raw is PlaygroundColumnView {
  if (!isRecord(raw) || !hasOnlyKeys(raw, ['id', 'text', 'tokens', 'status', 'labels', 'predicted', 'message'])) return false;
  const labelsOk = raw.labels === undefined || (Array.isArray(raw.labels) && raw.labels.every((l) =>
    isRecord(l) && hasOnlyKeys(l, ['label', 'probability']) && typeof l.label === 'string' && typeof l.probability === 'number' && l.probability >= 0 && l.probability <= 1));
  return oneOf(PLAYGROUND_COLUMNS, raw.id) && typeof raw.text === 'string' &&
    typeof raw.tokens === 'number' && Number.isSafeInteger(raw.tokens) && raw.tokens >= 0 &&
    oneOf(PLAYGROUND_COLUMN_STATUSES, raw.status) && labelsOk &&
    (raw.predicted === undefined || typeof raw.predicted === 'string') && (raw.message === undefined || typeof raw.message === 'string');
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
