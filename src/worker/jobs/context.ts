/** What a job handler gets from the worker: cancellation, progress reporting and the cached models. */
import type { ModelEngine } from '../../engine/api';
import type { JobKind, JobParams, JobProgress, JobResult } from '../protocol';

export interface JobContext<K extends JobKind> {
  /** Aborted when the caller cancels; handlers check it between model calls. */
  signal: AbortSignal;
  progress(progress: JobProgress<K>): void;
  /** The loaded model for a checkpoint folder (cached across jobs). */
  engine(modelDir: string): Promise<ModelEngine>;
  /** The worker's thread setting, for work that runs its own sessions (projections). */
  threads?: number;
}

export type JobHandler<K extends JobKind> = (params: JobParams<K>, ctx: JobContext<K>) => Promise<JobResult<K>>;

export type JobHandlers = { [K in JobKind]: JobHandler<K> };
