/**
 * Nearest vocabulary rows of a set of query vectors, as one onnxruntime graph: a single Gemm of the queries
 * against the embedding matrix (fed as an input, never copied), a per-column correction for the metric,
 * TopK, and then the exact metric value recomputed from the k gathered rows. The Gemm form of cosine and L2
 * rounds (‖b‖² − 2a·b loses digits when a ≈ b); the recomputation makes an exact embedding row come out at
 * distance 0 and cosine 1.
 */
import { Graph, type Value } from '../engine/onnx/graph';
import { cachedSession } from './sessions';

export type ProjectionMetric = 'cosine' | 'l2' | 'dot';
export const PROJECTION_METRICS: readonly ProjectionMetric[] = ['cosine', 'l2', 'dot'];

/** A row-major [rows, hidden] float32 matrix; `data` may be longer (only the first rows × hidden are used). */
export interface Matrix {
  data: Float32Array;
  rows: number;
  hidden: number;
}

export interface NearestResult {
  /** [queries × k] vocabulary ids, best first for each query. */
  ids: Int32Array;
  /**
   * [queries × k] the metric's value for each id: cosine → cosine distance 1 − cos (smaller is nearer),
   * l2 → Euclidean distance, dot → dot product (larger is nearer).
   */
  values: Float64Array;
}

// Keeps 0/0 at 0 for an all-zero row; far below any real norm, so it changes no other value.
const TINY = 1e-30;

function rows(m: Matrix): Float32Array {
  const n = m.rows * m.hidden;
  return m.data.length === n ? m.data : m.data.subarray(0, n);
}

/** ‖row‖² of every vocabulary row, computed once per matrix in onnxruntime and cached. */
const squaredNormCache = new WeakMap<Float32Array, Map<string, Promise<Float32Array>>>();

export function squaredRowNorms(vocab: Matrix, threads?: number): Promise<Float32Array> {
  let perData = squaredNormCache.get(vocab.data);
  if (!perData) squaredNormCache.set(vocab.data, (perData = new Map()));
  const key = `${vocab.rows}x${vocab.hidden}`;
  let norms = perData.get(key);
  if (!norms) {
    norms = (async () => {
      const session = await cachedSession(`sqnorm|${key}`, threads, () => {
        const g = new Graph('float32');
        const v = g.input('vocab', [vocab.rows, vocab.hidden]);
        g.output(g.reduceSum(g.mul(v, v), [1], false), 'sq');
        return g;
      });
      return (await session.run({ vocab: rows(vocab) })).sq as Float32Array;
    })();
    norms.catch(() => perData!.delete(key));
    perData.set(key, norms);
  }
  return norms;
}

function buildNearestGraph(V: number, H: number, n: number, k: number, metric: ProjectionMetric): Graph {
  const g = new Graph('float32');
  const vocab = g.input('vocab', [V, H]);
  const query = g.input('query', [n, H]);
  const products = g.gemm(query, vocab, undefined, { transB: 1 }); // [n, V]
  // Per query row, a monotone stand-in for the metric (terms constant along the row are left out).
  let rank: Value;
  let largest = 1;
  if (metric === 'dot') {
    rank = products;
  } else {
    const sq = g.input('vocabSq', [V]);
    if (metric === 'cosine') {
      rank = g.div(products, g.add(g.op('Sqrt', [sq]), g.scalar(TINY)));
    } else {
      rank = g.sub(sq, g.mul(products, g.scalar(2))); // ‖b‖² − 2a·b = ‖a − b‖² − ‖a‖²
      largest = 0;
    }
  }
  const [, indices] = g.ops('TopK', [rank, g.ints([k])], { axis: 1, largest, sorted: 1 });
  const neighbours = g.op('Gather', [vocab, indices], { axis: 0 }); // [n, k, H]
  const q = g.reshape(query, [n, 1, H]);
  let value: Value;
  if (metric === 'dot') {
    value = g.reduceSum(g.mul(neighbours, q), [2], false);
  } else if (metric === 'l2') {
    const diff = g.sub(neighbours, q);
    value = g.op('Sqrt', [g.reduceSum(g.mul(diff, diff), [2], false)]);
  } else {
    // Cosine distance as ‖â − b̂‖² / 2: query and neighbours are normalised by the same ops in one tensor,
    // so a query equal to a vocabulary row has exactly the same unit vector and distance 0.
    const all = g.concat([q, neighbours], 1); // [n, 1 + k, H]
    const norms = g.op('Sqrt', [g.reduceSum(g.mul(all, all), [2], true)]);
    const unit = g.div(all, g.add(norms, g.scalar(TINY)));
    const diff = g.sub(g.slice(unit, 1, 1, k + 1), g.slice(unit, 1, 0, 1));
    value = g.mul(g.reduceSum(g.mul(diff, diff), [2], false), g.scalar(0.5));
  }
  g.output(indices, 'indices');
  g.output(value, 'values');
  return g;
}

export interface NearestOptions {
  metric: ProjectionMetric;
  k: number;
  threads?: number;
}

/**
 * The k vocabulary rows nearest each query row ([n, hidden] row-major), best first; ties in the exact value
 * are broken by the smaller id.
 */
export async function nearestRows(vocab: Matrix, queries: Float32Array, opts: NearestOptions): Promise<NearestResult> {
  const { rows: V, hidden: H } = vocab;
  const { metric, k } = opts;
  const n = queries.length / H;
  if (!Number.isInteger(n) || n < 1) throw new Error(`nearestRows: ${queries.length} query values is not a whole number of rows of ${H}`);
  if (!Number.isInteger(k) || k < 1 || k > V) throw new Error(`nearestRows: k = ${k} outside 1..${V}`);
  const session = await cachedSession(`nearest|${metric}|${V}x${H}|${n}|${k}`, opts.threads, () => buildNearestGraph(V, H, n, k, metric));
  const feeds: Record<string, Float32Array> = { vocab: rows(vocab), query: queries };
  if (metric !== 'dot') feeds.vocabSq = await squaredRowNorms(vocab, opts.threads);
  const out = await session.run(feeds);
  const indices = out.indices as BigInt64Array;
  const values = out.values as Float32Array;
  const ids = new Int32Array(n * k);
  const exact = new Float64Array(n * k);
  const better = metric === 'dot' ? (a: number, b: number) => b - a : (a: number, b: number) => a - b;
  for (let r = 0; r < n; r++) {
    // The exact values may reorder near-ties that the Gemm form ranked; k is small, so sort here.
    const order = Array.from({ length: k }, (_, j) => r * k + j);
    order.sort((a, b) => better(values[a], values[b]) || Number(indices[a] - indices[b]));
    order.forEach((from, j) => {
      ids[r * k + j] = Number(indices[from]);
      exact[r * k + j] = values[from];
    });
  }
  return { ids, values: exact };
}
