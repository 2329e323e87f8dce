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

export function buildBatch(seqs: SequenceSpec[], numVirtual: number, length: number, float64: boolean, slidingWindow?: number): BatchArrays {
  const B = seqs.length;
  const T = length;
  const Arr = float64 ? Float64Array : Float32Array;
  const ids = new BigInt64Array(B * T);
  const positions = new BigInt64Array(B * T);
  const attnBias = new Arr(B * T * T).fill(MASKED);
  const attnBiasSliding = slidingWindow !== undefined ? new Arr(B * T * T).fill(MASKED) : undefined;
  const placement = numVirtual > 0 ? new Arr(B * T * numVirtual) : undefined;
  const tokenMask = numVirtual > 0 ? new Arr(B * T) : undefined;
  seqs.forEach((s, b) => {
    const n = layoutLength(s, numVirtual);
    const k = s.softAt;
    for (let t = 0; t < T; t++) {
      const row = b * T + t;
      if (t < n) positions[row] = BigInt(t);
      const isVirtual = k !== undefined && t >= k && t < k + numVirtual;
      if (isVirtual) placement![row * numVirtual + (t - k)] = 1;
      else if (t < n) {
        ids[row] = BigInt(s.ids[k !== undefined && t >= k + numVirtual ? t - numVirtual : t]);
        if (tokenMask) tokenMask[row] = 1;
      }
      // Query t attends to keys 0..min(t, n-1); padding rows see the real tokens only.
      const last = Math.min(t, n - 1);
      for (let key = 0; key <= last; key++) attnBias[row * T + key] = 0;
      if (attnBiasSliding) for (let key = Math.max(0, t - slidingWindow! + 1); key <= last; key++) attnBiasSliding[row * T + key] = 0;
    }
  });
  return { batch: B, length: T, ids, positions, attnBias, attnBiasSliding, placement, tokenMask };
}
