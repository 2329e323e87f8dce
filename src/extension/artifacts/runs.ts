/**
 * The run history as the flows use it: `begin` records a run as running before its job starts, the handle
 * records how it ended. Dataset hashes (`rowsHash` of the rows, as the training record and the benchmark
 * report have them) are computed while the job runs and written with the end.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readDataset } from '../../data/read';
import { CancelledError, errorMessage } from '../jobs';
import { RUN_HISTORY_FILE, RunHistory, type NewRun, type RunDataFile, type RunPatch, type RunRecord } from './runHistory';

export class Runs implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  readonly history: RunHistory;
  /** Runs begun here and not ended yet. */
  private readonly open = new Set<string>();
  /** True once the extension is being deactivated (a window reload or close): runs still open end as interrupted. */
  closing = false;

  /** `root`: the workspace folder (the file is `.vscode/prompt-tuning/runs.jsonl` in it), else the cache directory. */
  constructor(root: string, inWorkspace: boolean, private readonly output: vscode.LogOutputChannel) {
    const file = inWorkspace ? path.join(root, RUN_HISTORY_FILE) : path.join(root, path.basename(RUN_HISTORY_FILE));
    this.history = new RunHistory(file, { warn: (message) => output.warn(`run history: ${message}`) });
  }

  list(): RunRecord[] {
    return this.guard(() => this.history.list()) ?? [];
  }

  /** On activation: runs of a window that was reloaded or closed while they ran. */
  markInterrupted(): RunRecord[] {
    const marked = this.guard(() => this.history.markInterrupted()) ?? [];
    if (marked.length > 0) this.changed.fire();
    return marked;
  }

  /** Records `run` as running now; the handle records its end. The history never stops a run: a failed write is logged. */
  begin(run: NewRun): RunHandle {
    const record = this.guard(() => this.history.start(run));
    if (record) this.open.add(record.id);
    this.changed.fire();
    const hashes = Promise.all(run.data.map((d) => hashData(d)));
    const end = async (status: 'done' | 'failed' | 'cancelled', patch: RunPatch) => {
      if (!record || !this.open.has(record.id)) return;
      const data = await hashes;
      if (!this.open.delete(record.id)) return; // recorded as interrupted meanwhile
      this.guard(() => this.history.finish(record.id, status, { data, ...patch }));
      this.changed.fire();
    };
    return {
      id: record?.id,
      update: (patch) => {
        if (record && this.open.has(record.id)) this.guard(() => this.history.update(record.id, patch));
      },
      done: (patch = {}) => end(patch.status === 'cancelled' ? 'cancelled' : 'done', patch),
      failed: (error, patch = {}) => end(error instanceof CancelledError ? 'cancelled' : 'failed', { message: error instanceof CancelledError ? vscode.l10n.t('Cancelled.') : errorMessage(error), ...patch }),
    };
  }

  private guard<T>(write: () => T): T | undefined {
    try {
      return write();
    } catch (error) {
      this.output.error(`run history ${this.history.file}: ${errorMessage(error)}`);
      return undefined;
    }
  }

  /**
   * The extension is deactivated (window reload or close): its runs are stopped with the worker, so they are
   * recorded as interrupted now, synchronously, with their last checkpoint. A run whose host dies before this
   * (a crash) is marked by the next activation's markInterrupted.
   */
  dispose(): void {
    this.closing = true;
    for (const id of this.open) this.guard(() => this.history.interrupt(id));
    this.open.clear();
    this.changed.dispose();
  }
}

export interface RunHandle {
  id: string | undefined;
  update(patch: RunPatch): void;
  /** The run ended (a `status: 'cancelled'` patch: it was cancelled but kept a result, as a training does). */
  done(patch?: RunPatch): Promise<void>;
  failed(error: unknown, patch?: RunPatch): Promise<void>;
}

/**
 * The data file with its rows' hash (as read, before a prompt's column mapping) and count; unchanged when it
 * cannot be read (the job reports why). Training sets are not read here (they can be large): a training's
 * hash comes from the adapter's training record, which the worker wrote.
 */
async function hashData(d: RunDataFile): Promise<RunDataFile> {
  if (d.hash || d.role === 'train') return d;
  try {
    const dataset = await readDataset(d.file, { skipInvalid: true });
    return { ...d, hash: dataset.hash, rows: dataset.rows.length };
  } catch {
    return d;
  }
}
