/**
 * Static shape and dtype inference: one short rule per operator, so every value in a built graph has a
 * known shape (the gradient rules rely on it to undo broadcasting).
 */
import type { AttrValue, DType, Graph, Value } from './graph';

type Info = { shape: number[]; dtype: DType };
type Rule = (ins: readonly (Value | undefined)[], attrs: Record<string, AttrValue>, g: Graph) => Info[];

export function broadcastShapes(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const k = s[s.length - rank + i] ?? 1;
      if (k !== 1) {
        if (d !== 1 && d !== k) throw new Error(`cannot broadcast [${shapes.map((x) => `[${x}]`).join(', ')}]`);
        d = k;
      }
    }
    out.push(d);
  }
  return out;
}

const axisOf = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

/** Reads an int64 initializer's values (shape/axes arguments are always constants in our graphs). */
export function constInts(g: Graph, v: Value | undefined): number[] {
  if (!v) return [];
  const init = g.initializers.find((i) => i.value.name === v.name);
  if (!init || !(init.data instanceof BigInt64Array)) throw new Error(`${v.name} must be an int64 constant`);
  return Array.from(init.data, Number);
}

const same: Rule = (ins) => [{ shape: [...ins[0]!.shape], dtype: ins[0]!.dtype }];
const elementwise: Rule = (ins) => [{ shape: broadcastShapes(...ins.map((v) => v!.shape)), dtype: ins[0]!.dtype }];
const compare: Rule = (ins) => [{ shape: broadcastShapes(...ins.map((v) => v!.shape)), dtype: 'bool' }];

function reduce(ins: readonly (Value | undefined)[], attrs: Record<string, AttrValue>, g: Graph): Info[] {
  const x = ins[0]!;
  const axes = constInts(g, ins[1]).map((a) => axisOf(a, x.shape.length));
  const keep = attrs.keepdims !== 0;
  const shape: number[] = [];
  x.shape.forEach((d, i) => {
    if (!axes.includes(i)) shape.push(d);
    else if (keep) shape.push(1);
  });
  return [{ shape, dtype: x.dtype }];
}

export const SHAPE_RULES: Record<string, Rule> = {
  Identity: same, Neg: same, Exp: same, Log: same, Sqrt: same, Tanh: same, Reciprocal: same, Erf: same,
  Softmax: same, LogSoftmax: same, Gelu: same, Relu: same, Sigmoid: same,
  Add: elementwise, Sub: elementwise, Mul: elementwise, Div: elementwise, Pow: (ins) => [{ shape: broadcastShapes(ins[0]!.shape, ins[1]!.shape), dtype: ins[0]!.dtype }],
  Equal: compare, Less: compare, Greater: compare,
  Where: (ins) => [{ shape: broadcastShapes(ins[0]!.shape, ins[1]!.shape, ins[2]!.shape), dtype: ins[1]!.dtype }],
  Cast: (ins, attrs) => [{ shape: [...ins[0]!.shape], dtype: ({ 1: 'float32', 11: 'float64', 7: 'int64', 9: 'bool' } as Record<number, DType>)[attrs.to as number] }],
  MatMul: (ins) => {
    const [a, b] = [ins[0]!.shape, ins[1]!.shape];
    if (a.length < 2 || b.length < 2) throw new Error('MatMul: operands of rank ≥ 2 only');
    if (a[a.length - 1] !== b[b.length - 2]) throw new Error(`MatMul: [${a}] x [${b}]`);
    const batch = broadcastShapes(a.slice(0, -2), b.slice(0, -2));
    return [{ shape: [...batch, a[a.length - 2], b[b.length - 1]], dtype: ins[0]!.dtype }];
  },
  Gemm: (ins, attrs) => {
    const [a, b] = [ins[0]!.shape, ins[1]!.shape];
    const [m, ka] = attrs.transA ? [a[1], a[0]] : [a[0], a[1]];
    const [kb, n] = attrs.transB ? [b[1], b[0]] : [b[0], b[1]];
    if (ka !== kb) throw new Error(`Gemm: [${a}]${attrs.transA ? 'ᵀ' : ''} x [${b}]${attrs.transB ? 'ᵀ' : ''}`);
    return [{ shape: [m, n], dtype: ins[0]!.dtype }];
  },
  Reshape: (ins, _a, g) => [{ shape: constInts(g, ins[1]), dtype: ins[0]!.dtype }],
  Expand: (ins, _a, g) => [{ shape: broadcastShapes(ins[0]!.shape, constInts(g, ins[1])), dtype: ins[0]!.dtype }],
  Transpose: (ins, attrs) => [{ shape: (attrs.perm as number[]).map((p) => ins[0]!.shape[p]), dtype: ins[0]!.dtype }],
  Concat: (ins, attrs) => {
    const axis = axisOf(attrs.axis as number, ins[0]!.shape.length);
    const shape = [...ins[0]!.shape];
    shape[axis] = ins.reduce((s, v) => s + v!.shape[axis], 0);
    return [{ shape, dtype: ins[0]!.dtype }];
  },
  Slice: (ins, _a, g) => {
    const [starts, ends, axes] = [constInts(g, ins[1]), constInts(g, ins[2]), constInts(g, ins[3])];
    const shape = [...ins[0]!.shape];
    axes.forEach((ax, i) => {
      const a = axisOf(ax, shape.length);
      const clamp = (x: number) => Math.max(0, Math.min(shape[a], x < 0 ? x + shape[a] : x));
      shape[a] = Math.max(0, clamp(ends[i]) - clamp(starts[i]));
    });
    return [{ shape, dtype: ins[0]!.dtype }];
  },
  Pad: (ins, _a, g) => {
    const pads = constInts(g, ins[1]);
    const r = ins[0]!.shape.length;
    return [{ shape: ins[0]!.shape.map((d, i) => d + pads[i] + pads[i + r]), dtype: ins[0]!.dtype }];
  },
  Gather: (ins, attrs) => {
    const [data, idx] = [ins[0]!.shape, ins[1]!.shape];
    const axis = axisOf((attrs.axis as number) ?? 0, data.length);
    return [{ shape: [...data.slice(0, axis), ...idx, ...data.slice(axis + 1)], dtype: ins[0]!.dtype }];
  },
  ScatterND: same,
  Split: (ins, attrs, g) => {
    const x = ins[0]!;
    const axis = axisOf((attrs.axis as number) ?? 0, x.shape.length);
    return constInts(g, ins[1]).map((size) => ({ shape: x.shape.map((d, i) => (i === axis ? size : d)), dtype: x.dtype }));
  },
  ConstantOfShape: (ins, _a, g) => [{ shape: constInts(g, ins[0]), dtype: g.float }],
  ReduceSum: reduce, ReduceMean: reduce, ReduceMax: reduce, ReduceLogSumExp: reduce,
  TopK: (ins, attrs, g) => {
    const x = ins[0]!;
    const axis = axisOf((attrs.axis as number) ?? -1, x.shape.length);
    const [k] = constInts(g, ins[1]);
    const shape = x.shape.map((d, i) => (i === axis ? k : d));
    return [{ shape, dtype: x.dtype }, { shape: [...shape], dtype: 'int64' }];
  },
  LayerNormalization: (ins, attrs) => {
    const x = ins[0]!;
    const axis = axisOf((attrs.axis as number) ?? -1, x.shape.length);
    const stat = x.shape.map((d, i) => (i < axis ? d : 1));
    const statType: DType = attrs.stash_type === 11 ? 'float64' : 'float32';
    return [{ shape: [...x.shape], dtype: x.dtype }, { shape: stat, dtype: statType }, { shape: stat, dtype: statType }];
  },
  // onnxruntime's block-quantized matmul (com.microsoft): A [..., K] times the [N, K] weight stored in B → [..., N].
  MatMulNBits: (ins, attrs) => [{ shape: [...ins[0]!.shape.slice(0, -1), attrs.N as number], dtype: ins[0]!.dtype }],
  // onnxruntime's RMSNorm kernel (a contrib op in the ONNX domain): Y and the inverse RMS.
  SimplifiedLayerNormalization: (ins, attrs) => {
    const x = ins[0]!;
    const axis = axisOf((attrs.axis as number) ?? -1, x.shape.length);
    const stat = x.shape.map((d, i) => (i < axis ? d : 1));
    return [{ shape: [...x.shape], dtype: x.dtype }, { shape: stat, dtype: attrs.stash_type === 11 ? 'float64' : 'float32' }];
  },
};

export function inferShapes(op: string, ins: readonly (Value | undefined)[], attrs: Record<string, AttrValue>, g: Graph): Info[] {
  const rule = SHAPE_RULES[op];
  if (!rule) throw new Error(`no shape rule for ONNX op ${op}`);
  return rule(ins, attrs, g);
}
