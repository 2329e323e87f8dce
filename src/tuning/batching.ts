/**
 * The order in which training examples are visited, epoch by epoch.
 * Shuffled epochs are length-bucketed: within windows of BUCKET_WINDOW batches the examples are sorted by
 * token length before being cut into batches (so a batch pads little), and the batches are then shuffled.
 * With `strata` (each example's class) every batch also holds the classes in the training set's
 * proportions: with small batches, a batch that happens to be mostly one class drags the soft prompt
 * towards predicting that class, and the next batch drags it back (on SST-2 that random walk of the
 * label bias cost more accuracy than the prompt gained).
 * Unshuffled epochs keep file order exactly.
 */
import type { ScoredExample } from '../engine/api';
import { createRng, shuffled, type Rng } from '../data/random';

export const BUCKET_WINDOW = 32;

export interface BatchPlanOptions {
  batchSize: number;
  shuffle: boolean;
  /** Group examples of similar length into a batch (only when shuffling). Default true. */
  bucketing?: boolean;
  /** Class of each example: shuffled batches are stratified by it. Undefined: plain shuffling. */
  strata?: readonly number[];
}

/** The batches (lists of example indices) of one epoch. The rng is consumed only when shuffling. */
export function epochBatches(lengths: readonly number[], options: BatchPlanOptions, rng: Rng): number[][] {
  const { batchSize, strata } = options;
  const all = lengths.map((_, i) => i);
  if (!options.shuffle) return chunk(all, batchSize);
  const order = strata ? interleaveStrata(shuffled(all, rng), strata) : shuffled(all, rng);
  if (options.bucketing === false) return shuffled(chunk(order, batchSize), rng);
  const batches: number[][] = [];
  const window = batchSize * BUCKET_WINDOW;
  const byLength = (a: number, b: number) => lengths[a] - lengths[b];
  for (let start = 0; start < order.length; start += window) {
    const members = order.slice(start, start + window);
    // Array.prototype.sort is stable, so ties keep their shuffled order.
    batches.push(...chunk(strata ? interleaveStrata(members, strata, byLength) : members.sort(byLength), batchSize));
  }
  return shuffled(batches, rng);
}

/**
 * Merges the classes of `indices` so that every stretch of the result holds them in their overall
 * proportions: the j-th of a class's n members goes to fractional position (j + ½) / n. Within a class the
 * given order is kept, or `compare`'s order when given (sorting every class by length keeps neighbours of
 * similar length, so bucketing still works).
 */
export function interleaveStrata(indices: readonly number[], strata: readonly number[], compare?: (a: number, b: number) => number): number[] {
  const groups = new Map<number, number[]>();
  for (const i of indices) {
    const group = groups.get(strata[i]);
    if (group) group.push(i);
    else groups.set(strata[i], [i]);
  }
  const placed: { index: number; at: number }[] = [];
  for (const members of groups.values()) {
    if (compare) members.sort(compare);
    members.forEach((index, j) => placed.push({ index, at: (j + 0.5) / members.length }));
  }
  return placed.sort((a, b) => a.at - b.at).map((p) => p.index);
}

export interface BatchStreamOptions {
  batchSize: number;
  shuffle: boolean;
  /** Stratify shuffled batches by gold label (classification examples only). Default true. */
  stratify?: boolean;
  seed: number;
}

/**
 * The trainer's batches, one call per step, epoch after epoch: what `trainSoftPrompt` visits, and what
 * `ptune export-peft` writes out so that the exported PEFT run visits the same rows in the same order.
 */
export function batchStream(train: readonly ScoredExample[], options: BatchStreamOptions): () => { batch: number[]; epoch: number } {
  // Shuffling draws from its own stream so the init (seeded with `seed` itself) does not shift it.
  const rng = createRng(options.seed ^ 0x5bd1e995);
  const lengths = train.map((e) => e.promptIds.length + Math.max(...e.continuations.map((c) => c.length)));
  // The losses need every example's gold index, so it is there to stratify by.
  const strata = options.stratify !== false && isClassification(train) ? train.map((e) => e.gold!) : undefined;
  let pending: number[][] = [];
  let epoch = 0;
  return () => {
    if (pending.length === 0) {
      pending = epochBatches(lengths, { batchSize: options.batchSize, shuffle: options.shuffle, strata }, rng);
      epoch++;
    }
    return { batch: pending.shift()!, epoch };
  };
}

/** Every example chooses among candidate labels (rather than continuing with one target). */
export function isClassification(examples: readonly ScoredExample[]): boolean {
  return examples.every((e) => e.continuations.length > 1);
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
