/**
 * KV-cache decoding: every step's logits equal a full recomputation of the same sequence (≤ 1e-4), on every
 * family (tiny random checkpoints and the shared models), in a padded batch of prompts of different lengths,
 * with no soft prompt, a prefix soft prompt, one at a marker and a prefix-tuning prefix; and greedy decoding is token-identical to
 * Transformers.js `generate` on the shared models.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PromptParams, SoftPrompt } from '../../src/engine/api';
import { Engine } from '../../src/engine/engine';
import { buildHeadGraph } from '../../src/engine/heads';
import { randomPrefix } from '../helpers/prefix';
import { mulberry } from '../helpers/random';
import { sharedPath } from '../helpers/shared';
import { loadReferenceModel } from '../helpers/transformers-js';
import { TINY_FAMILY_CONFIGS, writeTinyFamily } from '../helpers/tiny-family';
import { writeTinyGpt2 } from '../helpers/tiny-model';

const root = mkdtempSync(join(tmpdir(), 'ptune-decoding-'));
after(() => rmSync(root, { recursive: true, force: true }));

function randomSoft(numVirtual: number, hiddenSize: number, seed: number): SoftPrompt {
  const rnd = mulberry(seed);
  return { numVirtual, hiddenSize, data: Float32Array.from({ length: numVirtual * hiddenSize }, () => (rnd() - 0.5) * 0.5) };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Steps a decoder with fixed tokens and compares each step with a fresh full forward of the same sequence. */
async function checkAgainstRecompute(engine: Engine, prompts: number[][], soft: PromptParams | undefined, softPromptAt: number[] | undefined, steps: number): Promise<number> {
  const decoder = engine.decoder(prompts, { soft, softPromptAt, maxNewTokens: steps + 1 });
  let logits = await decoder.start();
  const sequences = prompts.map((p) => [...p]);
  let worst = 0;
  for (let j = 0; j <= steps; j++) {
    for (let b = 0; b < prompts.length; b++) {
      // A full forward of the sequence so far: a fresh prefill (no cache).
      const full = (await engine.decoder([sequences[b]], { soft, softPromptAt: softPromptAt && [softPromptAt[b]], maxNewTokens: 1 }).start())[0];
      worst = Math.max(worst, maxAbsDiff(logits[b], full));
      if (!soft || (softPromptAt?.[b] ?? 0) === 0) {
        const V = engine.info.vocabSize;
        const all = (await engine.logits([sequences[b]], soft))[0];
        worst = Math.max(worst, maxAbsDiff(logits[b], all.subarray((sequences[b].length - 1) * V)));
      }
    }
    if (j === steps) break;
    const tokens = prompts.map((_, b) => (7 * j + 3 * b + 5) % 200);
    tokens.forEach((t, b) => sequences[b].push(t));
    logits = await decoder.step(tokens);
  }
  return worst;
}

describe('KV-cache decoding equals full recomputation', function () {
  this.timeout(120_000);
  const families = ['gpt2', ...Object.keys(TINY_FAMILY_CONFIGS)];
  for (const family of families) {
    it(`${family}: 8 steps, padded batch of 3, no soft prompt / prefix / marker / prefix tuning (≤ 1e-4); the step reads its cache in place`, async () => {
      // longrope picks its factors per call, so keys cached under short factors differ from a recomputation past
      // original_max_position_embeddings (transformers' cache behaves the same): test Phi-3's partial rotary without it.
      const m = family === 'gpt2' ? writeTinyGpt2(join(root, family), { seed: 3 }) : writeTinyFamily(join(root, family), family, { seed: 3, config: family === 'phi3' ? { rope_scaling: null } : {} });
      const engine = await Engine.load(m.dir, { threads: 1 });
      const tok = engine.tokenizer;
      // 10+ tokens: past the sliding window (4) of the families that slide.
      const prompts = [tok.encode('the hat is great'), tok.encode('a'), tok.encode('the re the re the re')];
      const soft = randomSoft(3, m.hidden, 8);
      const worst = Math.max(
        await checkAgainstRecompute(engine, prompts, undefined, undefined, 8),
        await checkAgainstRecompute(engine, prompts, soft, [0, 0, 0], 8),
        await checkAgainstRecompute(engine, prompts, soft, [2, 1, 4], 8),
        // 5 prefix slots: past the sliding window (4) on their own.
        await checkAgainstRecompute(engine, prompts, randomPrefix(engine.info, 5, 9), undefined, 8),
      );
      assert.ok(worst <= 1e-4, `max abs difference ${worst}`);
      // A decode step reads its cache in place: every past input is read, and only by the attention products.
      const step = buildHeadGraph(engine.arch, { kind: 'rows', batch: 3, length: 1, numVirtual: 0, rows: 3, past: 24, presents: true }, 'float32');
      const readers = step.nodes.filter((n) => n.inputs.some((name) => name.startsWith('past.')));
      assert.equal(new Set(readers.flatMap((n) => n.inputs.filter((name) => name.startsWith('past.')))).size, 2 * engine.arch.dims.numLayers);
      assert.deepEqual([...new Set(readers.map((n) => n.op))].sort(), ['MatMul', 'Transpose'], 'a past input is copied (Concat/Expand) rather than read in place');
      await engine.dispose();
    });
  }
});

const SHARED = ['imdb-gpt2-small', 'tiny-llama', 'tiny-mistral', 'tiny-qwen2', 'tiny-qwen3', 'tiny-phi3', 'tiny-gemma3'];
const PROMPTS = [
  'This movie was',
  'I watched this film last night and',
  'The acting in this movie',
  'Review: a quiet , moving film . My rating: the movie is',
  'What a waste of',
  'The best part was',
  'If you like slow films,',
  'It is',
  'Nobody in the cast',
  'An hour in, I',
];

describe('on the shared models: decoding and greedy generation', function () {
  this.timeout(300_000);
  for (const name of SHARED) {
    it(`${name}: cached steps equal recomputation, and greedy output equals Transformers.js generate on ${PROMPTS.length} prompts`, async function () {
      const dir = sharedPath(this, `models/${name}`);
      const engine = await Engine.load(dir);
      const tok = engine.tokenizer;
      const ids = PROMPTS.map((p) => [...tok.prefixIds, ...tok.encode(p)]);
      const soft = randomSoft(4, engine.info.hiddenSize, 1);
      const worst = Math.max(await checkAgainstRecompute(engine, ids.slice(0, 3), undefined, undefined, 6), await checkAgainstRecompute(engine, ids.slice(0, 3), soft, [0, 2, 1], 6));
      assert.ok(worst <= 1e-4, `cached vs recomputed logits: max abs difference ${worst}`);

      const maxNew = 20;
      const ours = [];
      for (const p of ids) ours.push(await engine.generate(p, maxNew));
      await engine.dispose();

      const { Tensor } = await import('@huggingface/transformers');
      const model = await loadReferenceModel(dir);
      for (const [i, p] of ids.entries()) {
        const input = new Tensor('int64', BigInt64Array.from(p, BigInt), [1, p.length]);
        const out = (await model.generate({ input_ids: input, attention_mask: new Tensor('int64', new BigInt64Array(p.length).fill(1n), [1, p.length]), max_new_tokens: maxNew, do_sample: false })) as { data: BigInt64Array };
        let theirs = Array.from(out.data.slice(p.length), Number);
        const eos = theirs.indexOf(tok.eosTokenId ?? -1);
        if (eos >= 0) theirs = theirs.slice(0, eos);
        assert.deepEqual(ours[i], theirs, `prompt ${i + 1} (${JSON.stringify(PROMPTS[i])})`);
      }
      await model.dispose();
    });
  }
});
