/**
 * Adapters saved by PEFT itself load here and give PEFT's logits and greedy decoding: prefix tuning
 * (PREFIX_TUNING, with and without prefix_projection) on GPT-2, Llama with grouped-query attention, Qwen3 with
 * head_dim ≠ hidden / heads, Mistral with a sliding window shorter than prefix + text and Gemma 3 (sliding and global layers, soft-capping), and P-tuning
 * (P_TUNING, MLP encoder) on GPT-2, Llama and Gemma 3. The folders and expected values in test/fixtures/peft/ were written
 * by scripts/fixtures/make-peft-prompt-fixtures.py with PEFT's get_peft_model / save_pretrained /
 * PeftModel.from_pretrained and transformers' model classes.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isPrefixPrompt, type PrefixPrompt, type PromptParams } from '../../src/engine/api';
import { Engine } from '../../src/engine/engine';
import { expectAdapterFor, loadAdapter, saveAdapter } from '../../src/tuning/adapter';

const FIXTURES = resolve(__dirname, '../../../test/fixtures/peft');
const TOLERANCE = 1e-4;

interface Run {
  sequences: number[][];
  checks: { positions: number[]; logits: number[][] }[];
}
interface Expected {
  variant: string;
  adapters: Record<string, { runs: Run[]; generate: { prompt: number[]; tokens: number[] } }>;
}

/** Largest |engine − PEFT| over the recorded logits. */
async function worstDifference(engine: Engine, runs: Run[], prompt: PromptParams): Promise<number> {
  let worst = 0;
  const V = engine.info.vocabSize;
  for (const run of runs) {
    const logits = await engine.logits(run.sequences, prompt);
    run.checks.forEach((check, b) => {
      check.positions.forEach((p, i) => {
        check.logits[i].forEach((want, v) => (worst = Math.max(worst, Math.abs(logits[b][p * V + v] - want))));
      });
    });
  }
  return worst;
}

/** Greedy decoding with the KV cache for `steps` tokens (no stop at EOS, as PEFT's run may include one). */
async function greedy(engine: Engine, prompt: number[], soft: PromptParams, steps: number): Promise<number[]> {
  const decoder = engine.decoder([prompt], { soft, maxNewTokens: steps });
  let logits = (await decoder.start())[0];
  const out: number[] = [];
  for (;;) {
    let best = 0;
    for (let v = 1; v < logits.length; v++) if (logits[v] > logits[best]) best = v;
    out.push(best);
    if (out.length === steps) return out;
    logits = (await decoder.step([best]))[0];
  }
}

/** The same numbers read with another column order: key and value blocks swapped, or the key/value heads reversed. */
function misread(p: PrefixPrompt, how: 'key-value' | 'heads'): PrefixPrompt {
  const { numVirtual: P, numLayers: L, numKeyValueHeads: kv, headDim: hd } = p;
  const width = L * 2 * kv * hd;
  const data = new Float32Array(p.data.length);
  for (let r = 0; r < P; r++) {
    for (let l = 0; l < L; l++) {
      for (let part = 0; part < 2; part++) {
        for (let h = 0; h < kv; h++) {
          const src = r * width + ((l * 2 + part) * kv + h) * hd;
          const dst = how === 'key-value' ? r * width + ((l * 2 + 1 - part) * kv + h) * hd : r * width + ((l * 2 + part) * kv + (kv - 1 - h)) * hd;
          data.set(p.data.subarray(src, src + hd), dst);
        }
      }
    }
  }
  return { ...p, data };
}

const variants = existsSync(FIXTURES) ? readdirSync(FIXTURES).filter((d) => existsSync(join(FIXTURES, d, 'expected.json'))).sort() : [];
const root = mkdtempSync(join(tmpdir(), 'ptune-peft-fixtures-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('PEFT-saved prompt-learning adapters give PEFT’s results here', function () {
  this.timeout(120_000);
  it('the fixtures are there', () => assert.deepEqual(variants, ['gemma3-sliding', 'gpt2', 'llama-gqa', 'mistral-window4', 'qwen3-headdim']));
  for (const variant of variants) {
    const expected = JSON.parse(readFileSync(join(FIXTURES, variant, 'expected.json'), 'utf8')) as Expected;
    for (const [method, want] of Object.entries(expected.adapters)) {
      it(`${variant}/${method}: logits of a padded batch (≤ ${TOLERANCE}) and greedy decoding equal PEFT’s`, async () => {
        const engine = await Engine.load(join(FIXTURES, variant, 'model'), { threads: 1 });
        const adapter = loadAdapter(join(FIXTURES, variant, method), expectAdapterFor(engine.info));
        assert.equal(isPrefixPrompt(adapter.soft), method.startsWith('prefix'));
        assert.equal(adapter.method.type, method.startsWith('prefix') ? 'prefix-tuning' : 'p-tuning');
        const worst = await worstDifference(engine, want.runs, adapter.soft);
        assert.ok(worst <= TOLERANCE, `max abs difference ${worst}`);
        assert.deepEqual(await greedy(engine, want.generate.prompt, adapter.soft, want.generate.tokens.length), want.generate.tokens);
        if (isPrefixPrompt(adapter.soft)) {
          // The fixture pins PEFT's column order: any other reading of the same numbers is far off.
          for (const how of ['key-value', 'heads'] as const) {
            if (how === 'heads' && adapter.soft.numKeyValueHeads === 1) continue;
            const off = await worstDifference(engine, want.runs, misread(adapter.soft, how));
            assert.ok(off > 1e-2, `${how} swapped: only ${off} off`);
          }
        }
        await engine.dispose();
      });
    }
  }

  for (const [variant, method] of [['llama-gqa', 'prefix'], ['gpt2', 'prefix'], ['llama-gqa', 'p-tuning']] as const) {
    it(`${variant}/${method} saved here: PEFT's config fields and values, and the same logits after a reload`, async () => {
      const engine = await Engine.load(join(FIXTURES, variant, 'model'), { threads: 1 });
      const theirs = loadAdapter(join(FIXTURES, variant, method), expectAdapterFor(engine.info));
      const mine = join(root, `${variant}-${method}`);
      saveAdapter(mine, { info: engine.info, soft: theirs.soft, origin: { init: 'RANDOM' }, method: theirs.method });
      const reloaded = loadAdapter(mine, expectAdapterFor(engine.info));
      const peftConfig = JSON.parse(readFileSync(join(FIXTURES, variant, method, 'adapter_config.json'), 'utf8'));
      const ourConfig = JSON.parse(readFileSync(join(mine, 'adapter_config.json'), 'utf8'));
      // Every field PEFT wrote, with PEFT's values (but the base model's name and PEFT's version stamp), and no other.
      const skip = new Set(['base_model_name_or_path', 'peft_version']);
      assert.deepEqual(Object.keys(ourConfig).filter((k) => !skip.has(k)), Object.keys(peftConfig).filter((k) => !skip.has(k)));
      for (const [key, value] of Object.entries(peftConfig)) if (!skip.has(key)) assert.deepEqual(ourConfig[key], value, key);
      const want = (JSON.parse(readFileSync(join(FIXTURES, variant, 'expected.json'), 'utf8')) as Expected).adapters[method];
      assert.ok((await worstDifference(engine, want.runs, reloaded.soft)) <= TOLERANCE);
      await engine.dispose();
    });
  }
});
