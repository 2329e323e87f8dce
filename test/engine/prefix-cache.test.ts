/**
 * Shared-prefix caching: scores, losses and gradients with the prefix computed once equal the uncached ones (≤ 1e-4) on
 * every family, with no soft prompt, a prefix soft prompt, one at a marker inside the shared part and a
 * prefix-tuning prefix (its slots in front of the cached tokens'), with
 * few-shot-style shared text and rows of different lengths (padded batches).
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PromptParams, ScoredExample, SoftPrompt } from '../../src/engine/api';
import { Engine } from '../../src/engine/engine';
import { randomPrefix } from '../helpers/prefix';
import { mulberry } from '../helpers/random';
import { sharedPath } from '../helpers/shared';
import { TINY_FAMILY_CONFIGS, writeTinyFamily } from '../helpers/tiny-family';
import { writeTinyGpt2 } from '../helpers/tiny-model';

const root = mkdtempSync(join(tmpdir(), 'ptune-prefix-'));
after(() => rmSync(root, { recursive: true, force: true }));

function randomSoft(numVirtual: number, hiddenSize: number, seed: number): SoftPrompt {
  const rnd = mulberry(seed);
  return { numVirtual, hiddenSize, data: Float32Array.from({ length: numVirtual * hiddenSize }, () => (rnd() - 0.5) * 0.5) };
}

async function compare(cached: Engine, plain: Engine, examples: ScoredExample[], soft?: PromptParams): Promise<number> {
  let worst = 0;
  const a = await cached.score(examples, soft);
  const b = await plain.score(examples, soft);
  a.forEach((row, i) => row.forEach((x, c) => (worst = Math.max(worst, Math.abs(x - b[i][c])))));
  for (const kind of ['lm', 'verbalizer'] as const) {
    const la = await cached.loss(examples, soft, kind);
    const lb = await plain.loss(examples, soft, kind);
    worst = Math.max(worst, Math.abs(la.loss - lb.loss), ...la.perExample.map((x, i) => Math.abs(x - lb.perExample[i])));
    if (!soft) continue;
    // Training: the gradient through the shared prefix's keys and values equals the one through every row.
    const runs = cached.runCount;
    const ga = await cached.lossAndGrad(examples, soft, kind);
    const gb = await plain.lossAndGrad(examples, soft, kind);
    lastGradientRuns = cached.runCount - runs;
    worst = Math.max(worst, Math.abs(ga.loss - gb.loss), ...ga.grad.map((x, i) => Math.abs(x - gb.grad[i])));
  }
  return worst;
}

/**
 * Model runs of the cached engine's last lossAndGrad: the rows and the prefix backward (2) when the prefix was
 * shared, its keys and values served from the cache the loss calls before it filled; the full batch alone (1) when not.
 */
let lastGradientRuns = 0;

function fewShot(tok: Engine['tokenizer'], marker: number | undefined): ScoredExample[] {
  const shared = 'Review: the hat is great. Rating: great\\nReview: the re the re. Rating: terrible\\nReview: ';
  const rows = ['a', 'the hat, the re', 'great great great the', 'x'];
  const conts = [tok.encode(' great'), tok.encode(' the re')];
  return rows.map((r, i) => ({ promptIds: tok.encode(`${shared}${r} Rating:`), continuations: conts, gold: i % 2, softPromptAt: marker }));
}

describe('shared-prefix caching leaves every result unchanged', function () {
  this.timeout(120_000);
  for (const family of ['gpt2', ...Object.keys(TINY_FAMILY_CONFIGS)]) {
    it(`${family}: scores, both losses and their gradients, no soft prompt / prefix / marker / prefix tuning, padded few-shot rows (≤ 1e-4)`, async () => {
      const config = family === 'phi3' ? { rope_scaling: null } : {};
      const m = family === 'gpt2' ? writeTinyGpt2(join(root, family), { seed: 6, nPositions: 256 }) : writeTinyFamily(join(root, family), family, { seed: 6, config: { ...config, max_position_embeddings: 256 } });
      const cached = await Engine.load(m.dir, { threads: 1 });
      const plain = await Engine.load(m.dir, { threads: 1, prefixCaching: false });
      const soft = randomSoft(3, m.hidden, 2);
      const worst = Math.max(
        await compare(cached, plain, fewShot(cached.tokenizer, undefined)),
        await compare(cached, plain, fewShot(cached.tokenizer, undefined), soft),
        await compare(cached, plain, fewShot(cached.tokenizer, 5), soft),
        await compare(cached, plain, fewShot(cached.tokenizer, undefined), randomPrefix(cached.info, 5, 3)),
      );
      assert.ok((cached as unknown as { prefixKv?: unknown }).prefixKv, 'the cached engine used a shared prefix');
      assert.equal(lastGradientRuns, 2, 'the last gradient ran the rows against the shared prefix, then the prefix backward');
      assert.ok(!(plain as unknown as { prefixKv?: unknown }).prefixKv);
      assert.ok(worst <= 1e-4, `max abs difference ${worst}`);
      await cached.dispose();
      await plain.dispose();
    });
  }

  it('a changed soft prompt is never served from the cache', async () => {
    const m = writeTinyFamily(join(root, 'stale'), 'llama', { seed: 2, config: { max_position_embeddings: 256 } });
    const cached = await Engine.load(m.dir, { threads: 1 });
    const plain = await Engine.load(m.dir, { threads: 1, prefixCaching: false });
    const soft = randomSoft(3, m.hidden, 2);
    const examples = fewShot(cached.tokenizer, undefined);
    await cached.score(examples, soft);
    soft.data[0] += 0.5; // trained in place, as an optimizer does
    assert.ok((await compare(cached, plain, examples, soft)) <= 1e-4);
    const prefix = randomPrefix(cached.info, 4, 5);
    await cached.score(examples, prefix);
    prefix.data[prefix.data.length - 1] += 0.5;
    assert.ok((await compare(cached, plain, examples, prefix)) <= 1e-4);
    await cached.dispose();
    await plain.dispose();
  });

  it('imdb-gpt2-small, a 4-shot SST-2 style prompt: cached equals uncached', async function () {
    const dir = sharedPath(this, 'models/imdb-gpt2-small');
    const cached = await Engine.load(dir);
    const plain = await Engine.load(dir, { prefixCaching: false });
    const soft = randomSoft(20, 256, 5);
    assert.ok((await compare(cached, plain, fewShot(cached.tokenizer, undefined), soft)) <= 1e-4);
    await cached.dispose();
    await plain.dispose();
  });
});
