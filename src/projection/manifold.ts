/**
 * "On the manifold?": how far a virtual token is from its nearest vocabulary embedding, measured against
 * how far vocabulary embeddings are from their own nearest neighbours. All-pairs over a 50k vocabulary is
 * 2.5 billion distances, so the reference is a seeded sample of rows, each searched against the whole
 * vocabulary (itself excluded) in onnxruntime, and cached per matrix.
 */
import { createRng } from '../data/random';
import { nearestRows, type Matrix } from './nearest';

/** The distance the percentile uses: cosine distance (1 − cos) or Euclidean. */
export type ManifoldDistance = 'cosine' | 'l2';

export const DEFAULT_MANIFOLD_SAMPLE = 1000;

/** Query rows per onnxruntime run: bounds the [rows × vocabulary] score matrix (≈ 50 MB at 50k tokens). */
const CHUNK_ROWS = 256;

export interface ManifoldReference {
  distance: ManifoldDistance;
  /** Sampled vocabulary rows' nearest-neighbour distances, ascending. */
  sorted: Float64Array;
}

export interface ReferenceOptions {
  distance: ManifoldDistance;
  sample?: number;
  seed?: number;
  threads?: number;
}

/** `count` distinct ids from [0, n) (all of them when count ≥ n), seeded; `exclude` ids are never drawn. */
export function sampleIds(n: number, count: number, seed: number, exclude: ReadonlySet<number> = new Set()): number[] {
  const pool: number[] = [];
  for (let i = 0; i < n; i++) if (!exclude.has(i)) pool.push(i);
  const take = Math.min(count, pool.length);
  const rng = createRng(seed);
  // Partial Fisher–Yates: the first `take` slots end up a uniform sample.
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(rng() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, take).sort((a, b) => a - b);
}

/** Each given row's distance to its nearest other vocabulary row (a duplicate row counts, at distance 0). */
export async function vocabularyNearestDistances(vocab: Matrix, ids: readonly number[], distance: ManifoldDistance, threads?: number): Promise<Float64Array> {
  const { rows: V, hidden: H } = vocab;
  if (V < 2) throw new Error('a vocabulary of one row has no nearest neighbours');
  // Self is normally the first hit, but rounding may rank an almost identical row first: look at three.
  const k = Math.min(3, V);
  const chunk = Math.min(CHUNK_ROWS, ids.length);
  const out = new Float64Array(ids.length);
  const queries = new Float32Array(chunk * H);
  for (let start = 0; start < ids.length; start += chunk) {
    const part = ids.slice(start, start + chunk);
    // A short last chunk repeats its first row, so every run has the same shape (one session).
    for (let r = 0; r < chunk; r++) {
      const id = part[r] ?? part[0];
      queries.set(vocab.data.subarray(id * H, (id + 1) * H), r * H);
    }
    const found = await nearestRows(vocab, queries, { metric: distance, k, threads });
    part.forEach((self, r) => {
      let best = Infinity;
      for (let j = 0; j < k; j++) if (found.ids[r * k + j] !== self) best = Math.min(best, found.values[r * k + j]);
      out[start + r] = best;
    });
  }
  return out;
}

const referenceCache = new WeakMap<Float32Array, Map<string, Promise<ManifoldReference>>>();

/** The sorted nearest-neighbour distances of a seeded sample of vocabulary rows; computed once per matrix. */
export function manifoldReference(vocab: Matrix, opts: ReferenceOptions): Promise<ManifoldReference> {
  const sample = opts.sample ?? DEFAULT_MANIFOLD_SAMPLE;
  const seed = opts.seed ?? 0;
  let perData = referenceCache.get(vocab.data);
  if (!perData) referenceCache.set(vocab.data, (perData = new Map()));
  const key = `${opts.distance}|${vocab.rows}x${vocab.hidden}|${sample}|${seed}`;
  let ref = perData.get(key);
  if (!ref) {
    ref = (async () => {
      const ids = sampleIds(vocab.rows, sample, seed);
      const sorted = (await vocabularyNearestDistances(vocab, ids, opts.distance, opts.threads)).sort();
      return { distance: opts.distance, sorted };
    })();
    ref.catch(() => perData!.delete(key));
    perData.set(key, ref);
  }
  return ref;
}

/**
 * Percent of the reference distances strictly below `d`: 0 means nearer to the vocabulary than every
 * sampled token is to its own nearest neighbour (an embedding row itself, at distance 0, is 0); 100 means
 * farther than all of them.
 */
export function percentileOf(sorted: Float64Array, d: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < d) lo = mid + 1;
    else hi = mid;
  }
  return sorted.length === 0 ? 0 : (100 * lo) / sorted.length;
}

/** The q-quantile (0..1) of sorted values, linearly interpolated. */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
