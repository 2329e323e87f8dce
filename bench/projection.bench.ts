/**
 * npm run bench:projection — 100 virtual tokens against a random GPT-2-sized embedding matrix
 * (50,257 × 768), top-5 cosine. Medians of 5 runs after a warm-up that builds the sessions:
 *  - projectMs: the nearest-token projection alone (Gemm + TopK + exact values in onnxruntime);
 *  - manifoldMs: the percentile reference (1,000 sampled rows searched against the vocabulary), which a
 *    model pays once (it is cached per embedding matrix), plus the percentile look-ups;
 *  - pcaMs: the 2-D map's exact PCA over 1,000 background rows + the neighbours + the virtual tokens;
 *  - totalMs: projectSoftPrompt end to end once the reference is cached.
 * Prints one JSON object as its last stdout line.
 */
import type { TextTokenizer } from '../src/engine/api';
import { createRng } from '../src/data/random';
import { projectSoftPrompt, type ProjectionEngine } from '../src/projection';
import { DEFAULT_MANIFOLD_SAMPLE, percentileOf, sampleIds, vocabularyNearestDistances } from '../src/projection/manifold';
import { nearestRows, type Matrix } from '../src/projection/nearest';
import { pca2 } from '../src/projection/pca';
import { timeIt } from './timing';

const [VOCAB, HIDDEN, VIRTUAL, TOP_K, RUNS, MAP_SAMPLE] = [50257, 768, 100, 5, 5, 1000];

async function main(): Promise<void> {
  const rng = createRng(1);
  // GPT-2's wte has std ≈ 0.14 per entry; uniform in ±0.25 is close.
  const embeddings = Float32Array.from({ length: VOCAB * HIDDEN }, () => (rng() - 0.5) / 2);
  const soft = Float32Array.from({ length: VIRTUAL * HIDDEN }, () => (rng() - 0.5) / 2);
  const vocab: Matrix = { data: embeddings, rows: VOCAB, hidden: HIDDEN };

  const projectMs = await timeIt(RUNS, () => nearestRows(vocab, soft, { metric: 'cosine', k: TOP_K }));

  const found = await nearestRows(vocab, soft, { metric: 'cosine', k: TOP_K });
  const manifoldMs = await timeIt(RUNS, async () => {
    const sorted = (await vocabularyNearestDistances(vocab, sampleIds(VOCAB, DEFAULT_MANIFOLD_SAMPLE, 0), 'cosine')).sort();
    for (let r = 0; r < VIRTUAL; r++) percentileOf(sorted, found.values[r * TOP_K]);
  });

  const neighbours = [...new Set(found.ids)];
  const points = [...sampleIds(VOCAB, MAP_SAMPLE, 0, new Set(neighbours)), ...neighbours];
  const m = points.length + VIRTUAL;
  const data = new Float64Array(m * HIDDEN);
  points.forEach((id, p) => data.set(embeddings.subarray(id * HIDDEN, (id + 1) * HIDDEN), p * HIDDEN));
  data.set(soft, points.length * HIDDEN);
  const pcaMs = await timeIt(RUNS, () => pca2(data, m, HIDDEN));

  const tokenizer: TextTokenizer = {
    encode: () => [],
    decode: (ids) => ids.map((id) => `t${id}`).join(' '),
    pieces: (ids) => ids.map((id) => ` t${id}`),
    vocabSize: VOCAB,
    eosTokenId: undefined,
    bosTokenId: undefined,
    prefixIds: [],
  };
  const engine: ProjectionEngine = {
    info: { dir: 'random', modelType: 'gpt2', hiddenSize: HIDDEN, numLayers: 12, numHeads: 12, numKeyValueHeads: 12, headDim: 64, vocabSize: VOCAB, maxPositions: 1024, nameOrPath: 'random' },
    tokenizer,
    embeddings,
  };
  const totalMs = await timeIt(RUNS, () => projectSoftPrompt(engine, { numVirtual: VIRTUAL, hiddenSize: HIDDEN, data: soft }, { topK: TOP_K }));

  const round = (x: number) => Math.round(x * 10) / 10;
  console.log(JSON.stringify({
    vocab: VOCAB,
    hidden: HIDDEN,
    virtualTokens: VIRTUAL,
    topK: TOP_K,
    runs: RUNS,
    manifoldSample: DEFAULT_MANIFOLD_SAMPLE,
    mapPoints: m,
    projectMs: round(projectMs),
    manifoldMs: round(manifoldMs),
    pcaMs: round(pcaMs),
    totalMs: round(totalMs),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
