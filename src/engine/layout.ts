/**
 * Turns token sequences (plus where the soft prompt goes) into the dense, right-padded batch arrays the
 * graph takes. Position ids run over the whole sequence, virtual tokens included (PEFT's convention).
 * Causal attention plus right padding means padding never changes a real token's result.
 */
export interface SequenceSpec {
  ids: number[];
  /** Index into `ids` before which the virtual tokens go; undefined: no soft prompt in this sequence. */
  softAt?: number;
}

export interface BatchArrays {
  batch: number;
  length: number;
  ids: BigInt64Array;
  positions: BigInt64Array;
  attnBias: Float32Array | Float64Array;
  /** The causal bias restricted to the sliding window (query − key < window), when the model has one. */
  attnBiasSliding?: Float32Array | Float64Array;
  placement?: Float32Array | Float64Array;
  tokenMask?: Float32Array | Float64Array;
}

/** Large enough to zero a softmax weight, small enough to stay finite when added to a score. */
export const MASKED = -1e9;

/** Sequence lengths are rounded up to a multiple of 8 so similar batches share a session. */
export function bucketLength(n: number, max: number): number {
  return Math.min(max, Math.ceil(n / 8) * 8);
}

/** Full-layout length of a sequence: its tokens plus the virtual tokens when it carries the soft prompt. */
export function layoutLength(s: SequenceSpec, numVirtual: number): number {
  return s.ids.length + (s.softAt === undefined ? 0 : numVirtual);
}

/**
 * Additive attention bias [B, 1, T, S]: query t of row b sees key s when the key slot holds a token
 * (keyPositions ≥ 0), is not after the query (key position ≤ query position) and, with a window, is less than
 * `window` positions behind it (transformers' sliding window: q − k < window).
 */
export function attentionBias(queryPositions: Int32Array, keyPositions: Int32Array, B: number, T: number, S: number, float64: boolean, window?: number): Float32Array | Float64Array {
  const bias = new (float64 ? Float64Array : Float32Array)(B * T * S).fill(MASKED);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const q = queryPositions[b * T + t];
      const row = (b * T + t) * S;
      for (let s = 0; s < S; s++) {
        const k = keyPositions[b * S + s];
        if (k >= 0 && k <= q && (window === undefined || q - k < window)) bias[row + s] = 0;
      }
    }
  }
  return bias;
}

/**
 * A shared prefix already computed (its keys/values in `slots` cache slots, the first `length` of them real):
 * the batch's tokens continue after it, at positions length, length + 1, …, and every row sees its slots.
 */
export interface CachedPrefix {
  length: number;
  slots: number;
}

export function buildBatch(seqs: SequenceSpec[], numVirtual: number, length: number, float64: boolean, slidingWindow?: number, prefix?: CachedPrefix): BatchArrays {
  const B = seqs.length;
  const T = length;
  const [P, S] = [prefix?.length ?? 0, prefix?.slots ?? 0];
  const Arr = float64 ? Float64Array : Float32Array;
  const ids = new BigInt64Array(B * T);
  const positions = new BigInt64Array(B * T);
  const queryPositions = new Int32Array(B * T);
  // Keys: the prefix's slots, then this batch's own tokens.
  const keyPositions = new Int32Array(B * (S + T)).fill(-1);
  const placement = numVirtual > 0 ? new Arr(B * T * numVirtual) : undefined;
  const tokenMask = numVirtual > 0 ? new Arr(B * T) : undefined;
  seqs.forEach((s, b) => {
    const n = layoutLength(s, numVirtual);
    const k = s.softAt;
    for (let t = 0; t < T; t++) {
      const row = b * T + t;
      // Padding rows (t ≥ n) query the real tokens only; their results are never read.
      queryPositions[row] = P + t;
      if (t >= n) continue;
      positions[row] = BigInt(P + t);
      keyPositions[b * (S + T) + S + t] = P + t;
      const isVirtual = k !== undefined && t >= k && t < k + numVirtual;
      if (isVirtual) placement![row * numVirtual + (t - k)] = 1;
      else {
        ids[row] = BigInt(s.ids[k !== undefined && t >= k + numVirtual ? t - numVirtual : t]);
        if (tokenMask) tokenMask[row] = 1;
      }
    }
  });
  for (let b = 0; b < B; b++) for (let s = 0; s < P; s++) keyPositions[b * (S + T) + s] = s;
  const attnBias = attentionBias(queryPositions, keyPositions, B, T, S + T, float64);
  const attnBiasSliding = slidingWindow !== undefined ? attentionBias(queryPositions, keyPositions, B, T, S + T, float64, slidingWindow) : undefined;
  return { batch: B, length: T, ids, positions, attnBias, attnBiasSliding, placement, tokenMask };
}
