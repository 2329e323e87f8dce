/** What a CLI command talks to: its output streams, the worker client, and (in a real process) Ctrl-C. */
import type { WorkerClientOptions } from '../worker/client';
import { WorkerClient } from '../worker/client';

export interface OutStream {
  write(text: string): unknown;
  isTTY?: boolean;
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

/** Runs `body` with a WorkerClient for the command's threads, and always stops the worker afterwards. */
export async function withClient<T>(io: CliIo, threads: number | undefined, body: (client: WorkerClient) => Promise<T>): Promise<T> {
  const client = new WorkerClient({ ...io.client, threads: threads ?? io.client?.threads });
  try {
    return await body(client);
  } finally {
    await client.dispose();
  }
}

export function line(stream: OutStream, text = ''): void {
  stream.write(`${text}\n`);
}

export function warn(io: CliIo, text: string): void {
  line(io.stderr, `ptune: warning: ${text}`);
}
