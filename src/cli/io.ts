/** What a CLI command talks to: its output streams, the worker client, and (in a real process) Ctrl-C. */
import type { RunOptions, WorkerClientOptions } from '../worker/client';
import { WorkerClient } from '../worker/client';
import type { JobKind, JobParams, JobResult } from '../worker/protocol';
import { terminalSafe } from '../common/terminal';
import { ensureCudaProviderForCli } from './hub-progress';

export interface OutStream {
  write(text: string): unknown;
  isTTY?: boolean;
  /** The terminal's width, where it is one. */
  columns?: number;
}

export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
  /** Environment variables (PTUNE_MODEL, PTUNE_DEBUG). */
  env: Record<string, string | undefined>;
  /** Options for the WorkerClient every command runs its jobs through (tests inject a fake engine). */
  client?: WorkerClientOptions;
  /**
   * Calls `onInterrupt` on Ctrl-C until the returned function is called; absent in tests.
   * A second Ctrl-C is the process's business (it exits).
   */
  trapInterrupt?(onInterrupt: () => void): () => void;
}

/** --threads, --device, --weights and --batch-memory. */
export type RunSettings = Pick<WorkerClientOptions, 'threads' | 'device' | 'weights' | 'batchMemoryMB'>;

/** Runs `body` with a WorkerClient for the command's threads and device, and always stops the worker afterwards. */
export async function withClient<T>(io: CliIo, run: RunSettings, body: (client: WorkerClient) => Promise<T>): Promise<T> {
  if (run.device === 'cuda') await ensureCudaProviderForCli(io);
  const client = new WorkerClient({ ...io.client, threads: run.threads ?? io.client?.threads, device: run.device ?? io.client?.device, weights: run.weights ?? io.client?.weights, batchMemoryMB: run.batchMemoryMB ?? io.client?.batchMemoryMB });
  try {
    return await body(client);
  } finally {
    await client.dispose();
  }
}

/**
 * Runs one job and waits for its result; meanwhile Ctrl-C cancels it (after `onInterrupt`, e.g. a note on
 * what cancelling keeps).
 */
export async function runCancellable<K extends JobKind>(
  io: CliIo,
  client: WorkerClient,
  kind: K,
  params: JobParams<K>,
  options: RunOptions<K> & { onInterrupt?: () => void } = {},
): Promise<JobResult<K>> {
  const handle = client.run(kind, params, { onProgress: options.onProgress });
  const untrap = io.trapInterrupt?.(() => {
    options.onInterrupt?.();
    handle.cancel();
  });
  try {
    return await handle.result;
  } finally {
    untrap?.();
  }
}

/** Writes one line; control characters from data are shown escaped (see terminalSafe). */
export function line(stream: OutStream, text = ''): void {
  stream.write(`${terminalSafe(text)}\n`);
}

export function warn(io: CliIo, text: string): void {
  line(io.stderr, `ptune: warning: ${text}`);
}
