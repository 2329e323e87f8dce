/** Training progress on stderr: a bar on a terminal, a few plain lines otherwise (logs, CI). */
import { createProgressSink, type ProgressSink } from '../bench/progress';
import type { TrainJobProgress } from '../worker/protocol';
import type { OutStream } from './io';

export function trainProgressReporter(stream: OutStream, task = 'train'): { onProgress(p: TrainJobProgress): void; close(): void } {
  const sink: ProgressSink = createProgressSink(stream as OutStream & NodeJS.WritableStream);
  return {
    onProgress(p) {
      switch (p.type) {
        case 'status':
          sink.log(p.message);
          return;
        case 'step':
          sink.update({ task, done: p.step, total: p.totalSteps, detail: `epoch ${p.epoch} · loss ${p.loss.toFixed(4)} · lr ${p.lr.toPrecision(3)} · ${p.examplesPerSecond.toFixed(1)} ex/s · ETA ${duration(p.etaSeconds)}` });
          return;
        case 'eval':
          sink.log(`step ${p.step}: dev loss ${p.loss.toFixed(4)}${p.accuracy !== undefined ? `, accuracy ${(100 * p.accuracy).toFixed(1)}%` : ''}${p.isBest ? ' (best so far)' : ''}`);
          return;
        case 'checkpoint':
          return;
      }
    },
    close: () => sink.close(),
  };
}

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${Math.round(seconds - 60 * m)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
