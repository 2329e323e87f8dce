/**
 * The model worker thread's entry point: runs jobs sent by WorkerClient (./client.ts) and answers with
 * progress, result and error messages (./protocol.ts). Every job runs here, so the calling thread never
 * blocks on model work; jobs are independent async tasks and may overlap.
 */
import { parentPort, workerData } from 'worker_threads';
import { isUserError } from '../engine/errors';
import { EngineCache, engineLoader } from './engines';
import type { JobContext, JobHandler } from './jobs/context';
import { jobHandlers } from './jobs';
import { JOB_KINDS, type FromWorker, type JobKind, type ToWorker, type WorkerConfig } from './protocol';

if (!parentPort) throw new Error('src/worker/worker.ts must run as a worker thread (use WorkerClient)');
const port = parentPort;
const config = (workerData ?? {}) as WorkerConfig;
// Device reports (parity check, node placement) go to stderr, which the CLI shows and the extension logs.
const deviceSetting = config.device && config.device !== 'cpu' ? { device: config.device, log: (text: string) => process.stderr.write(`ptune: ${text}\n`) } : undefined;
const engines = new EngineCache(engineLoader(config.engineModule), config.threads, deviceSetting, config.weights, config.batchMemoryMB);
const running = new Map<string, AbortController>();

function send(message: FromWorker): void {
  port.postMessage(message);
}

async function start(id: string, kind: JobKind, params: unknown): Promise<void> {
  const controller = new AbortController();
  running.set(id, controller);
  try {
    if (!JOB_KINDS.includes(kind)) throw new Error(`unknown job kind ${JSON.stringify(kind)}`);
    const ctx: JobContext<JobKind> = {
      signal: controller.signal,
      progress: (progress) => send({ type: 'progress', id, progress }),
      engine: (dir) => engines.get(dir),
      threads: config.threads,
    };
    const handler = jobHandlers[kind] as JobHandler<JobKind>;
    const result = await handler(params as never, ctx);
    send({ type: 'result', id, result });
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    if (controller.signal.aborted) {
      send({ type: 'error', id, message: 'cancelled', isUserError: true, cancelled: true });
    } else {
      send({ type: 'error', id, message: error.message, isUserError: isUserError(error), stack: isUserError(error) ? undefined : error.stack });
    }
  } finally {
    running.delete(id);
  }
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'start') void start(message.id, message.kind, message.params);
  else if (message.type === 'cancel') running.get(message.id)?.abort();
});
