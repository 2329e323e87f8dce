/**
 * Prefix tuning (PEFT PREFIX_TUNING) in the engine: the gradient with respect to every element of the per-layer
 * keys/values against central finite differences in float64 (GPT-2, Llama with grouped-query attention,
 * Mistral's sliding window, Gemma 3), a prefix computed from real tokens acts exactly like those tokens in front of the
 * text (positions, layout and every family's attention), and bad prefixes are one clear UserError.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScoredExample } from '../../src/engine/api';
import { Engine } from '../../src/engine/engine';
import { isUserError } from '../../src/engine/errors';
import { checkSoftPromptGradient } from '../helpers/finite-differences';
import { randomPrefix } from '../helpers/prefix';
import { sharedPath } from '../helpers/shared';
import { TINY_FAMILY_CONFIGS, writeTinyFamily } from '../helpers/tiny-family';
import { writeTinyGpt2 } from '../helpers/tiny-model';

const root = mkdtempSync(join(tmpdir(), 'ptune-prefix-tuning-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function userError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(isUserError(e), String(e));
    return (e as Error).message;
  }
  assert.fail('expected a UserError');
}

function tinyModel(family: string, seed: number, config: Record<string, unknown> = {}) {
  return family === 'gpt2' ? writeTinyGpt2(join(root, `${family}-${seed}`), { seed }) : writeTinyFamily(join(root, `${family}-${seed}`), family, { seed, config });
}

describe('prefix tuning: gradient with respect to every prefix element vs finite differences (float64)', function () {
  this.timeout(300_000);
  // GPT-2 (one key/value head per head), Llama with 4 heads on 2 key/value heads, Mistral (1 kv head, window 4),
  // Gemma 3 (sliding and global layers, soft-capped logits).
  for (const family of ['gpt2', 'llama', 'mistral', 'gemma3_text']) {
    for (const kind of ['lm', 'verbalizer'] as const) {
      it(`${family}, ${kind} loss: padded batch, rows longer than the sliding window`, async () => {
        const m = tinyModel(family, 13);
        const engine = await Engine.load(m.dir, { threads: 1, dtype: 'float64', chunkSize: 2 });
        const tok = engine.tokenizer;
        const conts = [tok.encode(' great'), tok.encode(' the re')];
        const examples: ScoredExample[] = [
          { promptIds: tok.encode('the hat'), continuations: conts, gold: 0 },
          { promptIds: tok.encode('a longer prompt to slide'), continuations: conts, gold: 1 },
          { promptIds: tok.encode('hi'), continuations: conts, gold: 1 },
        ];
        const prefix = randomPrefix(engine.info, 2, 31);
        const grad = await checkSoftPromptGradient(engine, examples, prefix, kind);
        // Keys and values of every layer take part (no block of the layout is left out).
        const { numLayers: L, numKeyValueHeads: kv, headDim: hd } = engine.info;
        for (let l = 0; l < L; l++) {
          for (const part of [0, 1]) {
            let norm = 0;
            for (let p = 0; p < 2; p++) for (let i = 0; i < kv * hd; i++) norm += Math.abs(grad[p * L * 2 * kv * hd + (l * 2 + part) * kv * hd + i]);
            assert.ok(norm > 1e-6, `layer ${l} ${part ? 'values' : 'keys'}: zero gradient`);
          }
        }
        await engine.dispose();
      });
    }
  }

  it('lossAndGrad returns the gradient in the prefix layout (float32 engine equals the float64 one)', async () => {
    const m = tinyModel('llama', 13);
    const e32 = await Engine.load(m.dir, { threads: 1 });
    const e64 = await Engine.load(m.dir, { threads: 1, dtype: 'float64' });
    const tok = e32.tokenizer;
    const examples: ScoredExample[] = [{ promptIds: tok.encode('the hat'), continuations: [tok.encode(' great'), tok.encode(' re')], gold: 0 }];
    const prefix = randomPrefix(e32.info, 3, 4);
    const a = await e32.lossAndGrad(examples, prefix, 'verbalizer');
    const b = await e64.lossAndGrad(examples, prefix, 'verbalizer');
    assert.ok(a.grad instanceof Float32Array);
    assert.equal(a.grad.length, prefix.data.length);
    let worst = 0;
    for (let i = 0; i < a.grad.length; i++) worst = Math.max(worst, Math.abs(a.grad[i] - b.grad[i]));
    assert.ok(worst < 1e-4, `max difference ${worst}`);
    await e32.dispose();
    await e64.dispose();
  });
});

describe('prefix tuning: a prefix from real tokens equals those tokens in front', function () {
  this.timeout(120_000);
  for (const family of ['gpt2', ...Object.keys(TINY_FAMILY_CONFIGS)]) {
    it(`${family}: logits of the text after prefixFromTokens(words) equal the logits of words + text (≤ 1e-4)`, async () => {
      // longrope picks its factors per call (on the whole length), which a cached prefix cannot follow.
      const m = tinyModel(family, 7, family === 'phi3' ? { rope_scaling: null } : {});
      const engine = await Engine.load(m.dir, { threads: 1 });
      const tok = engine.tokenizer;
      const words = tok.encode('the hat is great');
      const texts = [tok.encode(' and the re'), tok.encode(' x')];
      const prefix = await engine.prefixFromTokens(words);
      assert.equal(prefix.numVirtual, words.length);
      const withPrefix = await engine.logits(texts, prefix);
      const full = await engine.logits(texts.map((t) => [...words, ...t]));
      const V = engine.info.vocabSize;
      let worst = 0;
      texts.forEach((t, b) => {
        for (let i = 0; i < t.length * V; i++) worst = Math.max(worst, Math.abs(withPrefix[b][i] - full[b][words.length * V + i]));
      });
      assert.ok(worst <= 1e-4, `max abs difference ${worst}`);
      // Generation continues the same way.
      assert.deepEqual(await engine.generate(texts[0], 5, prefix), await engine.generate([...words, ...texts[0]], 5));
      await engine.dispose();
    });
  }
});

describe('prefix tuning on a real model', function () {
  this.timeout(120_000);
  it('imdb-gpt2-small: a prefix of real words equals those words in front; its gradient flows to every layer', async function () {
    const engine = await Engine.load(sharedPath(this, 'models/imdb-gpt2-small'), { threads: 2 });
    const tok = engine.tokenizer;
    const words = tok.encode('Review: a quiet, moving film.');
    const text = tok.encode(' My rating: the movie is great');
    const prefix = await engine.prefixFromTokens(words);
    const V = engine.info.vocabSize;
    const [withPrefix] = await engine.logits([text], prefix);
    const [full] = await engine.logits([[...words, ...text]]);
    let worst = 0;
    for (let i = 0; i < text.length * V; i++) worst = Math.max(worst, Math.abs(withPrefix[i] - full[words.length * V + i]));
    assert.ok(worst <= 1e-3, `max abs difference ${worst}`);
    const { grad } = await engine.lossAndGrad([{ promptIds: text.slice(0, -1), continuations: [text.slice(-1)], gold: 0 }], prefix, 'lm');
    const { numLayers: L, numKeyValueHeads: kv, headDim: hd } = engine.info;
    for (let l = 0; l < L; l++) {
      let norm = 0;
      for (let p = 0; p < words.length; p++) for (let i = 0; i < 2 * kv * hd; i++) norm += Math.abs(grad[p * L * 2 * kv * hd + l * 2 * kv * hd + i]);
      assert.ok(norm > 0, `layer ${l}: no gradient`);
    }
    await engine.dispose();
  });
});

describe('prefix tuning: bad prefixes are one clear message', function () {
  this.timeout(60_000);
  it('another model’s layers, key/value heads or head size; too long for the positions', async () => {
    const m = tinyModel('llama', 3, { max_position_embeddings: 24 });
    const engine = await Engine.load(m.dir, { threads: 1 });
    const tok = engine.tokenizer;
    const examples: ScoredExample[] = [{ promptIds: tok.encode('the hat'), continuations: [tok.encode(' great')], gold: 0 }];
    const info = engine.info;
    const layers = await userError(engine.score(examples, randomPrefix({ ...info, numLayers: 3 }, 2, 1)));
    assert.match(layers, /3 layers where .* has 2/);
    const heads = await userError(engine.loss(examples, randomPrefix({ ...info, numKeyValueHeads: 4 }, 2, 1), 'lm'));
    assert.match(heads, /4 key\/value heads where .* has 2/);
    const dim = await userError(engine.lossAndGrad(examples, randomPrefix({ ...info, headDim: 4 }, 2, 1), 'lm'));
    assert.match(dim, /4 head dimensions where .* has 6/);
    const long = await userError(engine.score(examples, randomPrefix(info, 20, 1)));
    assert.match(long, /after a prefix of 20 virtual tokens is longer than the model's 24 positions/);
    const longGen = await userError(Promise.resolve().then(() => engine.decoder([tok.encode('the hat')], { soft: randomPrefix(info, 20, 1), maxNewTokens: 4 })));
    assert.match(longGen, /24/);
    await engine.dispose();
  });
});
