/**
 * Frozen weights in fewer bits: each linear weight is stored as symmetric round-to-nearest integers with one
 * float scale per block of 32 values (MatMulNBits' layout: value = (q − 2^(bits−1)) · scale, two 4-bit values
 * per byte, the first in the low nibble). Embeddings, norms and the LM head stay float32: the soft prompt lives
 * in the embedding space, and the head's logits are what the loss reads.
 */
import { nbitsShapes, quantizedNames, type NBits, type NBitsSpec } from '../onnx/quantized';
import type { ModelArch } from './family';

export type WeightFormat = 'f32' | 'int8' | 'int4';
/** The choices of `--weights` and the `promptTuning.weights` setting. */
export const WEIGHT_FORMATS: readonly WeightFormat[] = ['f32', 'int8', 'int4'];
export const DEFAULT_WEIGHT_FORMAT: WeightFormat = 'f32';
export const QUANT_BLOCK_SIZE = 32;

export function nbitsSpec(format: WeightFormat): NBitsSpec | undefined {
  const bits: NBits | undefined = format === 'int8' ? 8 : format === 'int4' ? 4 : undefined;
  return bits ? { bits, blockSize: QUANT_BLOCK_SIZE } : undefined;
}

/** Memory per weight value of one quantized copy: the integer and its share of a float32 block scale. */
export function storedBytesPerValue(spec: NBitsSpec): number {
  return spec.bits / 8 + 4 / spec.blockSize;
}

export interface QuantizedMatrix {
  q: Uint8Array;
  scales: Float32Array;
}

/**
 * Quantizes the [rows, cols] matrix held row-major in `w` along its columns, or with `transpose` the [cols, rows]
 * matrix wᵀ along its columns (that is, along w's rows).
 */
export function quantizeBlocks(w: Float32Array, rows: number, cols: number, spec: NBitsSpec, transpose = false): QuantizedMatrix {
  const [R, C] = transpose ? [cols, rows] : [rows, cols];
  const at = transpose ? (r: number, c: number) => w[c * cols + r] : (r: number, c: number) => w[r * cols + c];
  const shapes = nbitsShapes(R, C, spec);
  const [blocks, blob] = [shapes.q[1], shapes.q[2]];
  const zero = 1 << (spec.bits - 1);
  const q = new Uint8Array(R * blocks * blob);
  const scales = new Float32Array(R * blocks);
  for (let r = 0; r < R; r++) {
    for (let b = 0; b < blocks; b++) {
      const [start, end] = [b * spec.blockSize, Math.min(C, (b + 1) * spec.blockSize)];
      let max = 0;
      for (let c = start; c < end; c++) max = Math.max(max, Math.abs(at(r, c)));
      const scale = max / (zero - 1);
      scales[r * blocks + b] = scale;
      const inverse = scale > 0 ? 1 / scale : 0;
      const offset = (r * blocks + b) * blob;
      for (let c = start; c < end; c++) {
        const v = Math.max(0, Math.min(2 * zero - 1, Math.round(at(r, c) * inverse) + zero));
        const j = c - start;
        if (spec.bits === 8) q[offset + j] = v;
        else q[offset + (j >> 1)] |= j & 1 ? v << 4 : v;
      }
      // Padding past the last column stays at the zero point, so it adds nothing.
      for (let j = end - start; j < spec.blockSize; j++) {
        if (spec.bits === 8) q[offset + j] = zero;
        else q[offset + (j >> 1)] |= j & 1 ? zero << 4 : zero;
      }
    }
  }
  return { q, scales };
}

/** The float matrix [rows, cols] a quantized one stands for (tests and accuracy checks). */
export function dequantizeBlocks(m: QuantizedMatrix, rows: number, cols: number, spec: NBitsSpec): Float32Array {
  const { q: [, blocks, blob] } = nbitsShapes(rows, cols, spec);
  const zero = 1 << (spec.bits - 1);
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const [b, j] = [Math.floor(c / spec.blockSize), c % spec.blockSize];
      const offset = (r * blocks + b) * blob;
      const v = spec.bits === 8 ? m.q[offset + j] : (m.q[offset + (j >> 1)] >> (j & 1 ? 4 : 0)) & 15;
      out[r * cols + c] = (v - zero) * m.scales[r * blocks + b];
    }
  }
  return out;
}

/**
 * A model's linear weights held quantized, as the graph inputs the linear blocks read: `<name>.q` and
 * `<name>.scales` ([out, in] quantized along in). The transposed copies the input gradient reads
 * (`<name>.qT`, `.scalesT`) are made from the checkpoint on the first gradient, so evaluation and generation
 * never hold them.
 */
export class QuantizedWeights {
  readonly names: ReadonlySet<string>;
  readonly feeds: Record<string, Uint8Array | Float32Array> = {};
  private withTransposed = false;

  constructor(
    private readonly arch: ModelArch,
    readonly spec: NBitsSpec,
    /** Reads a weight as float32, into `scratch` when it is long enough. */
    private readonly read: (name: string, scratch: Float32Array) => Float32Array,
  ) {
    this.names = new Set(arch.linearWeights);
    this.add(false);
  }

  /** Adds the transposed copies; true when this call made them. */
  ensureTransposed(): boolean {
    if (this.withTransposed) return false;
    this.add(true);
    this.withTransposed = true;
    return true;
  }

  private add(transposed: boolean): void {
    // One float32 buffer serves every weight in turn: the load never holds more than one unquantized tensor.
    const scratch = new Float32Array(Math.max(0, ...[...this.names].map((n) => this.arch.weightShapes.get(n)!.reduce((a, b) => a * b, 1))));
    for (const name of this.names) {
      const [rows, cols] = this.arch.weightShapes.get(name)!;
      // The forward copy is [out, in]: nn.Linear's own layout, GPT-2 Conv1D's transpose; the other copy is [in, out].
      const inOut = this.arch.linearLayout === 'in-out';
      const m = quantizeBlocks(this.read(name, scratch), rows, cols, this.spec, inOut !== transposed);
      const names = quantizedNames(name, transposed);
      this.feeds[names.q] = m.q;
      this.feeds[names.scales] = m.scales;
    }
  }
}
