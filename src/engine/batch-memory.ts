/**
 * How many examples go into one model run: as many as fit an activation-memory budget, so long sequences get
 * fewer rows per run and short ones more. The estimate is per example at a padded length, from the model's
 * dimensions: one layer's transient activations (forward), every layer's saved activations (training), and
 * log-probs over the vocabulary only for the rows that materialise them (heads.ts).
 */
import type { ModelArch } from './models/family';
import { availableMemory } from './models/memory';

const MIB = 1024 * 1024;

/** The default budget is this share of the memory available once the weights are loaded… */
export const BATCH_MEMORY_SHARE = 0.25;
/** …at most this (beyond it, larger runs are no faster on a CPU)… */
export const BATCH_MEMORY_CAP_MB = 2048;
/** …and at least this (a machine short of memory still runs one example at a time). */
export const BATCH_MEMORY_FLOOR_MB = 64;
/**
 * Rows per run never exceed this, whatever the budget: the budget only lowers it. Measured on SST-2 dev with
 * imdb-gpt2-small on 2 shared cores (one process alternating run sizes, 8 rounds): 16 rows score at 0.93× the
 * rate of 8 (median of per-round ratios), 4 and 32 slower still; bench:eval's 32-row runs ran at 0.5×.
 */
export const MAX_ROWS_PER_RUN = 8;

/** The default activation budget of one run, in bytes (PTUNE_MEMORY_LIMIT_MB lowers the available figure, see models/memory.ts). */
export function defaultBatchMemoryBytes(env: NodeJS.ProcessEnv = process.env): number {
  const share = availableMemory(env).bytes * BATCH_MEMORY_SHARE;
  return Math.max(BATCH_MEMORY_FLOOR_MB * MIB, Math.min(BATCH_MEMORY_CAP_MB * MIB, share));
}

/** What one example costs in a run. */
export interface ExampleCost {
  /** Sequences the example lays out (each continuation of several tokens is a sequence of its own). */
  sequences: number;
  /** Rows of full-vocabulary log-probs it reads, over all its sequences (0: none, as the restricted head). */
  vocabRows: number;
}

/** What every example of a run shares. */
export interface RunShape {
  /** Key/value slots before the tokens (a prefix prompt's). */
  past: number;
  /** Backward too: every layer's activations are kept for it. */
  withGrad: boolean;
  /** Bytes per float (4, or 8 for the float64 gradient checks). */
  floatBytes: number;
}

/** Largest linear width of a layer (the MLP's inner width, or gate and up fused): from the linear weights' shapes. */
function widest(arch: ModelArch): number {
  let w = arch.dims.hiddenSize;
  for (const name of arch.linearWeights) for (const n of arch.weightShapes.get(name) ?? []) w = Math.max(w, n);
  return w;
}

/**
 * Estimated activation bytes of one example at padded length T. Per layer and sequence, forward: the residual
 * stream, norms and projections (6 × T × H), queries/keys/values before and after RoPE (2 × T × (q + 2 kv)),
 * the MLP's inner activations (3 × T × W) and the attention scores, masked scores and probabilities
 * (3 × heads × T × (past + T)); only one layer's are live at a time. Training keeps about half of them per layer
 * for the backward pass (the inputs of each product and the attention probabilities). Each row of vocabulary
 * log-probs holds the logits and their log-softmax (2 × V).
 */
export function exampleActivationBytes(arch: ModelArch, T: number, cost: ExampleCost, shape: RunShape): number {
  const { hiddenSize: H, numLayers: L, numHeads: nh, numKeyValueHeads: kv, headDim: hd, vocabSize: V } = arch.dims;
  const W = widest(arch);
  const S = shape.past + T;
  const qkv = (nh + 2 * kv) * hd;
  const layer = T * (6 * H + 2 * qkv + 3 * W) + 3 * nh * T * S;
  const saved = T * (4 * H + qkv + 2 * W) + nh * T * S;
  const perSequence = layer + 2 * T * H + (shape.withGrad ? L * saved : 0);
  const floats = cost.sequences * perSequence + cost.vocabRows * 2 * V;
  return floats * shape.floatBytes;
}

/**
 * Splits `order` (indices sorted by length, shortest first) into consecutive runs: each as many examples as
 * fit `budget` bytes at the run's padded length (its last, longest member's), at most `maxRows`, and a power
 * of two except the last (so runs of similar lengths reuse the same few session shapes). An example over the
 * budget on its own still runs, alone.
 */
export function chunkByMemory(order: readonly number[], paddedLength: (i: number) => number, bytesOf: (i: number, T: number) => number, budget: number, maxRows = MAX_ROWS_PER_RUN): number[][] {
  const out: number[][] = [];
  let start = 0;
  while (start < order.length) {
    const fits = (n: number) => {
      const T = paddedLength(order[start + n - 1]);
      let bytes = 0;
      for (let k = start; k < start + n; k++) bytes += bytesOf(order[k], T);
      return bytes <= budget;
    };
    let n = Math.min(maxRows, order.length - start);
    while (n > 1 && !fits(n)) n = 2 ** Math.ceil(Math.log2(n) - 1);
    out.push(order.slice(start, start + n));
    start += n;
  }
  return out;
}
