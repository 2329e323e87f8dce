/**
 * The engine on tiny random GPT-2 checkpoints written by the test: logits against a plain-loop reference,
 * the loss contract, whole-model soft-prompt gradients against finite differences (float64, batch > 1 with
 * padding), padding invariance, checkpoint variants, and bad input.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../src/engine/engine';
import type { ScoredExample, SoftPrompt } from '../../src/engine/api';
import { readSafetensors } from '../../src/engine/models/safetensors';
import { writeTinyGpt2 } from '../helpers/tiny-model';
import { embed, logSoftmax, referenceLogits } from '../helpers/reference-gpt2';
import { checkSoftPromptGradient } from '../helpers/finite-differences';
import { mulberry } from '../helpers/random';

const root = mkdtempSync(join(tmpdir(), 'ptune-engine-'));
after(() => rmSync(root, { recursive: true, force: true }));

function randomSoft(numVirtual: number, hiddenSize: number, seed: number): SoftPrompt {
  const rnd = mulberry(seed);
  return { numVirtual, hiddenSize, data: Float32Array.from({ length: numVirtual * hiddenSize }, () => rnd() - 0.5) };
}

describe('engine on a tiny random GPT-2', () => {
  let dir: string;
  let engine: Engine;
  let hidden: number;
  let vocab: number;
  before(async () => {
    const m = writeTinyGpt2(join(root, 'tiny'), { seed: 3, scale: 0.5 });
    [dir, hidden, vocab] = [m.dir, m.hidden, m.vocabSize];
    engine = await Engine.load(dir, { threads: 1 });
  });
  after(() => engine.dispose());

  it('matches a plain-loop GPT-2 on full-vocabulary logits, with and without a soft prompt', async () => {
    const w = readSafetensors(join(dir, 'model.safetensors'));
    const weights = new Map([...w].map(([k, v]) => [k, { shape: v.shape, data: v.data }]));
    const cfg = { nLayer: 2, nHead: 2, nEmbd: hidden, vocabSize: vocab, eps: 1e-5 };
    const ids = engine.tokenizer.encode('the great hat, the end');
    const [plain] = await engine.logits([ids]);
    const ref = referenceLogits(weights, cfg, embed(weights, hidden, ids));
    let maxDiff = 0;
    ref.forEach((row, t) => row.forEach((v, k) => (maxDiff = Math.max(maxDiff, Math.abs(v - plain[t * vocab + k])))));
    assert.ok(maxDiff < 1e-4, `max abs logit difference ${maxDiff}`);

    const soft = randomSoft(3, hidden, 11);
    const [withSoft] = await engine.logits([ids], soft);
    const softRows = [0, 1, 2].map((r) => Array.from(soft.data.subarray(r * hidden, (r + 1) * hidden)));
    const refSoft = referenceLogits(weights, cfg, [...softRows, ...embed(weights, hidden, ids)]).slice(3);
    maxDiff = 0;
    refSoft.forEach((row, t) => row.forEach((v, k) => (maxDiff = Math.max(maxDiff, Math.abs(v - withSoft[t * vocab + k])))));
    assert.ok(maxDiff < 1e-4, `max abs logit difference with a soft prompt ${maxDiff}`);
  });

  it('scores continuations as summed full-vocabulary log-probs (the loss contract)', async () => {
    const p = engine.tokenizer.encode('the hat');
    const conts = [engine.tokenizer.encode(' great'), engine.tokenizer.encode(' the re at')];
    const soft = randomSoft(2, hidden, 5);
    const [scores] = await engine.score([{ promptIds: p, continuations: conts }], soft);
    for (let c = 0; c < conts.length; c++) {
      const seq = [...p, ...conts[c]];
      const [logits] = await engine.logits([seq], soft);
      let expected = 0;
      conts[c].forEach((t, j) => {
        const pos = p.length - 1 + j;
        expected += logSoftmax(Array.from(logits.subarray(pos * vocab, (pos + 1) * vocab)))[t];
      });
      assert.ok(Math.abs(scores[c] - expected) < 1e-4, `continuation ${c}: ${scores[c]} vs ${expected}`);
    }
  });

  it('gives the same scores and label log-probs alone and inside a padded batch', async () => {
    const tok = engine.tokenizer;
    const conts = [tok.encode(' great'), tok.encode(' bad one')];
    const target: ScoredExample = { promptIds: tok.encode('hat'), continuations: conts, gold: 0 };
    const others: ScoredExample[] = [
      { promptIds: tok.encode('the hat is on the great big table today'), continuations: conts, gold: 1 },
      { promptIds: tok.encode('a longer one, with more words than the first, to force padding'), continuations: conts, gold: 0 },
    ];
    const soft = randomSoft(4, hidden, 9);
    for (const kind of ['lm', 'verbalizer'] as const) {
      const alone = await engine.loss([target], soft, kind);
      const batched = await engine.loss([others[0], target, others[1]], soft, kind);
      assert.ok(Math.abs(alone.perExample[0] - batched.perExample[1]) <= 1e-5, `${kind}: ${alone.perExample[0]} vs ${batched.perExample[1]}`);
    }
    const single = await engine.score([target], soft);
    const inBatch = await engine.score([others[0], target, others[1]], soft);
    single[0].forEach((s, c) => assert.ok(Math.abs(s - inBatch[1][c]) <= 1e-5));
    const labelTokens = [tok.encode(' great')[0], tok.encode(' bad')[0]];
    const [r1] = await engine.restrictedLogProbs([target.promptIds], labelTokens, soft);
    const r3 = await engine.restrictedLogProbs([others[0].promptIds, target.promptIds, others[1].promptIds], labelTokens, soft);
    r1.forEach((v, k) => assert.ok(Math.abs(v - r3[1][k]) <= 1e-5));
    assert.ok(Math.abs(Math.exp(r1[0]) + Math.exp(r1[1]) - 1) < 1e-5, 'restricted log-probs normalise over the chosen tokens');
  });

  it('reads the tokenizer from the folder: vocabulary size, EOS, and ids that decode back', () => {
    assert.equal(engine.tokenizer.vocabSize, vocab);
    assert.equal(engine.tokenizer.eosTokenId, vocab - 1);
    const ids = engine.tokenizer.encode('the great hat');
    assert.deepEqual(engine.tokenizer.pieces(ids).join(''), 'the great hat');
    assert.equal(engine.tokenizer.decode(ids), 'the great hat');
    assert.ok(ids.includes(engine.tokenizer.encode(' great')[0]), 'merges apply (" great" is one token)');
  });

  it('greedy generation continues with the argmax token', async () => {
    const p = engine.tokenizer.encode('the');
    const out = await engine.generate(p, 3);
    const [logits] = await engine.logits([p]);
    const last = Array.from(logits.subarray((p.length - 1) * vocab, p.length * vocab));
    assert.equal(out[0] === undefined ? engine.tokenizer.eosTokenId : out[0], last.indexOf(Math.max(...last)));
  });
});

describe('session cache', () => {
  it('keeps results right when a session is evicted while another call still uses it', async () => {
    const m = writeTinyGpt2(join(root, 'lru'), { seed: 5 });
    const small = await Engine.load(m.dir, { threads: 1, maxSessions: 1 });
    const big = await Engine.load(m.dir, { threads: 1 });
    const seqs = [[1, 2, 3], Array.from({ length: 30 }, (_, i) => i + 1), [4, 5], Array.from({ length: 50 }, (_, i) => i + 7)];
    const concurrent = await Promise.all(seqs.map((s) => small.logits([s])));
    const reference = await big.logits(seqs);
    concurrent.forEach(([l], i) => assert.deepEqual(Array.from(l), Array.from(reference[i])));
    await small.dispose();
    await big.dispose();
  });
});

describe('whole-model soft-prompt gradient vs finite differences (float64)', () => {
  for (const kind of ['lm', 'verbalizer'] as const) {
    it(`${kind} loss, batch of 3 with padding and a mid-sequence soft prompt`, async () => {
      const m = writeTinyGpt2(join(root, `fd-${kind}`), { seed: 4, scale: 0.6, nEmbd: 8, nHead: 2, nLayer: 2 });
      const engine = await Engine.load(m.dir, { threads: 1, dtype: 'float64', chunkSize: 2 });
      const tok = engine.tokenizer;
      const conts = [tok.encode(' great'), tok.encode(' the re')];
      const examples: ScoredExample[] = [
        { promptIds: tok.encode('the hat'), continuations: conts, gold: 0 },
        { promptIds: tok.encode('a much longer prompt here'), continuations: conts, gold: 1, softPromptAt: 2 },
        { promptIds: tok.encode('hi'), continuations: conts, gold: 1 },
      ];
      const grad = await checkSoftPromptGradient(engine, examples, randomSoft(2, m.hidden, 21), kind);
      assert.equal(grad.length, 2 * m.hidden);
      await engine.dispose();
    });
  }
});

describe('checkpoint variants load to the same model', () => {
  it('single file, sharded, without the transformer. prefix, F16 and BF16', async () => {
    const variants = [
      writeTinyGpt2(join(root, 'v-f16'), { seed: 8, storeAs: 'F16' }),
      writeTinyGpt2(join(root, 'v-bf16'), { seed: 8, storeAs: 'BF16' }),
      writeTinyGpt2(join(root, 'v-bf16-sharded'), { seed: 8, storeAs: 'BF16', sharded: true }),
      writeTinyGpt2(join(root, 'v-f16-noprefix'), { seed: 8, storeAs: 'F16', noPrefix: true }),
    ];
    const results: Float32Array[] = [];
    for (const v of variants) {
      const e = await Engine.load(v.dir, { threads: 1 });
      results.push((await e.logits([e.tokenizer.encode('the great')]))[0]);
      await e.dispose();
    }
    for (const r of results.slice(1)) assert.deepEqual(Array.from(r), Array.from(results[0]));
  });
});

describe('bad input gives one clear message naming the file', () => {
  const expectError = async (dir: string, pattern: RegExp) => {
    await assert.rejects(Engine.load(dir), (e: Error) => {
      assert.equal(e.name, 'UserError');
      assert.match(e.message, pattern);
      return true;
    });
  };
  it('a missing folder, config.json, weights or tokenizer', async () => {
    await expectError(join(root, 'nope'), /nope: model folder does not exist/);
    const d = writeTinyGpt2(join(root, 'bad-config')).dir;
    unlinkSync(join(d, 'config.json'));
    await expectError(d, /bad-config: no config\.json/);
    const w = writeTinyGpt2(join(root, 'bad-weights')).dir;
    unlinkSync(join(w, 'model.safetensors'));
    await expectError(w, /bad-weights: no weights \(model\.safetensors/);
    const t = writeTinyGpt2(join(root, 'bad-tok')).dir;
    unlinkSync(join(t, 'tokenizer.json'));
    await expectError(t, /bad-tok: no tokenizer\.json/);
  });
  it('an unsupported model_type', async () => {
    const d = writeTinyGpt2(join(root, 'bad-type')).dir;
    const cfg = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));
    writeFileSync(join(d, 'config.json'), JSON.stringify({ ...cfg, model_type: 'mamba' }));
    await expectError(d, /config\.json: unsupported model_type "mamba" \(supported: gpt2, llama, mistral, qwen2, qwen3, phi3, gemma3_text\)/);
  });
  it('config.json sizes that are not whole numbers, or absurd, before any weight is read', async () => {
    const d = writeTinyGpt2(join(root, 'bad-sizes')).dir;
    const cfg = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));
    for (const [key, value, message] of [
      ['n_layer', 2.5, /"n_layer" must be a whole number ≥ 1 \(got 2\.5\)/],
      ['n_head', 0.5, /"n_head" must be a whole number ≥ 1 \(got 0\.5\)/],
      ['n_layer', 1e9, /"n_layer" is larger than any real model's \(limit 1000\) \(got 1000000000\)/],
      ['n_embd', '8', /"n_embd" must be a whole number ≥ 1 \(got "8"\)/],
    ] as const) {
      writeFileSync(join(d, 'config.json'), JSON.stringify({ ...cfg, [key]: value }));
      await expectError(d, message);
    }
  });
  it('a corrupt safetensors header or a missing tensor', async () => {
    const d = writeTinyGpt2(join(root, 'bad-header')).dir;
    const file = join(d, 'model.safetensors');
    const bytes = readFileSync(file);
    bytes.write('{{{{', 8);
    writeFileSync(file, bytes);
    await expectError(d, /model\.safetensors: corrupt safetensors header \(not valid JSON/);
    const huge = readFileSync(file);
    huge.writeBigUInt64LE(BigInt(1e12), 0);
    writeFileSync(file, huge);
    await expectError(d, /model\.safetensors: corrupt safetensors header \(header length/);
    const m = writeTinyGpt2(join(root, 'bad-missing'), { sharded: false, nLayer: 1 }).dir;
    const cfg = JSON.parse(readFileSync(join(m, 'config.json'), 'utf8'));
    writeFileSync(join(m, 'config.json'), JSON.stringify({ ...cfg, n_layer: 2 }));
    await expectError(m, /model\.safetensors: missing tensor "h\.1\.ln_1\.weight"/);
  });
  it('a soft prompt of the wrong width', async () => {
    const m = writeTinyGpt2(join(root, 'width'));
    const e = await Engine.load(m.dir, { threads: 1 });
    await assert.rejects(e.score([{ promptIds: [1, 2], continuations: [[3]] }], randomSoft(2, m.hidden + 4, 1)), /soft prompt width 12 does not match the model's hidden size 8/);
    await e.dispose();
  });
});
