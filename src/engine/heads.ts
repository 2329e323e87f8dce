/**
 * The graphs the engine runs, one per purpose, on any model family's trunk (models/family.ts):
 *  - logits: full-vocabulary logits at every position;
 *  - rows: full-vocabulary logits at chosen rows (greedy decoding);
 *  - restricted: log-softmax over a chosen set of token ids at chosen rows (the head computes only those columns);
 *  - score / lm / verbalizer: the loss contract's summed continuation log-probs, and the two training losses
 *    with their gradient with respect to the soft prompt, or to a shared past (prefix tuning's per-layer keys and values);
 *  - prefix: a shared prefix's keys and values (run once at batch 1 for every row of a batch);
 *  - prefixVjp: the backward of that run: given the loss's gradient with respect to the prefix's keys and values
 *    (`upstream.<layer>.key` / `.value`), its gradient with respect to the soft prompt in the prefix, and with
 *    `pastGrad` to the prefix's own past (a prefix prompt's slots).
 */
import { appendGradients } from './autodiff/backward';
import { Graph, type FloatType, type Value } from './onnx/graph';
import { softcap } from './models/blocks';
import type { ModelArch } from './models/family';
import type { NBitsSpec } from './onnx/quantized';

export type HeadKind = 'logits' | 'rows' | 'restricted' | 'score' | 'lm' | 'verbalizer' | 'prefix' | 'prefixVjp';

export interface HeadDims {
  kind: HeadKind;
  batch: number;
  length: number;
  numVirtual: number;
  /** rows: hidden rows gathered; picks: (row, token) log-probs read; items: scored continuations. */
  rows?: number;
  picks?: number;
  items?: number;
  /** restricted: number of token ids; verbalizer: labels per example. */
  tokens?: number;
  labels?: number;
  /** Differentiate the loss with respect to the soft prompt, or with `pastGrad` to the shared past. */
  withGrad?: boolean;
  /** The gradient is taken with respect to every layer's past keys and values (`grad.<layer>.key` / `.value`). */
  pastGrad?: boolean;
  /** Key/value slots of earlier positions every layer attends to first (a KV cache), 0 or absent: none. */
  past?: number;
  /** The past is one shared prefix ([1, kv, P, hd], seen by every row) rather than one per row. */
  pastShared?: boolean;
  /** Output each layer's keys and values of this call (`present.<layer>.key` / `.value`) for a KV cache. */
  presents?: boolean;
}

export function headKey(d: HeadDims): string {
  return [d.kind, d.batch, d.length, d.numVirtual, d.rows, d.picks, d.items, d.tokens, d.labels, d.withGrad ? 'grad' : '', d.pastGrad ? 'pastGrad' : '', d.past ?? 0, d.pastShared ? 'shared' : '', d.presents ? 'kv' : ''].join('|');
}

/** Names of the graph inputs that carry RoPE tables. */
export const ropeInputNames = (name: string) => ({ cos: `${name}.cos`, sin: `${name}.sin` });
/** Names of a layer's past (input), present (output) keys and values, and the loss's gradient with respect to the past. */
export const kvNames = (kind: 'past' | 'present' | 'grad' | 'upstream', layer: number) => ({ key: `${kind}.${layer}.key`, value: `${kind}.${layer}.value` });

/**
 * The family's trunk behind the shared front: token embeddings (scaled where the family scales them), the soft
 * prompt spliced in by a token mask and a one-hot placement matmul (so it may sit anywhere in the sequence and
 * its gradient is a plain MatMul rule), masks and RoPE tables as inputs.
 */
function buildTrunk(g: Graph, arch: ModelArch, d: HeadDims, quantized?: QuantizedGraphWeights) {
  const [B, T, nv, P] = [d.batch, d.length, d.numVirtual, d.past ?? 0];
  const { hiddenSize: H, numLayers, numKeyValueHeads: kv, headDim } = arch.dims;
  const ids = g.input('ids', [B, T], 'int64');
  const positions = g.input('positions', [B, T], 'int64');
  const causalMask = g.input('attnBias', [B, 1, T, P + T]);
  const slidingMask = arch.slidingWindow !== undefined ? g.input('attnBiasSliding', [B, 1, T, P + T]) : undefined;
  const past = P > 0
    ? Array.from({ length: numLayers }, (_, l) => {
        const names = kvNames('past', l);
        const Bp = d.pastShared ? 1 : B;
        return { key: g.input(names.key, [Bp, kv, P, headDim]), value: g.input(names.value, [Bp, kv, P, headDim]) };
      })
    : undefined;
  const presents: { key: Value; value: Value }[] = [];
  const present = d.presents || d.kind === 'prefix' || d.kind === 'prefixVjp'
    ? (l: number, key: Value, value: Value) => {
        presents[l] = { key, value };
        if (d.kind === 'prefixVjp') return;
        const names = kvNames('present', l);
        g.output(key, names.key);
        g.output(value, names.value);
      }
    : undefined;
  const rope = Object.fromEntries(
    arch.rope.map((r) => {
      const names = ropeInputNames(r.name);
      return [r.name, { cos: g.input(names.cos, [B, 1, T, r.rotaryDim]), sin: g.input(names.sin, [B, 1, T, r.rotaryDim]) }];
    }),
  );
  const weights = new Map<string, Value>();
  for (const [name, shape] of arch.weightShapes) {
    weights.set(name, quantized?.names.has(name) ? g.quantizedPlaceholder(name, shape, quantized.spec) : g.input(name, shape));
  }
  const w = (name: string) => {
    const v = weights.get(name);
    if (!v) throw new Error(`${arch.modelType}: the trunk reads ${name}, which is not among its weight shapes`);
    return v;
  };
  let embedded = g.op('Gather', [w(arch.embedTable), ids], { axis: 0 });
  if (arch.embedScale !== 1) embedded = g.mul(embedded, g.scalar(arch.embedScale));
  let soft: Value | undefined;
  if (nv > 0) {
    soft = g.input('soft', [nv, H]);
    embedded = g.add(g.mul(embedded, g.input('tokenMask', [B, T, 1])), g.matmul(g.input('placement', [B, T, nv]), soft));
  }
  const hidden = arch.buildTrunk({ g, B, T, embedded, positions, causalMask, slidingMask, rope, past, present, w });
  return { hidden, head: w(arch.lmHead), soft, past, presents };
}

/** Outputs d`scalar` with respect to the soft prompt (`grad`) or, with `pastGrad`, to every layer's shared past. */
function outputGradients(g: Graph, scalar: Value, d: HeadDims, soft: Value | undefined, past: { key: Value; value: Value }[] | undefined): void {
  if (d.pastGrad) {
    if (!past || !d.pastShared) throw new Error('a past gradient needs a shared past');
    const wrt = [...past.flatMap((p) => [p.key, p.value]), ...(soft ? [soft] : [])];
    const grads = appendGradients(g, scalar, wrt);
    past.forEach((_, l) => {
      const names = kvNames('grad', l);
      g.output(grads[2 * l], names.key);
      g.output(grads[2 * l + 1], names.value);
    });
    if (soft) g.output(grads[2 * past.length], 'grad');
  } else {
    if (!soft) throw new Error('a gradient needs a soft prompt');
    g.output(appendGradients(g, scalar, [soft])[0], 'grad');
  }
}

/** Which weights the graph reads quantized (models/quantize.ts), and how. */
export interface QuantizedGraphWeights {
  names: ReadonlySet<string>;
  spec: NBitsSpec;
}

export function buildHeadGraph(arch: ModelArch, d: HeadDims, float: FloatType, quantized?: QuantizedGraphWeights): Graph {
  const g = new Graph(float);
  const V = arch.dims.vocabSize;
  const { hidden, head, soft, past, presents } = buildTrunk(g, arch, d, quantized);
  // A shared prefix's keys and values only (outputs registered by the trunk's `present`).
  if (d.kind === 'prefix') return g;
  if (d.kind === 'prefixVjp') {
    // Σ present ⊙ upstream: its gradient is the vector–Jacobian product of the prefix run.
    const terms = presents.flatMap((p, l) => {
      const names = kvNames('upstream', l);
      return [g.mul(p.key, g.input(names.key, p.key.shape)), g.mul(p.value, g.input(names.value, p.value.shape))].map((t) => g.reduceSum(t, t.shape.map((_, i) => i), false));
    });
    outputGradients(g, terms.reduce((a, b) => g.add(a, b)), d, soft, past);
    return g;
  }
  /** hidden rows · head columnsᵀ, soft-capped where the family caps its logits. */
  const logitsOf = (rows: Value, columns: Value) => {
    const logits = g.gemm(rows, columns, undefined, { transB: 1 });
    return arch.logitSoftcap !== undefined ? softcap(g, logits, arch.logitSoftcap) : logits;
  };

  if (d.kind === 'logits') {
    g.output(logitsOf(hidden, head), 'logits');
    return g;
  }
  const rowIdx = g.input('rowIdx', [d.rows!], 'int64');
  const rows = g.op('Gather', [hidden, rowIdx], { axis: 0 });
  if (d.kind === 'rows') {
    g.output(logitsOf(rows, head), 'logits');
    return g;
  }
  if (d.kind === 'restricted') {
    const columns = g.op('Gather', [head, g.input('tokenIds', [d.tokens!], 'int64')], { axis: 0 });
    g.output(g.op('LogSoftmax', [logitsOf(rows, columns)], { axis: 1 }), 'logProbs');
    return g;
  }

  // Loss contract: log softmax over the full vocabulary at each predicting row, then the (row, token) picks
  // summed per item by a 0/1 matrix.
  const logProbs = g.op('LogSoftmax', [logitsOf(rows, head)], { axis: 1 });
  const flat = g.reshape(logProbs, [d.rows! * V]);
  const picked = g.op('Gather', [flat, g.input('pickIdx', [d.picks!], 'int64')], { axis: 0 });
  const itemMatrix = g.input('itemMatrix', [d.items!, d.picks!]);
  const scores = g.output(g.reshape(g.matmul(itemMatrix, g.reshape(picked, [d.picks!, 1])), [d.items!]), 'scores');
  if (d.kind === 'score') return g;

  let perExample: Value;
  if (d.kind === 'lm') {
    perExample = g.neg(scores);
  } else {
    const E = d.items! / d.labels!;
    const labelLogProbs = g.op('LogSoftmax', [g.reshape(scores, [E, d.labels!])], { axis: 1 });
    perExample = g.neg(g.reduceSum(g.mul(labelLogProbs, g.input('goldOneHot', [E, d.labels!])), [1], false));
  }
  g.output(perExample, 'perExample');
  const loss = g.output(g.reduceMean(perExample, [0], false), 'loss');
  if (d.withGrad) outputGradients(g, loss, d, soft, past);
  return g;
}
