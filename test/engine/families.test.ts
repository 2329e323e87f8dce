/**
 * Every model family on tiny random checkpoints written by the test (test/helpers/tiny-family.ts): the whole
 * model's soft-prompt gradient against central finite differences in float64 (both losses, a padded batch,
 * the soft prompt as a prefix and mid-sequence, sequences longer than the sliding window), padding invariance,
 * Gemma's scaled embedding table, and bad configs and checkpoints.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScoredExample, SoftPrompt } from '../../src/engine/api';
import { Engine } from '../../src/engine/engine';
import { encodeSafetensors, readSafetensors } from '../../src/engine/models/safetensors';
import { SUPPORTED_MODEL_TYPES } from '../../src/engine/models/index';
import { unreachableExamples } from '../../src/worker/jobs/train';
import { checkSoftPromptGradient } from '../helpers/finite-differences';
import { mulberry } from '../helpers/random';
import { TINY_FAMILY_CONFIGS, writeTinyFamily } from '../helpers/tiny-family';

const root = mkdtempSync(join(tmpdir(), 'ptune-families-'));
after(() => rmSync(root, { recursive: true, force: true }));

function randomSoft(numVirtual: number, hiddenSize: number, seed: number): SoftPrompt {
  const rnd = mulberry(seed);
  return { numVirtual, hiddenSize, data: Float32Array.from({ length: numVirtual * hiddenSize }, () => rnd() - 0.5) };
}

const FAMILIES = Object.keys(TINY_FAMILY_CONFIGS);

describe('model families: the registry', () => {
  it('every supported model_type but gpt2 has a tiny test config here', () => {
    assert.deepEqual([...FAMILIES].sort(), SUPPORTED_MODEL_TYPES.filter((t) => t !== 'gpt2').sort());
  });
});

describe('model families: whole-model soft-prompt gradient vs finite differences (float64)', function () {
  this.timeout(120_000);
  for (const family of FAMILIES) {
    for (const kind of ['lm', 'verbalizer'] as const) {
      it(`${family}, ${kind} loss: padded batch, prefix and mid-sequence soft prompt, past the sliding window`, async () => {
        const m = writeTinyFamily(join(root, `fd-${family}-${kind}`), family, { seed: 11 });
        const engine = await Engine.load(m.dir, { threads: 1, dtype: 'float64', chunkSize: 2 });
        const tok = engine.tokenizer;
        const conts = [tok.encode(' great'), tok.encode(' the re')];
        const examples: ScoredExample[] = [
          { promptIds: tok.encode('the hat'), continuations: conts, gold: 0 },
          // 25 tokens: longer than the window (4) and, with the virtual tokens, than longrope's original 16 positions.
          { promptIds: tok.encode('a much longer prompt here, to slide'), continuations: conts, gold: 1, softPromptAt: 2 },
          { promptIds: tok.encode('hi'), continuations: conts, gold: 1 },
        ];
        await checkSoftPromptGradient(engine, examples, randomSoft(2, m.hidden, 21), kind);
        await engine.dispose();
      });
    }
  }
});

describe('model families: padding never changes a result', function () {
  this.timeout(60_000);
  for (const family of FAMILIES) {
    it(`${family}: scores and losses alone equal those inside a padded batch (≤ 1e-5)`, async () => {
      // longrope switches factors on the longest position of a call, so only below its original positions is a row independent of its batch (tested below).
      const m = writeTinyFamily(join(root, `pad-${family}`), family, { seed: 5, config: family === 'phi3' ? { rope_scaling: null } : {} });
      const engine = await Engine.load(m.dir, { threads: 1 });
      const tok = engine.tokenizer;
      const conts = [tok.encode(' great'), tok.encode(' the re')];
      const make = (text: string, gold: number): ScoredExample => ({ promptIds: tok.encode(text), continuations: conts, gold });
      const target = make('the hat', 1);
      const batch = [make('a longer one', 0), target, make('x', 1)];
      const soft = randomSoft(3, m.hidden, 2);
      for (const kind of ['lm', 'verbalizer'] as const) {
        const alone = await engine.loss([target], soft, kind);
        const inside = await engine.loss(batch, soft, kind);
        assert.ok(Math.abs(alone.perExample[0] - inside.perExample[1]) <= 1e-5, `${kind}: ${alone.perExample[0]} vs ${inside.perExample[1]}`);
      }
      await engine.dispose();
    });
  }
});

describe('Phi-3 longrope: factors follow the longest position of the call, as in transformers', () => {
  it('a short row scores the same alone and beside another short row, and differently beside a row past original_max_position_embeddings', async () => {
    const m = writeTinyFamily(join(root, 'longrope'), 'phi3', { seed: 5 });
    const engine = await Engine.load(m.dir, { threads: 1 });
    const tok = engine.tokenizer;
    const conts = [tok.encode(' great')];
    const short = { promptIds: tok.encode('the hat'), continuations: conts };
    const alsoShort = { promptIds: tok.encode('a hat'), continuations: conts };
    const long = { promptIds: tok.encode('a prompt longer than sixteen tokens'), continuations: conts };
    assert.ok(long.promptIds.length > 16 && short.promptIds.length < 15);
    const alone = (await engine.score([short]))[0][0];
    assert.ok(Math.abs(alone - (await engine.score([short, alsoShort]))[0][0]) < 1e-5);
    assert.ok(Math.abs(alone - (await engine.score([short, long]))[0][0]) > 1e-4, 'the long factors apply to the whole call');
    await engine.dispose();
  });
});

describe('Gemma 3: embeddings are scaled by sqrt(hidden), and soft prompts live in that scaled space', () => {
  it('the engine’s embedding table is the stored one × sqrt(hidden), and a soft prompt of those rows equals the tokens', async () => {
    const m = writeTinyFamily(join(root, 'gemma-scale'), 'gemma3_text', { seed: 3 });
    const engine = await Engine.load(m.dir, { threads: 1 });
    const stored = readSafetensors(join(m.dir, 'model.safetensors')).get('model.embed_tokens.weight')!.data;
    const H = m.hidden;
    const scale = Math.fround(Math.sqrt(H));
    assert.equal(engine.embeddings[5 * H + 3], Math.fround(stored[5 * H + 3] * scale));
    // Virtual tokens taken from the (scaled) table must reproduce the real tokens exactly: not scaled twice.
    const ids = engine.tokenizer.encode('the hat');
    const soft: SoftPrompt = { numVirtual: 2, hiddenSize: H, data: Float32Array.from([...engine.embeddings.subarray(ids[0] * H, ids[0] * H + H), ...engine.embeddings.subarray(ids[1] * H, ids[1] * H + H)]) };
    const viaTokens = (await engine.logits([ids]))[0];
    const viaSoft = (await engine.logits([ids.slice(2)], soft))[0];
    const V = engine.info.vocabSize;
    const last = viaTokens.subarray((ids.length - 1) * V, ids.length * V);
    const lastSoft = viaSoft.subarray((ids.length - 3) * V, (ids.length - 2) * V);
    lastSoft.forEach((x, v) => assert.ok(Math.abs(x - last[v]) < 1e-5, `logit ${v}: ${x} vs ${last[v]}`));
    await engine.dispose();
  });
});

describe('Mistral: how far back a soft prompt can reach', () => {
  it('with every layer sliding, a virtual token further back than layers × (window − 1) gets exactly zero gradient, as ModelInfo says', async () => {
    const m = writeTinyFamily(join(root, 'reach'), 'mistral', { seed: 9 });
    const engine = await Engine.load(m.dir, { threads: 1 });
    assert.equal(engine.info.softPromptReach, 2 * (4 - 1));
    const tok = engine.tokenizer;
    const prompt = tok.encode('a much longer prompt');
    const soft = randomSoft(2, m.hidden, 4);
    const { grad } = await engine.lossAndGrad([{ promptIds: prompt, continuations: [tok.encode(' great')], gold: 0 }], soft, 'lm');
    // The predicting row is prompt.length + 1 (after 2 virtual tokens); both are more than 6 positions back.
    assert.ok(prompt.length > 8);
    assert.ok(grad.every((g) => g === 0), 'no gradient reaches past the window stack');
    // The training job's warning counts exactly such rows, and not a short one the prompt does reach.
    const short = tok.encode('a hat');
    const { grad: reached } = await engine.lossAndGrad([{ promptIds: short, continuations: [tok.encode(' great')], gold: 0 }], soft, 'lm');
    assert.ok(reached.some((g) => g !== 0));
    const examples = [prompt, short].map((promptIds) => ({ promptIds, continuations: [tok.encode(' great')], gold: 0 }));
    assert.equal(unreachableExamples(examples, 2, engine.info.softPromptReach), 1);
    assert.equal(unreachableExamples(examples, 2, undefined), 0);
    await engine.dispose();
  });
});

describe('model families: bad input gives one clear message naming the file', () => {
  const expectError = async (dir: string, pattern: RegExp) => {
    await assert.rejects(Engine.load(dir), (e: Error) => {
      assert.equal(e.name, 'UserError');
      assert.match(e.message, pattern);
      return true;
    });
  };
  it('a config missing a key the family needs names the key', async () => {
    const m = writeTinyFamily(join(root, 'no-key'), 'llama');
    const cfg = JSON.parse(readFileSync(join(m.dir, 'config.json'), 'utf8'));
    delete cfg.intermediate_size;
    writeFileSync(join(m.dir, 'config.json'), JSON.stringify(cfg));
    await expectError(m.dir, /no-key\/config\.json: missing "intermediate_size", which this model family needs/);
  });
  it('heads that do not divide, an unknown RoPE type, an unknown activation, a multimodal Gemma 3', async () => {
    const m = writeTinyFamily(join(root, 'bad-cfg'), 'qwen2');
    const cfg = JSON.parse(readFileSync(join(m.dir, 'config.json'), 'utf8'));
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ num_key_value_heads: 3 }, /"num_attention_heads" 4 is not divisible by "num_key_value_heads" 3/],
      [{ rope_scaling: { rope_type: 'yarn', factor: 4 } }, /unsupported RoPE type "yarn" \(supported: default, linear, llama3, longrope\)/],
      [{ rope_scaling: { rope_type: 'llama3', factor: 8 } }, /rope_scaling "low_freq_factor" must be a number for rope type "llama3"/],
      [{ hidden_act: 'relu2' }, /unsupported hidden_act "relu2"/],
      [{ model_type: 'gemma3', text_config: { model_type: 'gemma3_text' } }, /multimodal Gemma 3 checkpoint/],
    ];
    for (const [change, message] of cases) {
      writeFileSync(join(m.dir, 'config.json'), JSON.stringify({ ...cfg, ...change }));
      await expectError(m.dir, message);
    }
  });
  it('a weight with the wrong shape names the tensor, the shape found and the shape expected', async () => {
    const m = writeTinyFamily(join(root, 'bad-shape'), 'qwen3');
    const file = join(m.dir, 'model.safetensors');
    const tensors = Object.fromEntries([...readSafetensors(file)].map(([n, t]) => [n, { shape: t.shape, data: t.data }]));
    tensors['model.layers.1.self_attn.k_norm.weight'] = { shape: [4], data: new Float32Array(4) };
    writeFileSync(file, encodeSafetensors(tensors));
    await expectError(m.dir, /tensor "model\.layers\.1\.self_attn\.k_norm\.weight" has shape \[4\], expected \[8\]/);
  });
  it('a checkpoint too large for the memory available is refused before loading, with the figures', async () => {
    const m = writeTinyFamily(join(root, 'too-big'), 'gemma3_text');
    process.env.PTUNE_MEMORY_LIMIT_MB = '0.01';
    try {
      await expectError(m.dir, /too-big: loading the weights as float32 needs [\d.]+ (KiB|MiB) of memory, but only 0\.0 MiB is available \(the limit PTUNE_MEMORY_LIMIT_MB=0\.01\)/);
    } finally {
      delete process.env.PTUNE_MEMORY_LIMIT_MB;
    }
  });
  it('a tokenizer with ids beyond the embedding rows names both files', async () => {
    const m = writeTinyFamily(join(root, 'small-vocab'), 'llama', { config: {} });
    const cfg = JSON.parse(readFileSync(join(m.dir, 'config.json'), 'utf8'));
    const file = join(m.dir, 'model.safetensors');
    const rows = 200;
    const tensors = Object.fromEntries(
      [...readSafetensors(file)].map(([n, t]) => [n, n === 'model.embed_tokens.weight' || n === 'lm_head.weight' ? { shape: [rows, t.shape[1]], data: t.data.slice(0, rows * t.shape[1]) } : { shape: t.shape, data: t.data }]),
    );
    writeFileSync(file, encodeSafetensors(tensors));
    writeFileSync(join(m.dir, 'config.json'), JSON.stringify({ ...cfg, vocab_size: rows }));
    await expectError(m.dir, /tokenizer\.json has token ids up to \d+, but the model's embedding table \(.*config\.json: vocab_size 200\) has only 200 rows/);
  });
});
