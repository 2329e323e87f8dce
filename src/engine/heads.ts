/**
 * The graphs the engine runs, one per purpose, all on the same GPT-2 trunk:
 *  - logits: full-vocabulary logits at every position;
 *  - rows: full-vocabulary logits at chosen rows (greedy decoding);
 *  - restricted: log-softmax over a chosen set of token ids at chosen rows (the head computes only those columns);
 *  - score / lm / verbalizer: the loss contract's summed continuation log-probs, and the two training losses
 *    with their gradient with respect to the soft prompt.
 */
import { appendGradients } from './autodiff/backward';
import { Graph, type FloatType, type Value } from './onnx/graph';
import { buildGpt2Trunk, lmHead, type Gpt2Config } from './models/gpt2';

export type HeadKind = 'logits' | 'rows' | 'restricted' | 'score' | 'lm' | 'verbalizer';

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
  /** Differentiate the loss with respect to the soft prompt. */
  withGrad?: boolean;
}

export function headKey(d: HeadDims): string {
  return [d.kind, d.batch, d.length, d.numVirtual, d.rows, d.picks, d.items, d.tokens, d.labels, d.withGrad ? 'grad' : ''].join('|');
}

export function buildHeadGraph(c: Gpt2Config, d: HeadDims, float: FloatType): Graph {
  const g = new Graph(float);
  const [B, T, nv] = [d.batch, d.length, d.numVirtual];
  const ids = g.input('ids', [B, T], 'int64');
  const positions = g.input('positions', [B, T], 'int64');
  const attnBias = g.input('attnBias', [B, 1, T, T]);
  const soft = nv > 0 ? { prompt: g.input('soft', [nv, c.nEmbd]), placement: g.input('placement', [B, T, nv]), tokenMask: g.input('tokenMask', [B, T, 1]) } : undefined;
  const { hidden, weights } = buildGpt2Trunk(g, c, { ids, positions, attnBias, soft });
  const head = lmHead(weights, c);

  if (d.kind === 'logits') {
    g.output(g.gemm(hidden, head, undefined, { transB: 1 }), 'logits');
    return g;
  }
  const rowIdx = g.input('rowIdx', [d.rows!], 'int64');
  const rows = g.op('Gather', [hidden, rowIdx], { axis: 0 });
  if (d.kind === 'rows') {
    g.output(g.gemm(rows, head, undefined, { transB: 1 }), 'logits');
    return g;
  }
  if (d.kind === 'restricted') {
    const columns = g.op('Gather', [head, g.input('tokenIds', [d.tokens!], 'int64')], { axis: 0 });
    g.output(g.op('LogSoftmax', [g.gemm(rows, columns, undefined, { transB: 1 })], { axis: 1 }), 'logProbs');
    return g;
  }

  // Loss contract: log softmax over the full vocabulary at each predicting row, then the (row, token) picks
  // summed per item by a 0/1 matrix.
  const logProbs = g.op('LogSoftmax', [g.gemm(rows, head, undefined, { transB: 1 })], { axis: 1 });
  const flat = g.reshape(logProbs, [d.rows! * c.vocabSize]);
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
  if (d.withGrad) {
    if (!soft) throw new Error('a gradient needs a soft prompt');
    g.output(appendGradients(g, loss, [soft.prompt])[0], 'grad');
  }
  return g;
}
