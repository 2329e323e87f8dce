/**
 * Block-quantized frozen weights: onnxruntime's MatMulNBits (com.microsoft) multiplies float activations by a
 * weight stored as 4- or 8-bit integers with one float scale per block of `blockSize` values along each row.
 * The gradient with respect to the activations needs the weight's transpose, which MatMulNBits cannot read from
 * the same blocks, so training uses a second copy quantized along the other axis (graph inputs `<weight>.qT`).
 */
import { MS_DOMAIN, type Graph, type Value } from './graph';

export type NBits = 4 | 8;

export interface NBitsSpec {
  bits: NBits;
  blockSize: number;
}

/** Graph input names of a weight's quantized copy: `transposed` is the copy the input gradient reads. */
export function quantizedNames(weight: string, transposed: boolean): { q: string; scales: string } {
  return transposed ? { q: `${weight}.qT`, scales: `${weight}.scalesT` } : { q: `${weight}.q`, scales: `${weight}.scales` };
}

/** MatMulNBits' layout of a [rows, cols] matrix quantized along cols. */
export function nbitsShapes(rows: number, cols: number, spec: NBitsSpec): { q: number[]; scales: number[] } {
  const blocks = Math.ceil(cols / spec.blockSize);
  return { q: [rows, blocks, (spec.blockSize * spec.bits) / 8], scales: [rows * blocks] };
}

const WEIGHT_SUFFIX = /\.qT?$/;

/**
 * x [..., K] · Wᵀ for the frozen weight W [N, K] stored quantized; with `transposed`, the copy holding Wᵀ
 * (here N and K name that copy's rows and columns). Its inputs are declared on first use, so a forward graph
 * never asks for the transposed copy.
 */
export function matmulNBits(g: Graph, x: Value, weight: string, N: number, K: number, spec: NBitsSpec, transposed = false): Value {
  const names = quantizedNames(weight, transposed);
  const shapes = nbitsShapes(N, K, spec);
  const q = g.has(names.q) ? g.value(names.q) : g.input(names.q, shapes.q, 'uint8');
  const scales = g.has(names.scales) ? g.value(names.scales) : g.input(names.scales, shapes.scales);
  return g.ops('MatMulNBits', [x, q, scales], { K, N, bits: spec.bits, block_size: spec.blockSize }, undefined, MS_DOMAIN)[0];
}

/** dA = dY·W for a forward MatMulNBits node A·Wᵀ: the transposed copy, [K, N] quantized along N. */
export function matmulNBitsInputGrad(g: Graph, dy: Value, quantizedInput: Value, attrs: Record<string, unknown>): Value {
  const weight = quantizedInput.name.replace(WEIGHT_SUFFIX, '');
  const spec = { bits: attrs.bits as NBits, blockSize: attrs.block_size as number };
  return matmulNBits(g, dy, weight, attrs.K as number, attrs.N as number, spec, true);
}
