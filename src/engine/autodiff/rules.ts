/**
 * Gradient rules: for each ONNX op, how the gradient of its output(s) becomes the gradient of each input,
 * written with standard ONNX ops. A rule returns one thunk per input (undefined: not differentiable); the
 * walker calls only the thunks of inputs that lead back to the requested variables, so frozen weights never
 * get gradient nodes.
 */
import { numel, type Graph, type Node, type Value } from '../onnx/graph';
import { matmulNBitsInputGrad } from '../onnx/quantized';
import { constInts } from '../onnx/shapes';

export interface GradContext {
  g: Graph;
  node: Node;
  /** The node's inputs and outputs as values. */
  x: Value[];
  y: Value[];
  /** Gradient of the first output (what single-output rules use). */
  dy: Value;
  /** Gradients of every output; undefined where an output does not reach the loss. */
  dys: (Value | undefined)[];
}

type Thunk = (() => Value) | undefined;
export type GradRule = (c: GradContext) => Thunk[];

/** Sums `d` over the axes along which a value of `shape` was broadcast to d's shape. */
export function unbroadcast(g: Graph, d: Value, shape: readonly number[]): Value {
  const lead = d.shape.length - shape.length;
  const axes = d.shape.map((_, i) => i).filter((i) => i < lead || (shape[i - lead] === 1 && d.shape[i] !== 1));
  const summed = axes.length > 0 ? g.reduceSum(d, axes, true) : d;
  return g.reshape(summed, shape);
}

const swapLast = (rank: number) => [...Array(rank - 2).keys(), rank - 1, rank - 2];
const lastAxis = (v: Value) => v.shape.length - 1;

function matmulGrads(g: Graph, a: Value, b: Value, dy: Value): Thunk[] {
  const [k, n] = [b.shape[b.shape.length - 2], b.shape[b.shape.length - 1]];
  return [
    () => {
      if (b.shape.length === 2) {
        // dA = dY·Bᵀ as one Gemm with transB, so the weight is never transposed into a copy.
        const flat = g.gemm(g.reshape(dy, [numel(dy.shape) / n, n]), b, undefined, { transB: 1 });
        return unbroadcast(g, g.reshape(flat, [...dy.shape.slice(0, -1), k]), a.shape);
      }
      return unbroadcast(g, g.matmul(dy, g.transpose(b, swapLast(b.shape.length))), a.shape);
    },
    () => {
      if (b.shape.length === 2) {
        const m = numel(dy.shape) / n;
        const aFlat = g.reshape(g.op('Expand', [a, g.ints([...dy.shape.slice(0, -1), k])]), [m, k]);
        return g.gemm(aFlat, g.reshape(dy, [m, n]), undefined, { transA: 1 });
      }
      return unbroadcast(g, g.matmul(g.transpose(a, swapLast(a.shape.length)), dy), b.shape);
    },
  ];
}

export const GRADIENTS: Record<string, GradRule> = {
  Identity: ({ dy }) => [() => dy],
  Add: ({ g, x: [a, b], dy }) => [() => unbroadcast(g, dy, a.shape), () => unbroadcast(g, dy, b.shape)],
  Sub: ({ g, x: [a, b], dy }) => [() => unbroadcast(g, dy, a.shape), () => unbroadcast(g, g.neg(dy), b.shape)],
  Mul: ({ g, x: [a, b], dy }) => [() => unbroadcast(g, g.mul(dy, b), a.shape), () => unbroadcast(g, g.mul(dy, a), b.shape)],
  Div: ({ g, x: [a, b], y: [q], dy }) => [
    () => unbroadcast(g, g.div(dy, b), a.shape),
    () => unbroadcast(g, g.neg(g.div(g.mul(dy, q), b)), b.shape),
  ],
  Neg: ({ g, dy }) => [() => g.neg(dy)],
  Exp: ({ g, y: [y], dy }) => [() => g.mul(dy, y)],
  Log: ({ g, x: [x], dy }) => [() => g.div(dy, x)],
  Sqrt: ({ g, y: [y], dy }) => [() => g.div(dy, g.mul(g.scalar(2), y))],
  Reciprocal: ({ g, y: [y], dy }) => [() => g.neg(g.mul(dy, g.mul(y, y)))],
  Tanh: ({ g, y: [y], dy }) => [() => g.mul(dy, g.sub(g.scalar(1), g.mul(y, y)))],
  Sigmoid: ({ g, y: [y], dy }) => [() => g.mul(dy, g.mul(y, g.sub(g.scalar(1), y)))],
  // Exponent is a constant in our graphs: d(xᶜ)/dx = c·xᶜ⁻¹.
  Pow: ({ g, x: [x, c], dy }) => [() => unbroadcast(g, g.mul(dy, g.mul(c, g.op('Pow', [x, g.sub(c, g.scalar(1))]))), x.shape), undefined],
  Where: ({ g, x: [cond, a, b], dy }) => [
    undefined,
    () => unbroadcast(g, g.op('Where', [cond, dy, g.scalar(0)]), a.shape),
    () => unbroadcast(g, g.op('Where', [cond, g.scalar(0), dy]), b.shape),
  ],
  MatMul: ({ g, x: [a, b], dy }) => matmulGrads(g, a, b, dy),
  // Y = A·op(B) + C with alpha = beta = 1 and transA = 0, the only form the builders emit.
  Gemm: ({ g, node, x: [a, b, c], dy }) => {
    if (node.attrs.transA) throw new Error('Gemm gradient: transA is not supported');
    const transB = node.attrs.transB ? 1 : 0;
    return [
      () => g.gemm(dy, b, undefined, { transB: 1 - transB }),
      () => (transB ? g.gemm(dy, a, undefined, { transA: 1 }) : g.gemm(a, dy, undefined, { transA: 1 })),
      c && (() => unbroadcast(g, dy, c.shape)),
    ];
  },
  // A frozen quantized weight: only the activations get a gradient, through the weight's transposed copy.
  MatMulNBits: ({ g, node, x: [, b], dy }) => [() => matmulNBitsInputGrad(g, dy, b, node.attrs), undefined, undefined],
  Reshape: ({ g, x: [x], dy }) => [() => g.reshape(dy, x.shape), undefined],
  Expand: ({ g, x: [x], dy }) => [() => unbroadcast(g, dy, x.shape), undefined],
  Transpose: ({ g, node, dy }) => {
    const perm = node.attrs.perm as number[];
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [() => g.transpose(dy, inverse)];
  },
  Concat: ({ g, node, x, dy }) => {
    const axis = (node.attrs.axis as number) < 0 ? (node.attrs.axis as number) + dy.shape.length : (node.attrs.axis as number);
    let start = 0;
    return x.map((xi) => {
      const [s, e] = [start, (start += xi.shape[axis])];
      return () => g.slice(dy, axis, s, e);
    });
  },
  // The pieces' gradients, zeros for pieces that do not reach the loss, concatenated back.
  Split: ({ g, node, y, dys }) => [() => g.concat(dys.map((d, i) => d ?? g.zeros(y[i].shape)), node.attrs.axis as number), undefined],
  Slice: ({ g, x: [x, starts, ends, axes], dy }) => [
    () => {
      // Pad the gradient back to the input's shape with zeros where the slice dropped elements.
      const r = x.shape.length;
      const pads = new Array<number>(2 * r).fill(0);
      const [st, ax] = [constInts(g, starts), constInts(g, axes)];
      constInts(g, ends).forEach((_, i) => {
        const a = ax[i] < 0 ? ax[i] + r : ax[i];
        const begin = Math.max(0, Math.min(x.shape[a], st[i] < 0 ? st[i] + x.shape[a] : st[i]));
        pads[a] = begin;
        pads[a + r] = x.shape[a] - begin - dy.shape[a];
      });
      return g.op('Pad', [dy, g.ints(pads)]);
    },
    undefined, undefined, undefined,
  ],
  // Gather along axis 0: the gradient scatters rows back, adding where an index repeats.
  Gather: ({ g, node, x: [data, idx], dy }) => {
    if (((node.attrs.axis as number) ?? 0) !== 0) throw new Error('Gather gradient: only axis 0 is supported');
    return [() => g.op('ScatterND', [g.zeros(data.shape), g.reshape(idx, [...idx.shape, 1]), dy], { reduction: 'add' }), undefined];
  },
  ReduceSum: ({ g, node, x: [x, axes], dy }) => [() => expandReduced(g, node, x, axes, dy), undefined],
  ReduceMean: ({ g, node, x: [x, axes], dy }) => [
    () => {
      const count = numel(x.shape) / numel(dy.shape);
      return g.div(expandReduced(g, node, x, axes, dy), g.scalar(count));
    },
    undefined,
  ],
  Softmax: ({ g, node, y: [y], dy }) => [
    () => {
      const axis = (node.attrs.axis as number) ?? -1;
      return g.mul(y, g.sub(dy, g.reduceSum(g.mul(dy, y), [axis], true)));
    },
  ],
  LogSoftmax: ({ g, node, y: [y], dy }) => [
    () => {
      const axis = (node.attrs.axis as number) ?? -1;
      return g.sub(dy, g.mul(g.op('Exp', [y]), g.reduceSum(dy, [axis], true)));
    },
  ],
  // Uses the Mean and InvStdDev outputs the forward node already computed (over the last axis).
  LayerNormalization: ({ g, x: [x, scale], y: [, mean, invStd], dy }) => [
    () => {
      const axis = lastAxis(x);
      const [mu, rstd] = [castTo(g, mean, x), castTo(g, invStd, x)];
      const xhat = g.mul(g.sub(x, mu), rstd);
      const dxhat = g.mul(dy, scale);
      const centered = g.sub(dxhat, g.reduceMean(dxhat, [axis], true));
      return g.mul(rstd, g.sub(centered, g.mul(xhat, g.reduceMean(g.mul(dxhat, xhat), [axis], true))));
    },
    undefined,
    undefined,
  ],
  // RMSNorm (onnxruntime's kernel): y = x·r·w with r = 1/sqrt(mean(x²) + eps), its InvStdDev output.
  SimplifiedLayerNormalization: ({ g, x: [x, scale], y: [, invStd], dy }) => [
    () => {
      const axis = lastAxis(x);
      const rstd = castTo(g, invStd, x);
      const xhat = g.mul(x, rstd);
      const dxhat = g.mul(dy, scale);
      return g.mul(rstd, g.sub(dxhat, g.mul(xhat, g.reduceMean(g.mul(dxhat, xhat), [axis], true))));
    },
    undefined,
  ],
  Gelu: ({ g, node, x: [x], dy }) => [() => g.mul(dy, node.attrs.approximate === 'tanh' ? geluTanhSlope(g, x) : geluErfSlope(g, x))],
  Cast: ({ g, x: [x], dy }) => [() => (x.dtype === dy.dtype ? dy : g.op('Cast', [dy], { to: x.dtype === 'float64' ? 11 : 1 }))],
};

function expandReduced(g: Graph, node: Node, x: Value, axes: Value, dy: Value): Value {
  const keptShape = x.shape.map((d, i) => (constInts(g, axes).map((a) => (a < 0 ? a + x.shape.length : a)).includes(i) ? 1 : d));
  const kept = node.attrs.keepdims === 0 ? g.reshape(dy, keptShape) : dy;
  return g.op('Expand', [kept, g.ints(x.shape)]);
}

function castTo(g: Graph, v: Value, like: Value): Value {
  return v.dtype === like.dtype ? v : g.op('Cast', [v], { to: like.dtype === 'float64' ? 11 : 1 });
}

/**
 * d/dx of 0.5·x·(1 + tanh(u)), u = √(2/π)·(x + 0.044715·x³). With s = σ(2u) = 0.5·(1 + tanh u) it is
 * s·(1 + x·(1 − s)·2u′): 13 elementwise passes instead of 17 for the tanh form (it runs on the widest tensor).
 */
function geluTanhSlope(g: Graph, x: Value): Value {
  const [k, c] = [Math.sqrt(2 / Math.PI), 0.044715];
  const x2 = g.mul(x, x);
  const s = g.op('Sigmoid', [g.mul(x, g.add(g.mul(x2, g.scalar(2 * k * c)), g.scalar(2 * k)))]);
  const twoDu = g.add(g.mul(x2, g.scalar(6 * k * c)), g.scalar(2 * k));
  return g.mul(s, g.add(g.mul(g.mul(x, g.sub(g.scalar(1), s)), twoDu), g.scalar(1)));
}

/** d/dx of x·Φ(x) = Φ(x) + x·φ(x). */
function geluErfSlope(g: Graph, x: Value): Value {
  const cdf = g.mul(g.scalar(0.5), g.add(g.scalar(1), g.op('Erf', [g.mul(x, g.scalar(Math.SQRT1_2))])));
  const pdf = g.mul(g.scalar(1 / Math.sqrt(2 * Math.PI)), g.op('Exp', [g.mul(g.scalar(-0.5), g.mul(x, x))]));
  return g.add(cdf, g.mul(x, pdf));
}
