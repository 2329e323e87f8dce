/**
 * WorkerClient: the one way callers (the ptune CLI, the VS Code extension) run model jobs. It owns one
 * long-lived worker thread (./worker.ts), which keeps loaded models cached by folder between jobs.
 *
 * Usage:
 *   const client = new WorkerClient({ threads: 4 });
 *   const job = client.run('train', { model, train, template, out }, { onProgress: (p) => … });
 *   job.cancel();                      // cooperative: the worker stops at its next check
 *   const result = await job.result;   // JobResult<'train'>
 *   await client.dispose();            // stops the worker; pending jobs reject
 *
 * Errors: `job.result` rejects with
 *   - a UserError (name 'UserError') for problems the user can fix (bad file, bad option),
 *   - a JobCancelledError when the job was cancelled and gave up (a cancelled training run instead
 *     resolves, with stopReason 'cancelled', because it has a checkpoint to report),
 *   - a WorkerCrashedError when the worker thread died (every pending job gets it; the next run()
 *     starts a fresh worker),
 *   - otherwise an Error carrying the worker's message and stack (a bug).
 * No `vscode` import: the extension and the CLI share this file.
 */
import * as path from 'path';
import { Worker } from 'worker_threads';
import { UserError } from '../engine/errors';
import type { WeightFormat } from '../engine/models/quantize';
import type { Device } from '../engine/runtime/device';
import type { FromWorker, JobKind, JobParams, JobProgress, JobResult, ToWorker, WorkerConfig } from './protocol';

export interface WorkerClientOptions {
  /** onnxruntime intra-op threads per model run; default: one per physical core (onnxruntime's choice). */
  threads?: number;
  /** The compiled worker entry; default: worker.js beside this file. */
  workerPath?: string;
  /** See WorkerConfig.engineModule (tests). */
  engineModule?: string;
  /** Where models run; default cpu. */
  device?: Device;
  /** How the frozen linear weights are held; default f32. */
  weights?: WeightFormat;
  /** Activation memory of one model run, in MiB (engine LoadOptions.batchMemoryMB); default from the available memory. */
  batchMemoryMB?: number;
  /**
   * Receives the worker's stderr line by line (device reports: the parity check, node placement). Without it
   * the worker's stderr goes to this process's, which is what the CLI wants.
   */
  onLog?: (line: string) => void;
}

export interface JobHandle<K extends JobKind> {
  id: string;
  result: Promise<JobResult<K>>;
  cancel(): void;
}

export interface RunOptions<K extends JobKind> {
  onProgress?: (progress: JobProgress<K>) => void;
}

export class JobCancelledError extends Error {
  constructor(kind: string) {
    super(`${kind} job cancelled`);
    this.name = 'JobCancelledError';
  }
}

export class WorkerCrashedError extends Error {
  constructor(detail: string) {
    super(`the model worker stopped unexpectedly (${detail}); its running jobs were lost. This is a bug: please report it with PTUNE_DEBUG=1 output`);
    this.name = 'WorkerCrashedError';
  }
}

interface Pending {
  kind: JobKind;
  resolve(value: unknown): void;
  reject(error: Error): void;
  onProgress?: (progress: never) => void;
}

export class WorkerClient {
  private worker: Worker | undefined;
  private readonly pending = new Map<string, Pending>();
  private nextId = 1;
  private disposed = false;

  constructor(private readonly options: WorkerClientOptions = {}) {}

  run<K extends JobKind>(kind: K, params: JobParams<K>, options: RunOptions<K> = {}): JobHandle<K> {
    if (this.disposed) throw new Error('WorkerClient.run after dispose()');
    const id = `job-${this.nextId++}`;
    const worker = this.ensureWorker();
    const result = new Promise<JobResult<K>>((resolve, reject) => {
      this.pending.set(id, { kind, resolve: resolve as (value: unknown) => void, reject, onProgress: options.onProgress as ((p: never) => void) | undefined });
    });
    worker.ref();
    this.post(worker, { type: 'start', id, kind, params } as ToWorker);
    return {
      id,
      result,
      cancel: () => {
        if (this.pending.has(id) && this.worker) this.post(this.worker, { type: 'cancel', id });
      },
    };
  }

  /** Number of jobs not yet settled. */
  get running(): number {
    return this.pending.size;
  }

  /** Stops the worker; jobs still running reject with an Error saying the worker was stopped. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(new Error('the worker was stopped before the job finished'));
    if (worker) await worker.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const config: WorkerConfig = { threads: this.options.threads, engineModule: this.options.engineModule, device: this.options.device, weights: this.options.weights, batchMemoryMB: this.options.batchMemoryMB };
    const onLog = this.options.onLog;
    const worker = new Worker(this.options.workerPath ?? path.join(__dirname, 'worker.js'), { workerData: config, stderr: onLog !== undefined });
    if (onLog) {
      let partial = '';
      worker.stderr.setEncoding('utf8');
      worker.stderr.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop()!;
        for (const l of lines) if (l.trim() !== '') onLog(l);
      });
    }
    worker.on('message', (message: FromWorker) => this.onMessage(worker, message));
    worker.on('error', (error) => this.onDeath(worker, `uncaught ${error.name}: ${error.message}`));
    worker.on('messageerror', (error) => this.onDeath(worker, `unreadable message: ${error.message}`));
    worker.on('exit', (code) => this.onDeath(worker, `exit code ${code}`));
    this.worker = worker;
    return worker;
  }

  private post(worker: Worker, message: ToWorker): void {
    worker.postMessage(message);
  }

  private onMessage(worker: Worker, message: FromWorker): void {
    const job = this.pending.get(message.id);
    if (!job) return;
    switch (message.type) {
      case 'progress':
        job.onProgress?.(message.progress as never);
        return;
      case 'result':
        this.settle(worker, message.id);
        job.resolve(message.result);
        return;
      case 'error': {
        this.settle(worker, message.id);
        if (message.cancelled) job.reject(new JobCancelledError(job.kind));
        else if (message.isUserError) job.reject(new UserError(message.message));
        else {
          const error = new Error(message.message);
          if (message.stack) error.stack = message.stack;
          job.reject(error);
        }
        return;
      }
    }
  }

  private settle(worker: Worker, id: string): void {
    this.pending.delete(id);
    // An idle worker must not keep a CLI process alive.
    if (this.pending.size === 0) worker.unref();
  }

  private onDeath(worker: Worker, detail: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.failAll(new WorkerCrashedError(detail));
    void worker.terminate();
  }

  private failAll(error: Error): void {
    const jobs = [...this.pending.values()];
    this.pending.clear();
    for (const job of jobs) job.reject(error);
  }
}
