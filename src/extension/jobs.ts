/**
 * Runs model work in the worker thread, never in the extension host. Long jobs get a cancellable progress
 * notification and a status-bar item; every job is listed in the UI store (so the webviews can cancel it)
 * and logged to the output channel. Cancel Running Job cancels through here.
 */
import * as vscode from 'vscode';
import { JobCancelledError, WorkerClient } from '../worker/client';
import type { Device } from '../engine/runtime/device';
import type { WeightFormat } from '../engine/models/quantize';
import type { JobKind, JobParams, JobProgress, JobResult } from '../worker/protocol';
import type { UiStore } from './views/uiStore';
import type { JobSummary } from './views/protocol';
import { RestrictedModeError } from './trust';
import { STRINGS } from './strings';

export interface JobOptions<K extends JobKind> {
  /** Shown in the notification, status bar, side panel and output channel. */
  title: string;
  /** Long jobs show a cancellable notification and the status-bar item; short ones (previews) run quietly. */
  long: boolean;
  onProgress?: (progress: JobProgress<K>) => void;
  /** Called with the job's id as soon as it is queued (to let a view cancel it). */
  onStart?: (id: string) => void;
  /** A one-line description of a progress event, for the notification and status bar. */
  describe?: (progress: JobProgress<K>) => { message: string; fraction?: number } | undefined;
}

interface RunningJob {
  summary: JobSummary;
  long: boolean;
  cancel(): void;
}

export class CancelledError extends Error {
  constructor(title: string) {
    super(vscode.l10n.t({ message: '{0} was cancelled', args: [title], comment: ['{0}: the title of a job, e.g. "Train Soft Prompt"'] }));
    this.name = 'CancelledError';
  }
}

export class Jobs implements vscode.Disposable {
  private client: WorkerClient | undefined;
  private readonly running = new Map<string, RunningJob>();
  private readonly statusBar = vscode.window.createStatusBarItem('promptTuning.job', vscode.StatusBarAlignment.Left, 10);

  constructor(
    /** The worker's settings, read when a worker starts. */
    private readonly workerSettings: () => { threads: number | undefined; device: Device; weights: WeightFormat },
    private readonly store: UiStore,
    private readonly output: vscode.LogOutputChannel,
  ) {
    this.statusBar.name = vscode.l10n.t('Prompt Tuning job');
    // A click on the status bar is easy to make by accident: it asks before stopping (a training can take hours).
    this.statusBar.command = { command: 'promptTuning.cancelJob', title: vscode.l10n.t('Cancel Running Job'), arguments: [{ confirm: true }] };
  }

  /** The running long jobs (the ones a user sees and may cancel), newest last. */
  get list(): JobSummary[] {
    return [...this.running.values()].filter((job) => job.long).map((job) => job.summary);
  }

  /**
   * Runs a worker job. Resolves with its result; rejects with CancelledError when cancelled (from the
   * notification, the status bar, a webview or the Cancel Running Job command) and with the worker's error otherwise.
   */
  run<K extends JobKind>(kind: K, params: JobParams<K>, options: JobOptions<K>): Promise<JobResult<K>> {
    // The last line of defence: commands check trust first and say so once (requireTrust).
    if (!vscode.workspace.isTrusted) return Promise.reject(new RestrictedModeError());
    // Progress arrives asynchronously, after `job` and the notification's `report` exist.
    let report: ((d: { message: string; fraction?: number }) => void) | undefined;
    let cancelled = false;
    const handle = this.worker().run(kind, params, {
      onProgress: (progress: JobProgress<K>) => {
        options.onProgress?.(progress);
        const described = options.long ? options.describe?.(progress) : undefined;
        if (described) {
          job.summary = { ...job.summary, message: described.message, fraction: described.fraction };
          this.publish();
          report?.(described);
        }
      },
    });
    const job: RunningJob = {
      summary: { id: handle.id, title: options.title },
      long: options.long,
      cancel: () => {
        cancelled = true;
        handle.cancel();
      },
    };
    this.running.set(handle.id, job);
    if (options.long) this.publish();
    options.onStart?.(handle.id);
    const started = Date.now();
    if (options.long) this.output.info(`${options.title}: started (job ${handle.id})`);
    const result = handle.result.then(
      (value) => {
        if (options.long) this.output.info(`${options.title}: finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        return value;
      },
      (error: unknown) => {
        if (cancelled || error instanceof JobCancelledError) {
          this.output.info(`${options.title}: cancelled`);
          throw new CancelledError(options.title);
        }
        this.output.error(`${options.title}: ${errorMessage(error)}`);
        throw error;
      },
    ).finally(() => {
      this.running.delete(handle.id);
      if (options.long) this.publish();
    });
    if (options.long) {
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: options.title, cancellable: true },
        (progress, token) => {
          let reported = 0;
          report = ({ message, fraction }) => {
            const increment = fraction === undefined ? undefined : Math.max(0, fraction * 100 - reported);
            if (fraction !== undefined) reported = fraction * 100;
            progress.report({ message, increment });
          };
          token.onCancellationRequested(() => job.cancel());
          return result.catch(() => undefined);
        },
      );
    }
    return result;
  }

  cancel(id: string): boolean {
    const job = this.running.get(id);
    job?.cancel();
    return job !== undefined;
  }

  /** Stops the worker (its jobs fail) so the next job starts a fresh one, e.g. after the model setting changed. */
  async restartWorker(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    for (const job of this.running.values()) job.cancel();
    await client?.dispose();
  }

  private worker(): WorkerClient {
    this.client ??= new WorkerClient({ ...this.workerSettings(), onLog: (text) => (/warning|FAILED/.test(text) ? this.output.warn(text) : this.output.info(text)) });
    return this.client;
  }

  private publish(): void {
    const jobs = this.list;
    this.store.update({ jobs });
    void vscode.commands.executeCommand('setContext', 'promptTuning.jobRunning', jobs.length > 0);
    const latest = jobs.at(-1);
    if (!latest) {
      this.statusBar.hide();
      return;
    }
    const percent = latest.fraction === undefined ? '' : ` ${Math.round(latest.fraction * 100)}%`;
    this.statusBar.text = `$(sync~spin) ${latest.title}${percent}${jobs.length > 1 ? ` (+${jobs.length - 1})` : ''}`;
    this.statusBar.tooltip = `${latest.message ?? latest.title}\n${vscode.l10n.t('Click to stop (asks first)')}`;
    this.statusBar.show();
  }

  dispose(): void {
    this.statusBar.dispose();
    void this.restartWorker();
  }
}

/** Asks before stopping a job (from the status bar). */
export async function confirmCancel(job: JobSummary): Promise<boolean> {
  const choice = await vscode.window.showWarningMessage(STRINGS.confirmCancel(job.title), { modal: true, detail: STRINGS.confirmCancelDetail }, STRINGS.stopJob);
  return choice === STRINGS.stopJob;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
