/** Resolving a `--model` value for the CLI: hub ids download into the shared cache with progress on stderr. */
import { createProgressSink, type ProgressSink } from '../bench/progress';
import { formatBytes, type DownloadProgress } from '../hub/download';
import { cudaProviderPlan, describeFetch, fetchCudaProvider, missingCudaFiles } from '../hub/cuda-provider';
import { resolveModel } from '../hub/resolve';
import * as path from 'node:path';
import type { CliIo, OutStream } from './io';
import { duration } from './progress';

/** A byte-progress reporter: a bar on a terminal, a line per quarter otherwise; at most ten updates a second. */
export function downloadProgressReporter(stream: OutStream, task: string): { onProgress(p: DownloadProgress): void; onMessage(text: string): void; close(): void } {
  // Created on the first event: a folder or a cached model writes nothing (not even a terminal's cursor codes).
  let created: ProgressSink | undefined;
  const sink = () => (created ??= createProgressSink(stream as OutStream & NodeJS.WritableStream));
  let last = 0;
  return {
    onProgress(p) {
      const now = Date.now();
      if (now - last < 100 && p.receivedBytes < p.totalBytes) return;
      last = now;
      const mb = (n: number) => Math.round(n / 1e5) / 10;
      sink().update({ task: `${task} (MB)`, done: mb(p.receivedBytes), total: mb(p.totalBytes), detail: [p.bytesPerSecond > 0 ? `${formatBytes(p.bytesPerSecond)}/s · ETA ${duration(p.etaSeconds)}` : '', `${p.filesDone}/${p.filesTotal} files`].filter(Boolean).join(' · ') });
    },
    onMessage: (text) => sink().log(text),
    close: () => created?.close(),
  };
}

/** Runs `body` with an AbortSignal that Ctrl-C triggers. */
export async function withInterrupt<T>(io: CliIo, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const untrap = io.trapInterrupt?.(() => controller.abort());
  try {
    return await body(controller.signal);
  } finally {
    untrap?.();
  }
}

/** The folder for a `--model` value: a folder as is; a hub id from the cache, else downloaded with progress. */
export async function resolveModelForCli(value: string, io: CliIo, what = '--model'): Promise<string> {
  const progress = downloadProgressReporter(io.stderr, `download ${value}`);
  try {
    const resolved = await withInterrupt(io, (signal) => resolveModel(value, { env: io.env, what, signal, onProgress: progress.onProgress, onMessage: progress.onMessage }));
    return resolved.dir;
  } finally {
    progress.close();
  }
}

/**
 * `--device cuda` where onnxruntime-node's CUDA provider is not downloaded yet: fetches it (the files its own
 * install step would), saying what and from where, with progress on stderr. Nothing where it is in place or
 * where this platform has no such download.
 */
export async function ensureCudaProviderForCli(io: CliIo): Promise<void> {
  const plan = cudaProviderPlan({ env: io.env });
  if (!plan || missingCudaFiles(plan).length === 0) return;
  const started = Date.now();
  const progress = downloadProgressReporter(io.stderr, 'fetch the CUDA provider');
  let total = 0;
  try {
    await withInterrupt(io, (signal) =>
      fetchCudaProvider(plan, {
        signal,
        onStart: (info) => {
          total = info.bytes ?? 0;
          io.stderr.write(`ptune: --device cuda: fetching onnxruntime-node's CUDA provider (${describeFetch(info)}) from ${new URL(info.url).host} into ${path.dirname(plan.files[0].dest)}, once\n`);
        },
        onProgress: ({ received, total: size }) => {
          const seconds = (Date.now() - started) / 1000;
          const rate = seconds > 0 ? received / seconds : 0;
          const all = size ?? total;
          progress.onProgress({ file: 'package.nupkg', receivedBytes: received, totalBytes: all, bytesPerSecond: rate, etaSeconds: rate > 0 ? (all - received) / rate : 0, filesDone: 0, filesTotal: 1 });
        },
      }),
    );
  } finally {
    progress.close();
  }
}
