/**
 * Per-example latency: score single examples (batch of 1) from an evenly spread sample of the rows and
 * report the median and 95th percentile. Throughput (batched) is measured separately by the evaluation.
 */
import type { ModelEngine, PromptParams } from '../engine/api';
import type { EvalItem } from '../eval/evaluate';
import { quantile } from './stats';
import type { LatencySummary } from './report/schema';

export const DEFAULT_LATENCY_SAMPLE = 32;

/** `size` indices spread evenly over [0, n): the same rows for every prompt, whatever their order. */
export function spreadSample(n: number, size: number): number[] {
  const k = Math.min(n, size);
  return Array.from({ length: k }, (_, i) => Math.floor((i * n) / k));
}

export async function measureLatency(
  engine: ModelEngine,
  items: readonly EvalItem[],
  options: { soft?: PromptParams; sampleSize?: number; signal?: AbortSignal } = {},
): Promise<LatencySummary> {
  const sample = spreadSample(items.length, options.sampleSize ?? DEFAULT_LATENCY_SAMPLE).map((i) => items[i]);
  if (sample.length === 0) return { p50: 0, p95: 0, sampleSize: 0 };
  // One untimed call first: the engine builds its sessions lazily, and that one-off cost is not latency.
  await engine.score([sample[0].example], options.soft);
  const milliseconds: number[] = [];
  for (const item of sample) {
    options.signal?.throwIfAborted();
    const started = performance.now();
    await engine.score([item.example], options.soft);
    milliseconds.push(performance.now() - started);
  }
  return { p50: quantile(milliseconds, 0.5), p95: quantile(milliseconds, 0.95), sampleSize: sample.length };
}
