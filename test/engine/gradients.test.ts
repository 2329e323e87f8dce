/**
 * Every gradient rule against central finite differences, in float64, on small random inputs.
 * Each case builds f(inputs), reduces it to a scalar with fixed random weights (so every output element
 * matters), appends the gradient graph, and compares with (L(x+h) − L(x−h)) / 2h elementwise.
 */
import { strict as assert } from 'node:assert';
import { Graph, numel, type Value } from '../../src/engine/onnx/graph';
import { appendGradients } from '../../src/engine/autodiff/backward';
import { GRADIENTS } from '../../src/engine/autodiff/rules';
import { CompiledGraph } from '../../src/engine/runtime/session';
import { mulberry } from '../helpers/random';
import { matmulNBits, nbitsShapes, quantizedNames } from '../../src/engine/onnx/quantized';
import { quantizeBlocks } from '../../src/engine/models/quantize';

interface Case {
  name: string;
  op: string;
  /** Shapes of the differentiated inputs. */
  shapes: number[][];
  build: (g: Graph, xs: Value[]) => Value;
  /** Keep inputs away from kinks/singularities (e.g. positive for Log/Sqrt). */
  positive?: boolean;
  /** onnxruntime has no float64 Erf kernel, so that rule is checked in float32 with a coarser step. */
  float32?: boolean;
}

const CASES: Case[] = [
  { name: 'Identity', op: 'Identity', shapes: [[2, 3]], build: (g, [x]) => g.op('Identity', [x]) },
  { name: 'Add with broadcasting', op: 'Add', shapes: [[2, 3], [3]], build: (g, [a, b]) => g.add(a, b) },
  { name: 'Sub with broadcasting', op: 'Sub', shapes: [[2, 1, 3], [4, 1]], build: (g, [a, b]) => g.sub(a, b) },
  { name: 'Mul with broadcasting', op: 'Mul', shapes: [[2, 3], [2, 1]], build: (g, [a, b]) => g.mul(a, b) },
  { name: 'Div', op: 'Div', shapes: [[2, 3], [3]], positive: true, build: (g, [a, b]) => g.div(a, b) },
  { name: 'Neg', op: 'Neg', shapes: [[4]], build: (g, [x]) => g.neg(x) },
  { name: 'Exp', op: 'Exp', shapes: [[2, 2]], build: (g, [x]) => g.op('Exp', [x]) },
  { name: 'Log', op: 'Log', shapes: [[2, 2]], positive: true, build: (g, [x]) => g.op('Log', [x]) },
  { name: 'Sqrt', op: 'Sqrt', shapes: [[3]], positive: true, build: (g, [x]) => g.op('Sqrt', [x]) },
  { name: 'Reciprocal', op: 'Reciprocal', shapes: [[3]], positive: true, build: (g, [x]) => g.op('Reciprocal', [x]) },
  { name: 'Tanh', op: 'Tanh', shapes: [[2, 3]], build: (g, [x]) => g.op('Tanh', [x]) },
  { name: 'Sigmoid', op: 'Sigmoid', shapes: [[2, 3]], build: (g, [x]) => g.op('Sigmoid', [x]) },
  { name: 'Pow (constant exponent)', op: 'Pow', shapes: [[5]], positive: true, build: (g, [x]) => g.op('Pow', [x, g.scalar(2.5)]) },
  {
    name: 'Where', op: 'Where', shapes: [[2, 3], [3]],
    build: (g, [a, b]) => g.op('Where', [g.constant([1, 0, 1, 0, 0, 1], [2, 3], 'bool'), a, b]),
  },
  { name: 'MatMul 2-D', op: 'MatMul', shapes: [[3, 4], [4, 2]], build: (g, [a, b]) => g.matmul(a, b) },
  { name: 'MatMul batched × 2-D weight', op: 'MatMul', shapes: [[2, 3, 4], [4, 2]], build: (g, [a, b]) => g.matmul(a, b) },
  { name: 'MatMul batched × batched', op: 'MatMul', shapes: [[2, 2, 3, 4], [2, 2, 4, 3]], build: (g, [a, b]) => g.matmul(a, b) },
  { name: 'MatMul with broadcast batch', op: 'MatMul', shapes: [[2, 3, 4], [1, 4, 2]], build: (g, [a, b]) => g.matmul(a, b) },
  { name: 'Gemm', op: 'Gemm', shapes: [[3, 4], [4, 2], [2]], build: (g, [a, b, c]) => g.gemm(a, b, c) },
  { name: 'Gemm transB', op: 'Gemm', shapes: [[3, 4], [5, 4]], build: (g, [a, b]) => g.gemm(a, b, undefined, { transB: 1 }) },
  { name: 'Reshape', op: 'Reshape', shapes: [[2, 6]], build: (g, [x]) => g.reshape(x, [3, 4]) },
  { name: 'Expand', op: 'Expand', shapes: [[1, 3]], build: (g, [x]) => g.op('Expand', [x, g.ints([2, 2, 3])]) },
  { name: 'Transpose', op: 'Transpose', shapes: [[2, 3, 4]], build: (g, [x]) => g.transpose(x, [2, 0, 1]) },
  { name: 'Concat', op: 'Concat', shapes: [[2, 1, 3], [2, 2, 3]], build: (g, [a, b]) => g.concat([a, b], 1) },
  { name: 'Split (all pieces used)', op: 'Split', shapes: [[2, 5]], build: (g, [x]) => g.concat(g.split(x, 1, [2, 3]).reverse(), 1) },
  { name: 'Split (one piece unused)', op: 'Split', shapes: [[4, 3]], build: (g, [x]) => g.split(x, 0, [1, 2, 1])[1] },
  { name: 'Slice', op: 'Slice', shapes: [[3, 5]], build: (g, [x]) => g.slice(x, 1, 1, 4) },
  {
    name: 'Gather with repeated indices', op: 'Gather', shapes: [[4, 3]],
    build: (g, [x]) => g.op('Gather', [x, g.constant([2, 0, 2, 3, 2, 1], [2, 3], 'int64')], { axis: 0 }),
  },
  { name: 'ReduceSum keepdims', op: 'ReduceSum', shapes: [[2, 3, 4]], build: (g, [x]) => g.reduceSum(x, [1], true) },
  { name: 'ReduceSum no keepdims', op: 'ReduceSum', shapes: [[2, 3, 4]], build: (g, [x]) => g.reduceSum(x, [0, 2], false) },
  { name: 'ReduceMean', op: 'ReduceMean', shapes: [[2, 3, 4]], build: (g, [x]) => g.reduceMean(x, [-1], false) },
  { name: 'Softmax', op: 'Softmax', shapes: [[2, 5]], build: (g, [x]) => g.op('Softmax', [x], { axis: -1 }) },
  { name: 'LogSoftmax', op: 'LogSoftmax', shapes: [[3, 4]], build: (g, [x]) => g.op('LogSoftmax', [x], { axis: 1 }) },
  {
    name: 'LayerNormalization', op: 'LayerNormalization', shapes: [[3, 6]],
    build: (g, [x]) =>
      g.ops('LayerNormalization', [x, g.constant([0.5, 1, 1.5, 2, -1, 0.3], [6]), g.constant([0, 0.1, 0, -0.2, 0, 1], [6])], {
        axis: -1, epsilon: { float: 1e-5 },
      })[0],
  },
  {
    name: 'SimplifiedLayerNormalization (RMSNorm)', op: 'SimplifiedLayerNormalization', shapes: [[2, 3, 6]],
    build: (g, [x]) => g.ops('SimplifiedLayerNormalization', [x, g.constant([0.5, 1, 1.5, 2, -1, 0.3], [6])], { axis: -1, epsilon: { float: 1e-5 } })[0],
  },
  { name: 'Gelu (tanh)', op: 'Gelu', shapes: [[2, 4]], build: (g, [x]) => g.op('Gelu', [x], { approximate: 'tanh' }) },
  { name: 'Gelu (erf)', op: 'Gelu', shapes: [[2, 4]], float32: true, build: (g, [x]) => g.op('Gelu', [x], { approximate: 'none' }) },
  { name: 'Cast', op: 'Cast', shapes: [[3]], build: (g, [x]) => g.op('Cast', [x], { to: 11 }) },
  {
    // A 4-bit weight whose every row and column block holds ±7 steps, so both quantized copies (the forward one
    // and the transposed one the rule reads) are exact and the rule is the derivative of the forward; not
    // symmetric, so reading the wrong copy would show.
    name: 'MatMulNBits (4-bit, exact both ways)', op: 'MatMulNBits', shapes: [[3, 32]], float32: true,
    build: (g, [x]) => {
      const spec = { bits: 4, blockSize: 32 } as const;
      const w = Float32Array.from({ length: 32 * 32 }, (_, i) => (((2 * Math.floor(i / 32) + (i % 32)) % 15) - 7) * 0.05);
      for (const transposed of [false, true]) {
        const m = quantizeBlocks(w, 32, 32, spec, transposed);
        const names = quantizedNames('w', transposed);
        g.constant(m.q, nbitsShapes(32, 32, spec).q, 'uint8', names.q);
        g.constant(m.scales, [32], 'float32', names.scales);
      }
      return matmulNBits(g, x, 'w', 32, 32, spec);
    },
  },
];

/** Builds L = Σ w ⊙ f(xs) and its gradients; returns L and ∇L at the given inputs, plus a scalar evaluator. */
export async function gradientCheck(shapes: number[][], build: (g: Graph, xs: Value[]) => Value, inputs: Float64Array[], seed = 7, float32 = false) {
  const g = new Graph(float32 ? 'float32' : 'float64');
  const xs = shapes.map((s, i) => g.input(`x${i}`, s));
  const f = build(g, xs);
  const rnd = mulberry(seed);
  const w = g.constant(Array.from({ length: numel(f.shape) }, () => rnd() * 2 - 1), f.shape, f.dtype);
  const loss = g.output(g.reduceSum(g.mul(f, w), [...f.shape.keys()], false), 'loss');
  appendGradients(g, loss, xs).forEach((d, i) => g.output(d, `grad${i}`));
  const session = await CompiledGraph.create(g, { threads: 1 });
  const feeds = (vals: Float64Array[]) => Object.fromEntries(vals.map((v, i) => [`x${i}`, float32 ? Float32Array.from(v) : v]));
  const analytic = await session.run(feeds(inputs));
  const lossAt = async (vals: Float64Array[]) => Number((await session.run(feeds(vals), ['loss'])).loss[0]);
  return { analytic, lossAt, dispose: () => session.dispose() };
}

describe('gradient rules vs central finite differences (float64)', () => {
  it('has a case for every rule in the table', () => {
    const covered = new Set(CASES.map((c) => c.op));
    assert.deepEqual(Object.keys(GRADIENTS).filter((op) => !covered.has(op)), []);
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const rnd = mulberry(c.name.length * 31 + 1);
      const inputs = c.shapes.map((s) => Float64Array.from({ length: numel(s) }, () => (c.positive ? 0.5 + rnd() : rnd() * 2 - 1)));
      const { analytic, lossAt, dispose } = await gradientCheck(c.shapes, c.build, inputs, 7, c.float32);
      const [h, tol] = c.float32 ? [1e-2, 2e-3] : [1e-6, 1e-6];
      for (let k = 0; k < inputs.length; k++) {
        const grad = analytic[`grad${k}`];
        assert.equal(grad.length, inputs[k].length);
        for (let i = 0; i < inputs[k].length; i++) {
          const plus = inputs.map((v) => v.slice());
          const minus = inputs.map((v) => v.slice());
          plus[k][i] += h;
          minus[k][i] -= h;
          const numeric = ((await lossAt(plus)) - (await lossAt(minus))) / (2 * h);
          const a = Number(grad[i]);
          assert.ok(Math.abs(numeric - a) <= tol * Math.max(1, Math.abs(numeric)), `${c.name}: d/dx${k}[${i}] analytic ${a} vs numeric ${numeric}`);
        }
      }
      await dispose();
    });
  }
});
