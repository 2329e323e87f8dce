/**
 * projectSoftPrompt end to end: on a tiny random GPT-2 (exact embedding rows project to themselves with
 * cosine 1 and percentile 0, for every metric; the map; the hard prompt), on a fake engine whose token is
 * markup (it survives verbatim in the JSON), bad input, and optionally on the real model in ../shared.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SoftPrompt, TextTokenizer } from '../../src/engine/api';
import { Engine } from '../../src/engine/engine';
import { isUserError } from '../../src/engine/errors';
import { parsePromptFile, renderPrompt } from '../../src/prompts';
import { projectedPrompt, projectSoftPrompt, type ProjectionEngine } from '../../src/projection';
import { mulberry } from '../helpers/random';
import { sharedPath } from '../helpers/shared';
import { writeTinyGpt2 } from '../helpers/tiny-model';
import { bruteForceNearest, randomMatrix } from './reference';

const root = mkdtempSync(join(tmpdir(), 'ptune-projection-'));
after(() => rmSync(root, { recursive: true, force: true }));

function rowsAsSoft(embeddings: Float32Array, H: number, ids: number[]): SoftPrompt {
  const data = new Float32Array(ids.length * H);
  ids.forEach((id, r) => data.set(embeddings.subarray(id * H, (id + 1) * H), r * H));
  return { numVirtual: ids.length, hiddenSize: H, data };
}

async function rejects(p: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => isUserError(e) && message.test((e as Error).message));
}

describe('projection: soft prompts on a tiny GPT-2', () => {
  let engine: Engine;
  let H: number;
  let V: number;
  before(async () => {
    const m = writeTinyGpt2(join(root, 'tiny'), { nEmbd: 16, seed: 4 });
    engine = await Engine.load(m.dir, { threads: 1 });
    [H, V] = [m.hidden, m.vocabSize];
  });
  after(() => engine.dispose());

  const ids = [3, 263, 100, 3, 264];

  it('a soft prompt made of embedding rows projects to those tokens with cosine 1 and percentile 0', async () => {
    const soft = rowsAsSoft(engine.embeddings, H, ids);
    const r = await projectSoftPrompt(engine, soft, { topK: 4, threads: 1 });
    assert.equal(r.metric, 'cosine');
    assert.equal(r.tokens.length, ids.length);
    r.tokens.forEach((t, i) => {
      assert.equal(t.index, i);
      assert.equal(t.neighbors.length, 4);
      assert.equal(t.neighbors[0].id, ids[i]);
      assert.equal(t.neighbors[0].score, 1);
      assert.equal(t.nearestDistance, 0);
      assert.equal(t.percentile, 0);
      assert.ok(t.neighbors.every((nb, j) => j === 0 || nb.score <= t.neighbors[j - 1].score), 'best first');
      assert.equal(t.neighbors[0].token, engine.tokenizer.pieces([ids[i]])[0]);
    });
    assert.deepEqual(r.projectedIds, ids);
    assert.equal(r.projectedText, engine.tokenizer.decode(ids));
    assert.equal(r.manifold.distance, 'cosine');
    assert.equal(r.manifold.sampleSize, V); // the default sample exceeds this vocabulary: all rows
  });

  for (const metric of ['l2', 'dot'] as const) {
    it(`${metric}: neighbours and scores equal a brute force; exact rows sit at percentile 0`, async () => {
      const rnd = mulberry(8);
      const random = { numVirtual: 2, hiddenSize: H, data: Float32Array.from({ length: 2 * H }, () => rnd() - 0.5) };
      const r = await projectSoftPrompt(engine, random, { topK: 3, metric, threads: 1, map: false });
      assert.equal(r.map, undefined);
      r.tokens.forEach((t, i) => {
        const q = random.data.subarray(i * H, (i + 1) * H);
        const ref = bruteForceNearest(engine.embeddings, V, H, q, metric).slice(0, 3);
        assert.deepEqual(t.neighbors.map((nb) => nb.id), ref.map((x) => x.id));
        t.neighbors.forEach((nb, j) => assert.ok(Math.abs(nb.score - ref[j].value) < 1e-5 * Math.max(1, Math.abs(ref[j].value))));
        const nearestL2 = bruteForceNearest(engine.embeddings, V, H, q, 'l2')[0].value;
        assert.ok(Math.abs(t.nearestDistance - nearestL2) < 1e-5, 'the manifold distance is L2 for l2 and dot');
        assert.ok(t.percentile > 0 && t.percentile <= 100);
      });
      assert.equal(r.manifold.distance, 'l2');
      const exact = await projectSoftPrompt(engine, rowsAsSoft(engine.embeddings, H, ids), { metric, threads: 1, map: false });
      exact.tokens.forEach((t) => {
        assert.equal(t.nearestDistance, 0);
        assert.equal(t.percentile, 0);
      });
      if (metric === 'l2') assert.deepEqual(exact.tokens.map((t) => t.neighbors[0].score), ids.map(() => 0));
    });
  }

  it('maps virtual tokens, their neighbours and a background sample; a row sits on its own neighbour', async () => {
    const soft = rowsAsSoft(engine.embeddings, H, ids);
    const r = await projectSoftPrompt(engine, soft, { topK: 3, mapSample: 40, threads: 1 });
    const map = r.map!;
    const neighbourIds = [...new Set(r.tokens.flatMap((t) => t.neighbors.map((nb) => nb.id)))];
    assert.deepEqual(map.neighbors.map((p) => p.id), neighbourIds);
    assert.equal(map.virtual.length, ids.length);
    assert.equal(map.background.length, 40);
    assert.ok(map.background.every((p) => !neighbourIds.includes(p.id)));
    ids.forEach((id, i) => {
      const own = map.neighbors.find((p) => p.id === id)!;
      assert.equal(map.virtual[i].x, own.x);
      assert.equal(map.virtual[i].y, own.y);
    });
    assert.ok([...map.virtual, ...map.neighbors, ...map.background].every((p) => Number.isFinite(p.x) && Number.isFinite(p.y)));
    assert.ok(map.explainedVariance[0] >= map.explainedVariance[1] && map.explainedVariance[0] + map.explainedVariance[1] <= 1 + 1e-12);
    // Deterministic for a seed; a different seed draws another background.
    const again = await projectSoftPrompt(engine, soft, { topK: 3, mapSample: 40, threads: 1 });
    assert.deepEqual(again.map, map);
    const other = await projectSoftPrompt(engine, soft, { topK: 3, mapSample: 40, seed: 5, threads: 1 });
    assert.notDeepEqual(other.map!.background.map((p) => p.id), map.background.map((p) => p.id));
  });

  it('the projected text takes the place of the virtual tokens in a prompt file', async () => {
    const r = await projectSoftPrompt(engine, rowsAsSoft(engine.embeddings, H, ids), { topK: 1, map: false, threads: 1 });
    const labels = 'labels:\n  negative: " bad"\n  positive: " good"\n';
    const prefix = parsePromptFile(`---\ninputs: [text]\n${labels}---\nReview: {{ text }}`, 'p.prompt');
    assert.equal(renderPrompt(projectedPrompt(prefix, r), { text: 'ok' }).text, `${r.projectedText}Review: ok`);
    const marker = parsePromptFile(`---\ninputs: [text]\n${labels}soft_prompt: marker\n---\nReview: {{ text }}\n{{ soft_prompt }}Sentiment:`, 'm.prompt');
    assert.equal(renderPrompt(projectedPrompt(marker, r), { text: 'ok' }).text, `Review: ok\n${r.projectedText}Sentiment:`);
  });

  it('rejects a soft prompt for another model, non-finite values, a bad top-k or metric', async () => {
    const good = rowsAsSoft(engine.embeddings, H, [1]);
    await rejects(projectSoftPrompt(engine, { numVirtual: 1, hiddenSize: H + 1, data: new Float32Array(H + 1) }), /soft prompt width 17 does not match the model's hidden size 16/);
    const nan = rowsAsSoft(engine.embeddings, H, [1, 2]);
    nan.data[H + 5] = NaN;
    await rejects(projectSoftPrompt(engine, nan), /virtual token 1 has a non-finite value \(NaN\) at dimension 5/);
    await rejects(projectSoftPrompt(engine, good, { topK: 0 }), new RegExp(`top-k must be a whole number from 1 to ${V}`));
    await rejects(projectSoftPrompt(engine, good, { topK: V + 1 }), /top-k must be a whole number/);
    await rejects(projectSoftPrompt(engine, good, { metric: 'manhattan' as never }), /metric must be one of cosine, l2, dot, got "manhattan"/);
    await rejects(projectSoftPrompt(engine, { numVirtual: 0, hiddenSize: H, data: new Float32Array(0) }), /no virtual tokens/);
  });
});

describe('projection: token strings are data, never markup', () => {
  const MARKUP = '<img src=x onerror=alert(1)>';
  const [V, H] = [40, 8];
  const names = Array.from({ length: V }, (_, i) => (i === 7 ? MARKUP : i === 8 ? '\n\t"</script>' : `t${i}`));
  const tokenizer: TextTokenizer = {
    encode: () => [],
    decode: (ids) => ids.map((i) => names[i]).join(''),
    pieces: (ids) => ids.map((i) => names[i]),
    vocabSize: V,
    eosTokenId: undefined,
    bosTokenId: undefined,
    prefixIds: [],
  };
  const fake: ProjectionEngine = {
    info: { dir: '/fake', modelType: 'gpt2', hiddenSize: H, numLayers: 1, numHeads: 1, numKeyValueHeads: 1, headDim: H, vocabSize: V, maxPositions: 16, nameOrPath: 'fake' },
    tokenizer,
    embeddings: randomMatrix(V, H, 12),
  };

  it('keeps a token like <img src=x onerror=alert(1)> verbatim through JSON', async () => {
    const r = await projectSoftPrompt(fake, rowsAsSoft(fake.embeddings, H, [7, 8]), { topK: 2, mapSample: 10, threads: 1 });
    const parsed = JSON.parse(JSON.stringify(r));
    assert.equal(parsed.tokens[0].neighbors[0].token, MARKUP);
    assert.equal(parsed.tokens[0].neighbors[0].display, '<img·src=x·onerror=alert(1)>');
    assert.equal(parsed.tokens[1].neighbors[0].token, '\n\t"</script>');
    assert.equal(parsed.tokens[1].neighbors[0].display, '↵→"</script>');
    assert.equal(parsed.projectedText, `${MARKUP}\n\t"</script>`);
    assert.equal(parsed.map.neighbors.find((p: { id: number }) => p.id === 7).token, MARKUP);
  });

  it('searches only the rows the tokenizer has tokens for', async () => {
    const padded: ProjectionEngine = { ...fake, info: { ...fake.info, vocabSize: V + 8 }, embeddings: new Float32Array((V + 8) * H) };
    padded.embeddings.set(fake.embeddings);
    padded.embeddings.set(fake.embeddings.subarray(7 * H, 8 * H), (V + 3) * H); // a padding row equal to row 7
    const r = await projectSoftPrompt(padded, rowsAsSoft(padded.embeddings, H, [7]), { topK: 3, map: false, threads: 1 });
    assert.equal(r.vocabSize, V);
    assert.ok(r.tokens[0].neighbors.every((nb) => nb.id < V));
  });
});

describe('projection: the real model in ../shared', () => {
  it('projects rows of imdb-gpt2-small to themselves, and random vectors far from the vocabulary', async function () {
    const dir = sharedPath(this, 'models/imdb-gpt2-small');
    const engine = await Engine.load(dir, { threads: 1 });
    try {
      const H = engine.info.hiddenSize;
      const ids = engine.tokenizer.encode(' a great movie');
      const r = await projectSoftPrompt(engine, rowsAsSoft(engine.embeddings, H, ids), { topK: 5, mapSample: 200, threads: 1 });
      assert.deepEqual(r.projectedIds, ids);
      assert.equal(r.projectedText, ' a great movie');
      assert.ok(r.tokens.every((t) => t.percentile === 0 && t.neighbors[0].score === 1));
      assert.equal(r.tokens[1].neighbors[0].display, '·great');
      const rnd = mulberry(3);
      const random = { numVirtual: 3, hiddenSize: H, data: Float32Array.from({ length: 3 * H }, () => (rnd() - 0.5) * 4) };
      const far = await projectSoftPrompt(engine, random, { map: false, threads: 1 });
      assert.ok(far.tokens.every((t) => t.percentile > 90), `${far.tokens.map((t) => t.percentile)}`);
    } finally {
      await engine.dispose();
    }
  });
});
