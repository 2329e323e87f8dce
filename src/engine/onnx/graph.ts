/**
 * A small typed builder for ONNX graphs. Every value carries a static shape and dtype, known at build time,
 * because sessions are built per shape bucket: that keeps gradient rules free of Shape/Expand plumbing.
 */
import { inferShapes } from './shapes';

export type DType = 'float32' | 'float64' | 'int64' | 'bool' | 'uint8';
export type FloatType = 'float32' | 'float64';

export interface Value {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

export type AttrValue = number | string | number[] | { floats: number[] } | { int: number } | { float: number };

export interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
  /** Operator set domain; absent: the standard ONNX domain. */
  domain?: string;
}

export interface Initializer {
  value: Value;
  data: Float32Array | Float64Array | BigInt64Array | Uint8Array;
}

export const OPSET = 20;
/** onnxruntime's contrib operator domain. */
export const MS_DOMAIN = 'com.microsoft';

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: Value[] = [];
  readonly outputs: Value[] = [];
  readonly initializers: Initializer[] = [];
  private readonly values = new Map<string, Value>();
  private counter = 0;

  /** `float` is the dtype of every floating tensor in the graph; tests build float64 graphs for finite differences. */
  constructor(readonly float: FloatType = 'float32') {}

  /**
   * Frozen weights stored block-quantized (onnx/quantized.ts), by weight name. Their float values are
   * placeholders with no producer: the linear blocks read the quantized inputs instead.
   */
  readonly quantized = new Map<string, { bits: 4 | 8; blockSize: number }>();

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** A value that stands for a quantized weight (see `quantized`); no node may read it. */
  quantizedPlaceholder(name: string, shape: readonly number[], spec: { bits: 4 | 8; blockSize: number }): Value {
    this.quantized.set(name, spec);
    return this.register({ name, shape: [...shape], dtype: this.float });
  }

  value(name: string): Value {
    const v = this.values.get(name);
    if (!v) throw new Error(`graph has no value named ${name}`);
    return v;
  }

  private fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  private register(v: Value): Value {
    if (this.values.has(v.name)) throw new Error(`duplicate value name ${v.name}`);
    this.values.set(v.name, v);
    return v;
  }

  input(name: string, shape: readonly number[], dtype: DType = this.float): Value {
    const v = this.register({ name, shape: [...shape], dtype });
    this.inputs.push(v);
    return v;
  }

  output(v: Value, name?: string): Value {
    const out = name && name !== v.name ? this.op('Identity', [v], {}, name) : v;
    this.outputs.push(out);
    return out;
  }

  /** A constant tensor stored as an initializer (use for small data: indices, masks, scalars); `name` if it must have one. */
  constant(data: ArrayLike<number>, shape: readonly number[], dtype: DType = this.float, name?: string): Value {
    if (data.length !== numel(shape)) throw new Error(`constant: ${data.length} values for shape [${shape}]`);
    const v = this.register({ name: name ?? this.fresh('const'), shape: [...shape], dtype });
    const typed =
      dtype === 'float32' ? Float32Array.from(data)
      : dtype === 'float64' ? Float64Array.from(data)
      : dtype === 'int64' ? BigInt64Array.from(Array.from(data, (x) => BigInt(x)))
      : Uint8Array.from(data);
    this.initializers.push({ value: v, data: typed });
    return v;
  }

  scalar(x: number): Value {
    return this.constant([x], []);
  }

  ints(xs: readonly number[]): Value {
    return this.constant(xs, [xs.length], 'int64');
  }

  /** Emits one node; output shapes come from the shape table in ./shapes.ts. */
  ops(op: string, inputs: readonly (Value | undefined)[], attrs: Record<string, AttrValue> = {}, outputNames?: string[], domain?: string): Value[] {
    const infos = inferShapes(op, inputs, attrs, this);
    const outs = infos.map((info, i) => this.register({ name: outputNames?.[i] ?? this.fresh(op.toLowerCase()), ...info }));
    this.nodes.push({ op, inputs: inputs.map((v) => v?.name ?? ''), outputs: outs.map((v) => v.name), attrs, ...(domain ? { domain } : {}) });
    return outs;
  }

  op(op: string, inputs: readonly (Value | undefined)[], attrs: Record<string, AttrValue> = {}, outputName?: string): Value {
    return this.ops(op, inputs, attrs, outputName ? [outputName] : undefined)[0];
  }

  // Short forms for the ops the models and gradient rules use most.
  add(a: Value, b: Value) { return this.op('Add', [a, b]); }
  sub(a: Value, b: Value) { return this.op('Sub', [a, b]); }
  mul(a: Value, b: Value) { return this.op('Mul', [a, b]); }
  div(a: Value, b: Value) { return this.op('Div', [a, b]); }
  neg(a: Value) { return this.op('Neg', [a]); }
  matmul(a: Value, b: Value) { return this.op('MatMul', [a, b]); }
  gemm(a: Value, b: Value, c?: Value, opts: { transA?: number; transB?: number } = {}) {
    return this.op('Gemm', c ? [a, b, c] : [a, b], { transA: opts.transA ?? 0, transB: opts.transB ?? 0 });
  }
  reshape(a: Value, shape: readonly number[]) {
    if (numel(shape) !== numel(a.shape)) throw new Error(`reshape [${a.shape}] -> [${shape}]`);
    if (shape.length === a.shape.length && shape.every((d, i) => d === a.shape[i])) return a;
    return this.op('Reshape', [a, this.ints(shape)]);
  }
  transpose(a: Value, perm: readonly number[]) { return this.op('Transpose', [a], { perm: [...perm] }); }
  reduceSum(a: Value, axes: readonly number[], keepdims = true) {
    return this.op('ReduceSum', [a, this.ints(axes)], { keepdims: keepdims ? 1 : 0 });
  }
  reduceMean(a: Value, axes: readonly number[], keepdims = true) {
    return this.op('ReduceMean', [a, this.ints(axes)], { keepdims: keepdims ? 1 : 0 });
  }
  slice(a: Value, axis: number, start: number, end: number) {
    return this.op('Slice', [a, this.ints([start]), this.ints([end]), this.ints([axis])]);
  }
  split(a: Value, axis: number, sizes: readonly number[]) {
    return this.ops('Split', [a, this.ints(sizes)], { axis });
  }
  concat(vs: Value[], axis: number) { return vs.length === 1 ? vs[0] : this.op('Concat', vs, { axis }); }
  /** A zero tensor of `shape`, made at run time so no large initializer is stored. */
  zeros(shape: readonly number[]) {
    return this.op('ConstantOfShape', [this.ints(shape)], { value: { float: 0 } });
  }
}
