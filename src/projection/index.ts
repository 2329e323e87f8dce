/**
 * Soft-prompt projections (issue 6): each virtual token's nearest vocabulary tokens, its distance to the
 * vocabulary compared with the vocabulary's own nearest-neighbour distances, a 2-D PCA map, and the
 * nearest-token sequence as a hard prompt. The JSON shape is documented in docs/projection.md.
 */
import type { ModelEngine, SoftPrompt } from '../engine/api';
import { UserError } from '../engine/errors';
import { withHardPrefix } from '../prompts/render';
import type { PromptFile } from '../prompts/types';
import { visibleToken } from './display';
import { DEFAULT_MANIFOLD_SAMPLE, manifoldReference, percentileOf, quantile, sampleIds, type ManifoldDistance } from './manifold';
import { nearestRows, PROJECTION_METRICS, type Matrix, type ProjectionMetric } from './nearest';
import { pca2 } from './pca';

export { visibleToken } from './display';
export { formatProjection } from './format';
export { PROJECTION_METRICS, type ProjectionMetric } from './nearest';
export { releaseProjectionSessions } from './sessions';

export const DEFAULT_TOP_K = 5;
export const DEFAULT_MAP_SAMPLE = 1000;

/** What a projection needs of an engine. */
export type ProjectionEngine = Pick<ModelEngine, 'info' | 'tokenizer' | 'embeddings'>;

export interface ProjectOptions {
  /** Nearest tokens listed per virtual token (default 5). */
  topK?: number;
  /** cosine (default), l2 or dot. */
  metric?: ProjectionMetric;
  /** Vocabulary rows drawn as the map's background (and included in its PCA); default 1000. */
  mapSample?: number;
  /** Vocabulary rows whose nearest-neighbour distances form the percentile reference; default 1000. */
  manifoldSample?: number;
  /** Seed of both samples (default 0). */
  seed?: number;
  /** false: skip the 2-D map (the benchmark only needs the projected ids). */
  map?: boolean;
  /** onnxruntime threads; default one per physical core. */
  threads?: number;
}

export interface ProjectionNeighbor {
  id: number;
  /** The vocabulary piece exactly as decoded, e.g. " great". Plain text: render it as text, never as markup. */
  token: string;
  /** `token` with whitespace made visible, e.g. "·great" (see visibleToken). Also plain text. */
  display: string;
  /** cosine: cosine similarity; l2: Euclidean distance (smaller is nearer); dot: dot product. */
  score: number;
}

export interface ProjectedToken {
  /** 0-based position of the virtual token. */
  index: number;
  /** topK entries, nearest first. */
  neighbors: ProjectionNeighbor[];
  /** Distance to the nearest vocabulary embedding, in `manifold.distance`. */
  nearestDistance: number;
  /** Percent of sampled vocabulary tokens whose nearest-neighbour distance is below nearestDistance (0..100). */
  percentile: number;
}

export interface MapPoint {
  x: number;
  y: number;
}

export interface ProjectionMap {
  virtual: ({ index: number } & MapPoint)[];
  /** Every distinct neighbour listed in `tokens`, in order of first appearance. */
  neighbors: ({ id: number; token: string; display: string } & MapPoint)[];
  /** The vocabulary sample (neighbours excluded). */
  background: ({ id: number; token: string; display: string } & MapPoint)[];
  /** Share of the total variance along x and along y. */
  explainedVariance: [number, number];
}

export interface ProjectionResult {
  metric: ProjectionMetric;
  topK: number;
  numVirtual: number;
  hiddenSize: number;
  /** Vocabulary rows searched (embedding rows the tokenizer has no token for are left out). */
  vocabSize: number;
  manifold: {
    /** cosine: 1 − cosine similarity (metric cosine); l2: Euclidean distance (metrics l2 and dot). */
    distance: ManifoldDistance;
    /** Vocabulary rows in the reference sample. */
    sampleSize: number;
    /** Quantiles of the sampled vocabulary tokens' nearest-neighbour distances. */
    p5: number;
    median: number;
    p95: number;
  };
  tokens: ProjectedToken[];
  /** The nearest token of each virtual token, in order: a hard prompt of the same length. */
  projectedIds: number[];
  /** projectedIds decoded as one string. */
  projectedText: string;
  /** Absent when options.map is false. */
  map?: ProjectionMap;
}

function checkInputs(engine: ProjectionEngine, soft: SoftPrompt, topK: number, metric: string, vocabRows: number): void {
  const { info } = engine;
  if (!PROJECTION_METRICS.includes(metric as ProjectionMetric)) throw new UserError(`metric must be one of ${PROJECTION_METRICS.join(', ')}, got ${JSON.stringify(metric)}`);
  if (!Number.isInteger(topK) || topK < 1 || topK > vocabRows) throw new UserError(`top-k must be a whole number from 1 to ${vocabRows} (the vocabulary size), got ${topK}`);
  if (soft.hiddenSize !== info.hiddenSize) {
    throw new UserError(`soft prompt width ${soft.hiddenSize} does not match the model's hidden size ${info.hiddenSize} (${info.dir}): it was made for another model`);
  }
  if (soft.numVirtual < 1) throw new UserError('the soft prompt has no virtual tokens');
  if (soft.data.length !== soft.numVirtual * soft.hiddenSize) throw new UserError(`soft prompt has ${soft.data.length} values, expected ${soft.numVirtual} × ${soft.hiddenSize}`);
  const H = soft.hiddenSize;
  for (let i = 0; i < soft.data.length; i++) {
    if (!Number.isFinite(soft.data[i])) throw new UserError(`virtual token ${Math.floor(i / H)} has a non-finite value (${soft.data[i]}) at dimension ${i % H}: the soft prompt is corrupt or training diverged`);
  }
}

/** The nearest-token projection of every virtual token of `soft`, with percentiles and (by default) the map. */
export async function projectSoftPrompt(engine: ProjectionEngine, soft: SoftPrompt, options: ProjectOptions = {}): Promise<ProjectionResult> {
  const topK = options.topK ?? DEFAULT_TOP_K;
  const metric = options.metric ?? 'cosine';
  const seed = options.seed ?? 0;
  const { info, tokenizer } = engine;
  const H = info.hiddenSize;
  const vocabRows = tokenizer.vocabSize > 0 ? Math.min(info.vocabSize, tokenizer.vocabSize) : info.vocabSize;
  if (engine.embeddings.length < vocabRows * H) throw new Error(`embedding matrix has ${engine.embeddings.length} values, expected ${info.vocabSize} × ${H}`);
  checkInputs(engine, soft, topK, metric, vocabRows);
  const vocab: Matrix = { data: engine.embeddings, rows: vocabRows, hidden: H };
  const n = soft.numVirtual;
  const threads = options.threads;

  const nearest = await nearestRows(vocab, soft.data, { metric, k: topK, threads });
  const distance: ManifoldDistance = metric === 'cosine' ? 'cosine' : 'l2';
  // cosine and l2 rank by the manifold distance itself; dot products are no distance, so search again by L2.
  const byDistance = metric === 'dot' ? await nearestRows(vocab, soft.data, { metric: 'l2', k: 1, threads }) : undefined;
  const nearestDistance = (r: number) => (byDistance ? byDistance.values[r] : nearest.values[r * topK]);
  const reference = await manifoldReference(vocab, { distance, sample: options.manifoldSample ?? DEFAULT_MANIFOLD_SAMPLE, seed, threads });

  const neighbourIds = [...new Set(nearest.ids)];
  const pieces = new Map<number, string>();
  const piece = (ids: number[]) => tokenizer.pieces(ids).forEach((p, i) => pieces.set(ids[i], p));
  piece(neighbourIds);
  const scoreOf = (v: number) => (metric === 'cosine' ? 1 - v : v);

  const tokens: ProjectedToken[] = Array.from({ length: n }, (_, r) => ({
    index: r,
    neighbors: Array.from({ length: topK }, (_, j) => {
      const id = nearest.ids[r * topK + j];
      const token = pieces.get(id)!;
      return { id, token, display: visibleToken(token), score: scoreOf(nearest.values[r * topK + j]) };
    }),
    nearestDistance: nearestDistance(r),
    percentile: percentileOf(reference.sorted, nearestDistance(r)),
  }));
  const projectedIds = tokens.map((t) => t.neighbors[0].id);

  const result: ProjectionResult = {
    metric,
    topK,
    numVirtual: n,
    hiddenSize: H,
    vocabSize: vocabRows,
    manifold: {
      distance,
      sampleSize: reference.sorted.length,
      p5: quantile(reference.sorted, 0.05),
      median: quantile(reference.sorted, 0.5),
      p95: quantile(reference.sorted, 0.95),
    },
    tokens,
    projectedIds,
    projectedText: tokenizer.decode(projectedIds),
  };
  if (options.map !== false) {
    const background = sampleIds(vocabRows, options.mapSample ?? DEFAULT_MAP_SAMPLE, seed, new Set(neighbourIds));
    piece(background);
    result.map = await projectionMap(vocab, soft, neighbourIds, background, pieces, { threads, seed });
  }
  return result;
}

async function projectionMap(vocab: Matrix, soft: SoftPrompt, neighbourIds: number[], background: number[], pieces: Map<number, string>, opts: { threads?: number; seed: number }): Promise<ProjectionMap> {
  const H = vocab.hidden;
  const vocabPoints = [...background, ...neighbourIds];
  const m = vocabPoints.length + soft.numVirtual;
  const points = new Float64Array(m * H);
  vocabPoints.forEach((id, p) => points.set(vocab.data.subarray(id * H, (id + 1) * H), p * H));
  points.set(soft.data, vocabPoints.length * H);
  const { coords, explained } = await pca2(points, m, H, opts);
  const at = (p: number): MapPoint => ({ x: coords[2 * p], y: coords[2 * p + 1] });
  const vocabPoint = (id: number, p: number) => ({ id, token: pieces.get(id)!, display: visibleToken(pieces.get(id)!), ...at(p) });
  return {
    virtual: Array.from({ length: soft.numVirtual }, (_, i) => ({ index: i, ...at(vocabPoints.length + i) })),
    neighbors: neighbourIds.map((id, i) => vocabPoint(id, background.length + i)),
    background: background.map((id, i) => vocabPoint(id, i)),
    explainedVariance: explained,
  };
}

/**
 * The prompt file with the projection's text at the soft-prompt position (before everything for
 * `soft_prompt: prefix`, at the marker otherwise), so `ptune eval` / `ptune bench` can score it as a hard
 * prompt. Re-tokenising the text can merge pieces differently; to score exactly the projected ids, build
 * examples with `softPromptIds: result.projectedIds` (src/prompts BuildOptions) instead.
 */
export function projectedPrompt(prompt: PromptFile, result: Pick<ProjectionResult, 'projectedText'>): PromptFile {
  return withHardPrefix(prompt, result.projectedText);
}
