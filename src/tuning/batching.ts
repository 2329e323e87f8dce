/**
 * The order in which training examples are visited, epoch by epoch.
 * Shuffled epochs are length-bucketed: within windows of BUCKET_WINDOW batches the examples are sorted by
 * token length before being cut into batches (so a batch pads little), and the batches are then shuffled.
 * Unshuffled epochs keep file order exactly.
 */
import { shuffled, type Rng } from '../data/random';

export const BUCKET_WINDOW = 32;

export interface BatchPlanOptions {
  batchSize: number;
  shuffle: boolean;
  /** Group examples of similar length into a batch (only when shuffling). Default true. */
  bucketing?: boolean;
}

/** The batches (lists of example indices) of one epoch. The rng is consumed only when shuffling. */
export function epochBatches(lengths: readonly number[], options: BatchPlanOptions, rng: Rng): number[][] {
  const { batchSize } = options;
  if (!options.shuffle) return chunk(lengths.map((_, i) => i), batchSize);
  const order = shuffled(lengths.map((_, i) => i), rng);
  if (options.bucketing === false) return chunk(order, batchSize);
  const batches: number[][] = [];
  const window = batchSize * BUCKET_WINDOW;
  for (let start = 0; start < order.length; start += window) {
    // Array.prototype.sort is stable, so ties keep their shuffled order.
    const sorted = order.slice(start, start + window).sort((a, b) => lengths[a] - lengths[b]);
    batches.push(...chunk(sorted, batchSize));
  }
  return shuffled(batches, rng);
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
