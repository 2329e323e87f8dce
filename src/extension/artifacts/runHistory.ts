/**
 * The run history: every training, evaluation (Run on dataset), benchmark and hard-prompt discovery started
 * from the extension, one JSON record per line in `.vscode/prompt-tuning/runs.jsonl` of the workspace.
 *
 * Why a workspace file and not workspaceState: the runs describe files of the workspace (adapters, reports,
 * datasets) and stay next to them; the file can be read by scripts, ignored or committed like any other, is
 * shared by every window on the folder, and has no size limit (curves are kept). Why JSON lines: a record is
 * appended with one `write` (O_APPEND), so an interrupted or concurrent writer can at worst leave one torn
 * last line, never lose an earlier one; a change to a run (finished, interrupted) is a new line with the same
 * id, the last line of an id wins. The file is compacted (atomically: temp file + rename) when superseded
 * lines outnumber the runs. Unit-tested with the fake `vscode` module (test/helpers/vscode-fake.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { processIsAlive, writeFileAtomic } from '../../common/atomic-write';
import { readTrainingRecord } from '../../tuning/training-record';
import { l10n } from 'vscode';
import { softPromptCurve } from './softPrompts';

/** Where the history lives, relative to the workspace folder. */
export const RUN_HISTORY_FILE = path.join('.vscode', 'prompt-tuning', 'runs.jsonl');
export const RUN_HISTORY_FORMAT_VERSION = 1;

export const RUN_KINDS = ['training', 'evaluation', 'benchmark', 'discovery'] as const;
export type RunKind = (typeof RUN_KINDS)[number];
/** The Runs view's groups. */
export const RUN_KIND_LABELS: Record<RunKind, string> = { training: l10n.t('Trainings'), evaluation: l10n.t('Evaluations'), benchmark: l10n.t('Benchmarks'), discovery: l10n.t('Hard-prompt discoveries') };
/** One run's kind, in words. */
export const RUN_KIND_NAMES: Record<RunKind, string> = { training: l10n.t('training'), evaluation: l10n.t('evaluation'), benchmark: l10n.t('benchmark'), discovery: l10n.t('hard-prompt discovery') };

export const RUN_STATUSES = ['running', 'done', 'failed', 'cancelled', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const RUN_STATUS_LABELS: Record<RunStatus, string> = {
  running: l10n.t({ message: 'running', comment: ['the status of a run'] }),
  done: l10n.t({ message: 'done', comment: ['the status of a run'] }),
  failed: l10n.t({ message: 'failed', comment: ['the status of a run'] }),
  cancelled: l10n.t({ message: 'cancelled', comment: ['the status of a run'] }),
  interrupted: l10n.t({ message: 'interrupted', comment: ['the status of a run'] }),
};

export interface RunPoint {
  step: number;
  value: number;
}

/** A dataset a run read, with its rows' hash (`rowsHash`, src/data/hash.ts) when it could be computed. */
export interface RunDataFile {
  role: 'train' | 'dev' | 'test';
  file: string;
  hash?: string;
  rows?: number;
}

export interface RunRecord {
  formatVersion: number;
  /** Unique per run; later lines with the same id replace earlier ones. */
  id: string;
  kind: RunKind;
  status: RunStatus;
  /** One line for the tree, e.g. "Train sst2-overall.prompt". */
  title: string;
  /** ISO 8601 times. */
  startedAt: string;
  endedAt?: string;
  /** The model setting (Hugging Face id or folder) and the folder it resolved to. */
  model: string;
  /** Absolute paths of the prompt files (one, or a benchmark's hard prompts). */
  promptFiles: string[];
  /** Adapter folders the run used (Run on dataset with a soft prompt, a benchmark's soft prompts). */
  softPrompts?: string[];
  data: RunDataFile[];
  /** The job's parameters as sent to the worker. */
  parameters: Record<string, unknown>;
  /** Numbers worth a column: accuracy, macro-F1, best dev accuracy, steps, seconds… */
  metrics?: Record<string, number>;
  /** Trainings: the loss per step and the dev accuracy per evaluation. */
  curve?: { loss: RunPoint[]; devAccuracy: RunPoint[] };
  /** What the run wrote (absolute paths). */
  outputs: { adapter?: string; report?: string; reportHtml?: string; predictions?: string; prompt?: string };
  /** Why it stopped, or the error, in words. */
  message?: string;
  /** Trainings: the step of the prompt kept in the adapter folder (the last good checkpoint). */
  checkpointStep?: number;
  /** The extension host that ran it: a running record whose host is gone was interrupted (a window reload). */
  host?: { pid: number };
}

/** What a record starts with; the store fills in the id, the format version, the status and the start time. */
export type NewRun = Omit<RunRecord, 'id' | 'formatVersion' | 'status' | 'startedAt'> & { startedAt?: string };

export type RunPatch = Partial<Omit<RunRecord, 'id' | 'formatVersion' | 'kind' | 'startedAt'>>;

/** Checks one parsed line; returns the record, or the reason it is not one. */
export function parseRunRecord(value: unknown): RunRecord | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const r = value as Record<string, unknown>;
  if (!Number.isInteger(r.formatVersion) || (r.formatVersion as number) < 1) return `formatVersion must be a whole number ≥ 1, got ${JSON.stringify(r.formatVersion)}`;
  if ((r.formatVersion as number) > RUN_HISTORY_FORMAT_VERSION) return `formatVersion ${String(r.formatVersion)} is newer than this extension reads (${RUN_HISTORY_FORMAT_VERSION})`;
  for (const key of ['id', 'title', 'startedAt', 'model'] as const) if (typeof r[key] !== 'string' || r[key] === '') return `${key} must be a non-empty string, got ${JSON.stringify(r[key])}`;
  if (!(RUN_KINDS as readonly unknown[]).includes(r.kind)) return `kind must be one of ${RUN_KINDS.join(', ')}, got ${JSON.stringify(r.kind)}`;
  if (!(RUN_STATUSES as readonly unknown[]).includes(r.status)) return `status must be one of ${RUN_STATUSES.join(', ')}, got ${JSON.stringify(r.status)}`;
  if (Number.isNaN(Date.parse(r.startedAt as string))) return `startedAt must be an ISO time, got ${JSON.stringify(r.startedAt)}`;
  if (r.endedAt !== undefined && (typeof r.endedAt !== 'string' || Number.isNaN(Date.parse(r.endedAt)))) return `endedAt must be an ISO time, got ${JSON.stringify(r.endedAt)}`;
  if (!Array.isArray(r.promptFiles) || r.promptFiles.some((f) => typeof f !== 'string')) return 'promptFiles must be a list of paths';
  if (!Array.isArray(r.data) || r.data.some((d) => typeof d !== 'object' || d === null || typeof (d as RunDataFile).file !== 'string')) return 'data must be a list of {role, file}';
  if (typeof r.parameters !== 'object' || r.parameters === null) return 'parameters must be an object';
  if (typeof r.outputs !== 'object' || r.outputs === null) return 'outputs must be an object';
  if (r.metrics !== undefined && (typeof r.metrics !== 'object' || r.metrics === null || Object.values(r.metrics).some((v) => typeof v !== 'number'))) return 'metrics must map names to numbers';
  if (r.curve !== undefined) {
    const curve = r.curve as { loss?: unknown; devAccuracy?: unknown };
    if (!isPoints(curve.loss) || !isPoints(curve.devAccuracy)) return 'curve must be {loss, devAccuracy}, lists of {step, value}';
  }
  return r as unknown as RunRecord;
}

function isPoints(value: unknown): boolean {
  // A diverged step's loss is stored as null (JSON has no NaN).
  return Array.isArray(value) && value.every((p) => typeof p === 'object' && p !== null && Number.isInteger(p.step) && (typeof p.value === 'number' || p.value === null));
}

export interface RunHistoryOptions {
  /** Told about each line that is skipped (corrupt, or not a run record), with the file and line number. */
  warn?: (message: string) => void;
  /** Whether a process is alive (tests replace it). */
  isAlive?: (pid: number) => boolean;
  now?: () => Date;
}

export class RunHistory {
  private readonly warn: (message: string) => void;
  private readonly isAlive: (pid: number) => boolean;
  private readonly now: () => Date;
  /** Lines already warned about, so a corrupt line is reported once, not on every read. */
  private readonly warned = new Set<string>();
  private counter = 0;

  constructor(readonly file: string, options: RunHistoryOptions = {}) {
    this.warn = options.warn ?? (() => undefined);
    this.isAlive = options.isAlive ?? processIsAlive;
    this.now = options.now ?? (() => new Date());
  }

  /** Every run, the newest first (by start time). */
  list(): RunRecord[] {
    return [...this.fold().runs.values()].sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.id.localeCompare(a.id));
  }

  get(id: string): RunRecord | undefined {
    return this.fold().runs.get(id);
  }

  /** Records a run as running, before its job starts, so a reload during it finds it. */
  start(run: NewRun): RunRecord {
    const startedAt = run.startedAt ?? this.now().toISOString();
    const id = `${startedAt.replace(/[-:.TZ]/g, '')}-${process.pid}-${++this.counter}`;
    const record: RunRecord = { formatVersion: RUN_HISTORY_FORMAT_VERSION, id, status: 'running', host: { pid: process.pid }, ...run, startedAt };
    this.append(record);
    return record;
  }

  /** Appends the run's new state; returns it (undefined when the id is unknown). */
  update(id: string, patch: RunPatch): RunRecord | undefined {
    const current = this.get(id);
    if (!current) return undefined;
    const next: RunRecord = { ...current, ...patch };
    this.append(next);
    return next;
  }

  /** Ends a run: its status, the end time, and what it produced. */
  finish(id: string, status: Exclude<RunStatus, 'running'>, patch: RunPatch = {}): RunRecord | undefined {
    return this.update(id, { ...patch, status, endedAt: this.now().toISOString() });
  }

  /**
   * Marks runs left "running" by an extension host that is gone (a window reload or a crash) as interrupted;
   * a training's record gets the step of the checkpoint its adapter folder holds, and the curve written with
   * it when the run had none. Returns the runs it marked.
   */
  markInterrupted(): RunRecord[] {
    const marked: RunRecord[] = [];
    for (const run of this.list()) {
      if (run.status !== 'running' || (run.host && this.isAlive(run.host.pid))) continue;
      const next = this.interrupt(run.id);
      if (next) marked.push(next);
    }
    return marked;
  }

  /** Ends one run as interrupted (a training: with its adapter folder's checkpoint); also used by a host shutting down. */
  interrupt(id: string): RunRecord | undefined {
    const run = this.get(id);
    if (!run || run.status !== 'running') return undefined;
    const patch: RunPatch = { message: l10n.t('Interrupted: the window was reloaded or closed while it ran.') };
    if (run.kind === 'training' && run.outputs.adapter) Object.assign(patch, lastCheckpoint(run.outputs.adapter, run.curve));
    if (run.kind === 'training') {
      patch.message = patch.checkpointStep === undefined
        ? l10n.t('Interrupted: the window was reloaded or closed while it ran. No checkpoint was saved.')
        : l10n.t('Interrupted: the window was reloaded or closed while it ran. The last good checkpoint (step {0}) is in the adapter folder.', patch.checkpointStep);
    }
    return this.finish(id, 'interrupted', patch);
  }

  /** One line per record, one write; a torn last line (no newline) is closed first so the new record stays whole. */
  private append(record: RunRecord): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const fd = fs.openSync(this.file, 'a+');
    try {
      const size = fs.fstatSync(fd).size;
      let lead = '';
      if (size > 0) {
        const last = Buffer.alloc(1);
        fs.readSync(fd, last, 0, 1, size - 1);
        if (last[0] !== 0x0a) lead = '\n';
      }
      fs.writeSync(fd, `${lead}${JSON.stringify(record)}\n`);
    } finally {
      fs.closeSync(fd);
    }
    this.compactIfWorthIt();
  }

  private fold(): { runs: Map<string, RunRecord>; lines: number } {
    const runs = new Map<string, RunRecord>();
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { runs, lines: 0 };
      throw e;
    }
    let lines = 0;
    text.split('\n').forEach((line, index) => {
      if (line.trim() === '') return;
      lines++;
      let parsed: unknown;
      let problem: string | undefined;
      try {
        parsed = JSON.parse(line);
      } catch (e) {
        problem = `not valid JSON (${(e as Error).message})`;
      }
      const record = problem === undefined ? parseRunRecord(parsed) : problem;
      if (typeof record === 'string') {
        const key = `${index}:${line}`;
        if (!this.warned.has(key)) {
          this.warned.add(key);
          this.warn(`${this.file}:${index + 1}: ${record}; the line is skipped (the other runs are kept)`);
        }
        return;
      }
      runs.set(record.id, record);
    });
    return { runs, lines };
  }

  /** Rewrites the file with one line per run when superseded lines outnumber the runs (corrupt lines are kept, at the end, for a person to look at). */
  private compactIfWorthIt(): void {
    const { runs, lines } = this.fold();
    if (lines < 64 || lines < 2 * runs.size) return;
    const text = fs.readFileSync(this.file, 'utf8');
    const corrupt = text.split('\n').filter((line) => {
      if (line.trim() === '') return false;
      try {
        return typeof parseRunRecord(JSON.parse(line)) === 'string';
      } catch {
        return true;
      }
    });
    const kept = [...runs.values()].sort((a, b) => a.startedAt.localeCompare(b.startedAt)).map((r) => JSON.stringify(r));
    writeFileAtomic(this.file, [...kept, ...corrupt].map((l) => `${l}\n`).join(''));
  }
}

/** The checkpoint a training's adapter folder holds (its ptune_training.json), and that record's curve when `curve` is empty. */
function lastCheckpoint(adapterDir: string, curve: RunRecord['curve']): RunPatch {
  try {
    const record = readTrainingRecord(adapterDir);
    if (!record) return {};
    const patch: RunPatch = {};
    const step = record.checkpoint?.step ?? record.result?.steps;
    if (step !== undefined) patch.checkpointStep = step;
    if (!curve || curve.loss.length === 0) patch.curve = softPromptCurve(record);
    return patch;
  } catch {
    return {}; // no readable checkpoint: the run is still marked interrupted
  }
}

/** The day a run started (local time, YYYY-MM-DD), for grouping by day. */
export function runDay(run: Pick<RunRecord, 'startedAt'>): string {
  const d = new Date(run.startedAt);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** The tree item of a run: label, description, tooltip (markdown) and context value, for the Runs view. */
export function runItem(run: RunRecord): { label: string; description: string; tooltip: string; contextValue: string } {
  const metrics = run.metrics ?? {};
  const headline = metrics.bestDevAccuracy !== undefined ? l10n.t('best dev {0}', percent(metrics.bestDevAccuracy))
    : metrics.accuracy !== undefined ? l10n.t('accuracy {0}', percent(metrics.accuracy))
    : metrics.tokenF1 !== undefined ? l10n.t('token F1 {0}', percent(metrics.tokenF1))
    : undefined;
  const time = new Date(run.startedAt).toLocaleString();
  const status = RUN_STATUS_LABELS[run.status];
  const description = [run.status === 'done' ? undefined : status, headline, time].filter(Boolean).join(' · ');
  const code = (text: string) => `\`${text}\``;
  const lines = [
    `**${run.title}** (${RUN_KIND_NAMES[run.kind]}, ${status})`,
    '',
    `- ${run.endedAt ? l10n.t('Started: {0}; ended {1}', time, new Date(run.endedAt).toLocaleString()) : l10n.t('Started: {0}', time)}`,
    `- ${l10n.t('Model: {0}', code(run.model))}`,
    ...run.promptFiles.map((f) => `- ${l10n.t('Prompt: {0}', code(f))}`),
    ...(run.softPrompts ?? []).map((f) => `- ${l10n.t('Soft prompt: {0}', code(f))}`),
    ...run.data.map((d) => `- ${l10n.t({ message: '{0} data: {1}', args: [d.role, code(d.file)], comment: ['{0}: the dataset role, train, dev or test; {1}: its path'] })}${d.rows !== undefined ? ` ${l10n.t('({0} rows)', d.rows)}` : ''}${d.hash ? `, sha256 ${d.hash.slice(0, 12)}…` : ''}`),
    ...Object.entries(metrics).map(([k, v]) => `- ${k}: ${Number.isInteger(v) ? v : v.toFixed(4)}`),
    ...(run.checkpointStep !== undefined ? [`- ${l10n.t('Checkpoint kept: step {0}', run.checkpointStep)}`] : []),
    ...Object.entries(run.outputs).filter(([, v]) => v).map(([k, v]) => `- ${l10n.t({ message: 'Output ({0}): {1}', args: [k, code(String(v))], comment: ['{0}: adapter, report, reportHtml, predictions or prompt; {1}: its path'] })}`),
    ...(run.message ? ['', run.message] : []),
  ];
  const flags = [
    'run', run.kind, run.status,
    ...(run.kind === 'training' && run.curve && run.curve.loss.length > 0 ? ['curve'] : []),
    ...(run.outputs.report ? ['report'] : []),
    ...(outputFolder(run) ? ['output'] : []),
  ];
  return { label: run.title, description, tooltip: lines.join('\n'), contextValue: flags.join(' ') };
}

/** The folder to reveal for a run: its adapter, report or written prompt's folder. */
export function outputFolder(run: RunRecord): string | undefined {
  const o = run.outputs;
  if (o.adapter) return o.adapter;
  const file = o.report ?? o.prompt ?? o.predictions;
  return file ? path.dirname(file) : undefined;
}

function percent(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}
