/**
 * Incremental decoding with a KV cache: one prefill run over the prompts (soft prompt included) returns each
 * layer's keys and values; every later step runs one token per sequence against the cached slots and appends
 * its own. Equals full recomputation (tested to 1e-4 against `Engine.logits` on every family).
 *
 * Cache layout, per layer [B, kvHeads, S, headDim]: slots 0..A−1 hold a prefix prompt's keys and values (A = its
 * virtual tokens, 0 without one; the same for every row), slots A..A+T0−1 the right-padded prefill (row b's real
 * tokens in A..A+n_b−1), slot A+T0+j step j's token. Positions stay the real ones (A + n_b + j), so masks,
 * sliding windows and RoPE see exactly the sequence a full forward would.
 */
import { isPrefixPrompt, type PromptParams } from './api';
import { kvNames, ropeInputNames, type HeadDims } from './heads';
import { attentionBias, bucketLength, layoutLength, type SequenceSpec } from './layout';
import type { ModelArch } from './models/family';
import { ropeTables } from './models/rope';
import type { HostArray } from './runtime/session';

type FloatArray = Float32Array | Float64Array;

/** What the decoder needs from the engine. */
export interface DecodeCore {
  readonly arch: ModelArch;
  readonly float64: boolean;
  weightFeeds(): Record<string, HostArray>;
  /** Feeds of a right-padded batch at its bucket length (ids, positions, masks, RoPE, soft prompt or prefix past). */
  batchFeeds(specs: SequenceSpec[], soft?: PromptParams): { feeds: Record<string, HostArray>; length: number; past: Pick<HeadDims, 'past' | 'pastShared'> };
  run(dims: HeadDims, feeds: Record<string, HostArray>): Promise<Record<string, HostArray>>;
}

export class KvDecoder {
  private readonly keys: FloatArray[] = [];
  private readonly values: FloatArray[] = [];
  private prefillLength = 0;
  private capacity = 0;
  private steps = 0;
  private readonly lengths: number[];
  /** Slots of a prefix prompt in front of every row (0: none). */
  private readonly prefixSlots: number;

  /** Logits at each prompt's last position (row-major [vocab] per sequence), after `start`. */
  constructor(
    private readonly core: DecodeCore,
    private readonly specs: SequenceSpec[],
    private readonly soft: PromptParams | undefined,
    private readonly maxNewTokens: number,
  ) {
    this.prefixSlots = isPrefixPrompt(soft) ? soft.numVirtual : 0;
    this.lengths = specs.map((s) => layoutLength(s, isPrefixPrompt(soft) ? 0 : (soft?.numVirtual ?? 0)));
  }

  /** Sequences decoded together. */
  get batch(): number {
    return this.specs.length;
  }

  /** Runs the prompts; returns the next-token logits of each. */
  async start(): Promise<Float32Array[]> {
    const { arch } = this.core;
    const B = this.specs.length;
    const nv = isPrefixPrompt(this.soft) ? 0 : (this.soft?.numVirtual ?? 0);
    const { feeds, length: T0, past } = this.core.batchFeeds(this.specs, this.soft);
    feeds.rowIdx = BigInt64Array.from(this.lengths.map((n, b) => BigInt(b * T0 + n - 1)));
    const r = await this.core.run({ kind: 'rows', batch: B, length: T0, numVirtual: nv, rows: B, presents: true, ...past }, feeds);
    const A = this.prefixSlots;
    this.prefillLength = A + T0;
    // Slots for every token but the last one generated (its keys are never needed).
    this.capacity = bucketLength(A + T0 + Math.max(0, this.maxNewTokens - 1), Number.MAX_SAFE_INTEGER);
    const { numLayers, numKeyValueHeads: kv, headDim: hd } = arch.dims;
    for (let l = 0; l < numLayers; l++) {
      const [present, pastNames] = [kvNames('present', l), kvNames('past', l)];
      this.keys.push(this.widen(r[present.key] as FloatArray, B, kv, T0, hd, A ? (feeds[pastNames.key] as FloatArray) : undefined));
      this.values.push(this.widen(r[present.value] as FloatArray, B, kv, T0, hd, A ? (feeds[pastNames.value] as FloatArray) : undefined));
    }
    return this.split(r.logits as FloatArray, B);
  }

  /** Appends one token to each sequence; returns the next-token logits of each. */
  async step(tokens: number[]): Promise<Float32Array[]> {
    const { arch, float64 } = this.core;
    const B = this.specs.length;
    if (tokens.length !== B) throw new Error(`step: ${tokens.length} tokens for ${B} sequences`);
    const S = this.capacity;
    const slot = this.prefillLength + this.steps;
    if (slot >= S) throw new Error(`step: the cache holds ${S} slots; decoding past maxNewTokens`);
    const A = this.prefixSlots;
    const queryPositions = Int32Array.from(this.lengths, (n) => A + n + this.steps);
    // Key positions of the cached slots, then the current token's own (the graph concatenates it last).
    const keyPositions = new Int32Array(B * (S + 1)).fill(-1);
    for (let b = 0; b < B; b++) {
      const row = b * (S + 1);
      for (let s = 0; s < A + this.lengths[b]; s++) keyPositions[row + s] = s;
      for (let j = 0; j < this.steps; j++) keyPositions[row + this.prefillLength + j] = A + this.lengths[b] + j;
      keyPositions[row + S] = queryPositions[b];
    }
    const positions = BigInt64Array.from(queryPositions, (p) => BigInt(p));
    const feeds: Record<string, HostArray> = {
      ...this.core.weightFeeds(),
      ids: BigInt64Array.from(tokens, (t) => BigInt(t)),
      positions,
      attnBias: attentionBias(queryPositions, keyPositions, B, 1, S + 1, float64),
      rowIdx: BigInt64Array.from({ length: B }, (_, b) => BigInt(b)),
    };
    if (arch.slidingWindow !== undefined) feeds.attnBiasSliding = attentionBias(queryPositions, keyPositions, B, 1, S + 1, float64, arch.slidingWindow);
    for (const spec of arch.rope) {
      const { cos, sin } = ropeTables(spec, positions, float64);
      const names = ropeInputNames(spec.name);
      [feeds[names.cos], feeds[names.sin]] = [cos, sin];
    }
    const { numLayers, numKeyValueHeads: kv, headDim: hd } = arch.dims;
    for (let l = 0; l < numLayers; l++) {
      const names = kvNames('past', l);
      [feeds[names.key], feeds[names.value]] = [this.keys[l], this.values[l]];
    }
    const r = await this.core.run({ kind: 'rows', batch: B, length: 1, numVirtual: 0, rows: B, past: S, presents: true }, feeds);
    for (let l = 0; l < numLayers; l++) {
      const names = kvNames('present', l);
      this.write(this.keys[l], r[names.key] as FloatArray, B, kv, hd, slot);
      this.write(this.values[l], r[names.value] as FloatArray, B, kv, hd, slot);
    }
    this.steps++;
    return this.split(r.logits as FloatArray, B);
  }

  /** [B, kv, T0, hd] (after a shared prefix [1, kv, A, hd], copied to every row) → the cache's [B, kv, S, hd], slots past A + T0 empty. */
  private widen(src: FloatArray, B: number, kv: number, T0: number, hd: number, prefix?: FloatArray): FloatArray {
    const A = this.prefixSlots;
    const out = new (this.core.float64 ? Float64Array : Float32Array)(B * kv * this.capacity * hd);
    for (let bh = 0; bh < B * kv; bh++) {
      const h = bh % kv;
      if (prefix) out.set(prefix.subarray(h * A * hd, (h + 1) * A * hd), bh * this.capacity * hd);
      out.set(src.subarray(bh * T0 * hd, (bh + 1) * T0 * hd), (bh * this.capacity + A) * hd);
    }
    return out;
  }

  /** Writes one step's [B, kv, 1, hd] into slot `slot`. */
  private write(cache: FloatArray, step: FloatArray, B: number, kv: number, hd: number, slot: number): void {
    for (let bh = 0; bh < B * kv; bh++) cache.set(step.subarray(bh * hd, (bh + 1) * hd), (bh * this.capacity + slot) * hd);
  }

  /** Each sequence's row; float32 rows are views (every run returns fresh output arrays), float64 ones converted. */
  private split(logits: FloatArray, B: number): Float32Array[] {
    const V = this.core.arch.dims.vocabSize;
    return Array.from({ length: B }, (_, b) => (logits instanceof Float32Array ? logits.subarray(b * V, (b + 1) * V) : Float32Array.from(logits.subarray(b * V, (b + 1) * V))));
  }
}
