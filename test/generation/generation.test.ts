import * as assert from 'assert';
import { userErrorMessage } from '../helpers/user-error';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GenerationCancelled, checkSampling, decode, cachedLogits, processedLogits, readGenerationConfig, resolveSampling, scanStops, softmax, TokenSampler, type NextTokenLogits, type SamplingSettings } from '../../src/generation';
import { FakeEngine } from '../helpers/fake-engine';

const GREEDY: SamplingSettings = { temperature: 0, topK: 0, topP: 1, minP: 0, repetitionPenalty: 1, seed: 0 };
const SAMPLE: SamplingSettings = { temperature: 1.5, topK: 0, topP: 1, minP: 0, repetitionPenalty: 1, seed: 7 };

function probsOf(logits: Float32Array): number[] {
  return Array.from(softmax(logits));
}

function close(actual: number[], expected: number[], tol = 1e-6): void {
  assert.strictEqual(actual.length, expected.length);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]) < tol, `index ${i}: ${a} vs ${expected[i]} (${actual.join(', ')})`));
}

/** A source that always makes `script[k]` the most likely token at generated position k (one-hot-ish logits). */
function scripted(script: number[], promptLength: number, vocab = 300): NextTokenLogits {
  return {
    maxTokens: 1000,
    async next(sequences) {
      return sequences.map((s) => {
        const l = new Float32Array(vocab);
        l[script[s.length - promptLength] ?? 0] = 20;
        return l;
      });
    },
  };
}

const bytes = (s: string): number[] => [...Buffer.from(s, 'utf8')];
const byteDecoder = { decode: (ids: number[]) => Buffer.from(ids.filter((i) => i < 256)).toString('utf8') };

describe('generation: logits processors against hand-computed distributions', () => {
  const base = Float32Array.from([0.5, 0.3, 0.15, 0.05].map(Math.log));

  it('top-p 0.8 keeps the smallest set whose mass exceeds 0.8 (0.5 + 0.3), renormalised', () => {
    close(probsOf(processedLogits(base, [], { ...SAMPLE, temperature: 1, topP: 0.8 })), [0.625, 0.375, 0, 0]);
  });

  it('top-p keeps the most likely token even when it alone exceeds top_p', () => {
    close(probsOf(processedLogits(base, [], { ...SAMPLE, temperature: 1, topP: 0.1 })), [1, 0, 0, 0]);
  });

  it('min-p 0.25 drops tokens under 0.25 × 0.5 = 0.125', () => {
    close(probsOf(processedLogits(base, [], { ...SAMPLE, temperature: 1, minP: 0.25 })), [0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0]);
  });

  it('top-k 2 keeps the two largest', () => {
    close(probsOf(processedLogits(base, [], { ...SAMPLE, temperature: 1, topK: 2 })), [0.625, 0.375, 0, 0]);
  });

  it('temperature 2 takes the square root of the probabilities (renormalised)', () => {
    const roots = [0.5, 0.3, 0.15, 0.05].map(Math.sqrt);
    const z = roots.reduce((a, b) => a + b);
    close(probsOf(processedLogits(base, [], { ...SAMPLE, temperature: 2 })), roots.map((r) => r / z));
  });

  it('repetition penalty 2: seen positive logits halve, seen negative ones double, unseen ones stay', () => {
    const out = processedLogits(Float32Array.from([2, -1, 0.5, 3]), [0, 1, 1], { ...GREEDY, repetitionPenalty: 2 });
    assert.deepStrictEqual(Array.from(out), [1, -2, 0.5, 3]);
  });

  it('the penalty comes before temperature (transformers order): penalised then divided', () => {
    const out = processedLogits(Float32Array.from([2, -1]), [0, 1], { ...SAMPLE, temperature: 2, repetitionPenalty: 2 });
    assert.deepStrictEqual(Array.from(out), [0.5, -1]);
  });

  it('draws follow the processed distribution (10 000 seeded draws within 2%)', () => {
    const sampler = new TokenSampler({ ...SAMPLE, temperature: 1, topP: 0.8, seed: 3 });
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 10_000; i++) counts[sampler.next(base, [])]++;
    close(counts.map((c) => c / 10_000), [0.625, 0.375, 0, 0], 0.02);
  });
});

describe('generation: decode loop', () => {
  const engine = new FakeEngine({ hiddenSize: 6, seed: 4 });
  const prompt = bytes('The movie was');
  const run = (sampling: SamplingSettings, max = 12) =>
    decode(cachedLogits(engine, { maxNewTokens: max }), engine.tokenizer, prompt, { sampling, maxNewTokens: max, eosTokenIds: [] });

  it('greedy equals the engine\'s own greedy generate', async () => {
    const r = await run(GREEDY);
    assert.deepStrictEqual(r.ids, await engine.generate(prompt, 12));
    assert.strictEqual(r.ids.length, 12);
    assert.strictEqual(r.finishReason, 'length');
  });

  it('seeded sampling gives the same text twice and another text with another seed', async () => {
    const a = await run(SAMPLE, 24);
    const b = await run(SAMPLE, 24);
    const c = await run({ ...SAMPLE, seed: 8 }, 24);
    assert.deepStrictEqual(a.ids, b.ids);
    assert.strictEqual(a.text, b.text);
    assert.notDeepStrictEqual(a.ids, c.ids);
    assert.notDeepStrictEqual(a.ids, (await run(GREEDY, 24)).ids, 'sampling at temperature 1.5 should leave the greedy path');
  });

  it('top-k 1 equals greedy whatever the temperature and seed', async () => {
    assert.deepStrictEqual((await run({ ...SAMPLE, topK: 1, temperature: 3, seed: 99 })).ids, (await run(GREEDY)).ids);
  });

  it('stops at an EOS id from the list, which is not part of the output', async () => {
    const script = [...bytes('ab'), 257, ...bytes('cd')];
    const r = await decode(scripted(script, 1), byteDecoder, [1], { sampling: GREEDY, maxNewTokens: 10, eosTokenIds: [256, 257] });
    assert.deepStrictEqual(r.ids, bytes('ab'));
    assert.strictEqual(r.finishReason, 'eos');
  });

  it('a stop string across token boundaries cuts the text before it, and streaming never shows its start', async () => {
    const script = bytes('Hello ENDING END world');
    const deltas: string[] = [];
    const r = await decode(scripted(script, 1), byteDecoder, [1], { sampling: GREEDY, maxNewTokens: 50, eosTokenIds: [], stop: ['END ', '\n\n'], onText: (d) => deltas.push(d) });
    assert.strictEqual(r.text, 'Hello ENDING ');
    assert.strictEqual(r.finishReason, 'stop');
    assert.strictEqual(deltas.join(''), 'Hello ENDING ');
    // "E", "EN", "END" were held back until "ENDI" proved them not to start the stop string.
    assert.ok(!deltas.some((d) => d.endsWith('E') || d.endsWith('EN') || d.endsWith('END')), JSON.stringify(deltas));
    assert.deepStrictEqual(r.ids, bytes('Hello ENDING END '));
  });

  it('streams a multi-byte character only once it is complete', async () => {
    const deltas: string[] = [];
    const r = await decode(scripted(bytes('né!'), 1), byteDecoder, [1], { sampling: GREEDY, maxNewTokens: 4, eosTokenIds: [], onText: (d) => deltas.push(d) });
    assert.strictEqual(r.text, 'né!');
    assert.deepStrictEqual(deltas, ['n', 'é', '!']);
  });

  it('an aborted signal stops the loop with GenerationCancelled', async () => {
    const controller = new AbortController();
    await assert.rejects(
      decode(scripted(bytes('abcdef'), 1), byteDecoder, [1], { sampling: GREEDY, maxNewTokens: 6, eosTokenIds: [], signal: controller.signal, onText: () => controller.abort() }),
      GenerationCancelled,
    );
  });

  it('scanStops holds back the longest suffix that starts a stop string', () => {
    assert.deepStrictEqual(scanStops('abc</s', ['</stop>']), { safe: 'abc', stopped: false });
    assert.deepStrictEqual(scanStops('abc</s', ['</stop>'], true), { safe: 'abc</s', stopped: false });
    assert.deepStrictEqual(scanStops('a##b#', ['#', '##']), { safe: 'a', stopped: true });
  });
});

describe('generation: settings', () => {

  it('bad values get one message naming the flag', () => {
    assert.match(userErrorMessage(() => checkSampling({ temperature: -0.1 })), /^--temperature must be a number ≥ 0/);
    assert.match(userErrorMessage(() => checkSampling({ topP: 0 })), /^--top-p must be a number in \(0, 1\]/);
    assert.match(userErrorMessage(() => checkSampling({ topP: 1.5 })), /^--top-p /);
    assert.match(userErrorMessage(() => checkSampling({ minP: 2 })), /^--min-p /);
    assert.match(userErrorMessage(() => checkSampling({ topK: 1.5 })), /^--top-k must be a whole number/);
    assert.match(userErrorMessage(() => checkSampling({ repetitionPenalty: 0 })), /^--repetition-penalty must be a number > 0/);
    assert.match(userErrorMessage(() => checkSampling({ maxNewTokens: 0 })), /^--max-new-tokens /);
    assert.match(userErrorMessage(() => checkSampling({ stop: ['ok', ''] })), /^--stop must be a non-empty string, got ""/);
  });

  describe('generation_config.json', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ptune-gencfg-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('eos_token_id as a list, plus the tokenizer EOS; do_sample and its settings become the defaults', () => {
      writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ do_sample: true, temperature: 0.7, top_p: 0.8, eos_token_id: [5, 7] }));
      const cfg = readGenerationConfig(dir, { eosTokenId: 9 });
      assert.deepStrictEqual(cfg.eosTokenIds, [5, 7, 9]);
      assert.deepStrictEqual(resolveSampling({}, cfg), { temperature: 0.7, topK: 50, topP: 0.8, minP: 0, repetitionPenalty: 1, seed: 0 });
      assert.strictEqual(resolveSampling({ temperature: 0 }, cfg).temperature, 0, 'temperature 0 means greedy');
    });

    it('an int eos_token_id; no do_sample means greedy unless a sampling flag is given', () => {
      writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ eos_token_id: 3 }));
      const cfg = readGenerationConfig(dir, { eosTokenId: 3 });
      assert.deepStrictEqual(cfg.eosTokenIds, [3]);
      assert.strictEqual(resolveSampling({}, cfg).temperature, 0);
      assert.strictEqual(resolveSampling({ topP: 0.9 }, cfg).temperature, 1);
    });

    it('a bad value in the file names the file and key', () => {
      writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ top_p: 3 }));
      assert.match(userErrorMessage(() => readGenerationConfig(dir, { eosTokenId: undefined })), /generation_config\.json: top_p must be a number in \(0, 1\]/);
    });
  });
});
