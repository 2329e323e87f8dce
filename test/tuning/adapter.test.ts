import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { ModelInfo, SoftPrompt } from '../../src/engine/api';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, checkOutputFolder, isAdapterFolder, loadAdapter, saveAdapter, TRAINING_RECORD_FILE } from '../../src/tuning/adapter';

const info: ModelInfo = { dir: '/models/m', modelType: 'gpt2', hiddenSize: 4, numLayers: 2, numHeads: 2, numKeyValueHeads: 2, headDim: 2, vocabSize: 100, maxPositions: 64, nameOrPath: 'tiny-gpt2' };

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-adapter-'));
let made = 0;
function tmpdir(): string {
  const dir = path.join(root, String(made++));
  fs.mkdirSync(dir);
  return dir;
}

function softPrompt(): SoftPrompt {
  // Values whose float32 bytes are awkward: subnormal, negative zero, large, non-representable decimals.
  const data = Float32Array.from([0.1, -0.2, 1e-40, -0, 3.4e38, 1 / 3, -7.25, 123456.789]);
  return { numVirtual: 2, hiddenSize: 4, data };
}

/** A safetensors file assembled by hand from the format spec, as PEFT (via the Rust library) writes it. */
function handMadeSafetensors(name: string, shape: number[], values: Float32Array): Buffer {
  const header = Buffer.from(JSON.stringify({ __metadata__: { format: 'pt' }, [name]: { dtype: 'F32', shape, data_offsets: [0, values.byteLength] } }), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([len, header, Buffer.from(values.buffer, values.byteOffset, values.byteLength)]);
}

describe('tuning/adapter (PEFT prompt-tuning folders)', () => {
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  it('round-trips the tensor bytes exactly and writes the PEFT config fields', () => {
    const dir = path.join(tmpdir(), 'adapter');
    const soft = softPrompt();
    saveAdapter(dir, { info, soft, origin: { init: 'TEXT', initText: 'Classify:' }, record: { seed: 3 } });
    const loaded = loadAdapter(dir, { hiddenSize: 4, modelName: 'tiny-gpt2' });
    assert.deepStrictEqual(Buffer.from(loaded.soft.data.buffer, loaded.soft.data.byteOffset, loaded.soft.data.byteLength), Buffer.from(soft.data.buffer));
    assert.strictEqual(loaded.soft.numVirtual, 2);
    assert.deepStrictEqual(loaded.warnings, []);
    assert.deepStrictEqual(loaded.record, { seed: 3 });
    const config = JSON.parse(fs.readFileSync(path.join(dir, ADAPTER_CONFIG_FILE), 'utf8'));
    assert.deepStrictEqual(
      {
        peft_type: config.peft_type, task_type: config.task_type, num_virtual_tokens: config.num_virtual_tokens, token_dim: config.token_dim,
        num_transformer_submodules: config.num_transformer_submodules, num_attention_heads: config.num_attention_heads, num_layers: config.num_layers,
        prompt_tuning_init: config.prompt_tuning_init, prompt_tuning_init_text: config.prompt_tuning_init_text,
        tokenizer_name_or_path: config.tokenizer_name_or_path, base_model_name_or_path: config.base_model_name_or_path, inference_mode: config.inference_mode,
      },
      {
        peft_type: 'PROMPT_TUNING', task_type: 'CAUSAL_LM', num_virtual_tokens: 2, token_dim: 4, num_transformer_submodules: 1, num_attention_heads: 2,
        num_layers: 2, prompt_tuning_init: 'TEXT', prompt_tuning_init_text: 'Classify:', tokenizer_name_or_path: 'tiny-gpt2', base_model_name_or_path: 'tiny-gpt2', inference_mode: true,
      },
    );
    // The tensor bytes in the file are the prompt's bytes, stored under PEFT's name.
    const file = fs.readFileSync(path.join(dir, ADAPTER_WEIGHTS_FILE));
    const headerLength = Number(file.readBigUInt64LE(0));
    const header = JSON.parse(file.subarray(8, 8 + headerLength).toString('utf8'));
    assert.deepStrictEqual(header.prompt_embeddings, { dtype: 'F32', shape: [2, 4], data_offsets: [0, 32] });
    assert.deepStrictEqual(file.subarray(8 + headerLength), Buffer.from(soft.data.buffer));
    // No temporary folders are left beside it.
    assert.deepStrictEqual(fs.readdirSync(path.dirname(dir)), ['adapter']);
  });

  for (const bad of [NaN, Infinity, -Infinity]) {
    it(`an adapter tensor holding ${bad} is an error naming the file and the tensor (issue 12, item 8)`, () => {
      const dir = tmpdir();
      const values = Float32Array.from({ length: 3 * 4 }, (_, i) => Math.sin(i));
      values[6] = bad;
      fs.writeFileSync(path.join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'PROMPT_TUNING', num_virtual_tokens: 3, token_dim: 4 }));
      const weights = path.join(dir, 'adapter_model.safetensors');
      fs.writeFileSync(weights, handMadeSafetensors('prompt_embeddings', [3, 4], values));
      assert.throws(() => loadAdapter(dir), {
        name: 'UserError',
        message: `${weights}: tensor "prompt_embeddings" holds ${bad} at index 6 (flat) of shape [3,4]; weights must be finite`,
      });
    });
  }

  it('loads a PEFT-layout folder written by someone else (no ptune record)', () => {
    const dir = tmpdir();
    const values = Float32Array.from({ length: 3 * 4 }, (_, i) => Math.sin(i));
    fs.writeFileSync(path.join(dir, 'adapter_config.json'), JSON.stringify({
      auto_mapping: null, base_model_name_or_path: 'gpt2', inference_mode: true, num_attention_heads: 12, num_layers: 12,
      num_transformer_submodules: 1, num_virtual_tokens: 3, peft_type: 'PROMPT_TUNING', prompt_tuning_init: 'RANDOM',
      prompt_tuning_init_text: null, revision: null, task_type: 'CAUSAL_LM', token_dim: 4, tokenizer_kwargs: null,
      tokenizer_name_or_path: null, peft_version: '0.13.2',
    }));
    fs.writeFileSync(path.join(dir, 'adapter_model.safetensors'), handMadeSafetensors('prompt_embeddings', [3, 4], values));
    fs.writeFileSync(path.join(dir, 'README.md'), '# a model card\n');
    assert.ok(isAdapterFolder(dir));
    const loaded = loadAdapter(dir, { hiddenSize: 4, modelName: 'tiny-gpt2' });
    assert.deepStrictEqual([...loaded.soft.data], [...values]);
    assert.strictEqual(loaded.record, undefined);
    assert.deepStrictEqual(loaded.warnings, [`soft prompt ${dir} was trained on gpt2, not tiny-gpt2; the sizes match, so it loads, but it may not work well`]);
    // Saving over it keeps the model card and replaces the adapter files.
    saveAdapter(dir, { info, soft: softPrompt(), origin: { init: 'RANDOM' } });
    assert.strictEqual(fs.readFileSync(path.join(dir, 'README.md'), 'utf8'), '# a model card\n');
    assert.strictEqual(loadAdapter(dir).soft.numVirtual, 2);
  });

  it('says clearly when an adapter belongs to another model', () => {
    const dir = tmpdir();
    saveAdapter(dir, { info, soft: softPrompt(), origin: { init: 'RANDOM' } });
    assert.throws(() => loadAdapter(dir, { hiddenSize: 768, modelName: 'gpt2' }), {
      name: 'UserError',
      message: `soft prompt ${dir} belongs to another model: its vectors have 4 dimensions (base model tiny-gpt2), but gpt2 has hidden size 768`,
    });
  });

  it('rejects broken folders with one message naming the problem', () => {
    const dir = tmpdir();
    assert.throws(() => loadAdapter(path.join(dir, 'nope')), { message: `soft prompt folder ${path.join(dir, 'nope')} does not exist` });
    assert.throws(() => loadAdapter(dir), { message: `${dir} is not a soft-prompt adapter folder: adapter_config.json is missing` });
    fs.writeFileSync(path.join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA' }));
    assert.throws(() => loadAdapter(dir), { message: `${path.join(dir, 'adapter_config.json')}: peft_type is "LORA", but only prompt-learning adapters (PROMPT_TUNING (prompt-tuning), P_TUNING (P-tuning), PREFIX_TUNING (prefix-tuning)) can be loaded` });
    fs.writeFileSync(path.join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'PROMPT_TUNING', num_virtual_tokens: 3, token_dim: 4 }));
    fs.writeFileSync(path.join(dir, 'adapter_model.bin'), 'pickle');
    assert.throws(() => loadAdapter(dir), /holds adapter_model\.bin \(PyTorch pickle\)/);
    fs.writeFileSync(path.join(dir, 'adapter_model.safetensors'), handMadeSafetensors('prompt_embeddings', [2, 4], new Float32Array(8)));
    assert.throws(() => loadAdapter(dir), { message: `${path.join(dir, 'adapter_model.safetensors')}: "prompt_embeddings" has shape [2, 4], but adapter_config.json says [3, 4]` });
  });

  it('--out: new or empty folders are fine; ptune\'s own adapter only with --overwrite; anything else never (item 2)', () => {
    const root = tmpdir();
    const other = path.join(root, 'src');
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'main.ts'), 'keep me');
    const foreign = `--out ${other} exists and is not a soft-prompt folder trained by ptune (adapter_config.json with peft_type PROMPT_TUNING, P_TUNING, PREFIX_TUNING, and ptune_training.json); --overwrite only replaces ptune's own adapter folders: choose another folder`;
    for (const overwrite of [false, true]) assert.throws(() => checkOutputFolder(other, overwrite), { name: 'UserError', message: foreign });
    assert.deepStrictEqual(fs.readdirSync(other), ['main.ts']);
    checkOutputFolder(path.join(root, 'new'), false);
    fs.mkdirSync(path.join(root, 'empty'));
    checkOutputFolder(path.join(root, 'empty'), false);
    // A PEFT adapter without ptune's record (trained elsewhere) is never replaced.
    const peft = path.join(root, 'peft');
    saveAdapter(peft, { info, soft: softPrompt(), origin: { init: 'RANDOM' } });
    assert.throws(() => checkOutputFolder(peft, true), /is not a soft-prompt folder trained by ptune/);
    const trained = path.join(root, 'trained');
    saveAdapter(trained, { info, soft: softPrompt(), origin: { init: 'RANDOM' }, record: { tool: 'ptune' } });
    assert.throws(() => checkOutputFolder(trained, false), { name: 'UserError', message: `--out ${trained} already holds a trained soft prompt; pass --overwrite to replace it (it stays as it is until the new run saves a checkpoint past its start), or choose another folder` });
    checkOutputFolder(trained, true);
    fs.writeFileSync(path.join(root, 'file'), 'x');
    for (const overwrite of [false, true]) assert.throws(() => checkOutputFolder(path.join(root, 'file'), overwrite), /is a file, not a folder/);
  });

  it('a save that fails part-way leaves the previous adapter untouched and no temp folder', () => {
    const root = tmpdir();
    const dir = path.join(root, 'adapter');
    saveAdapter(dir, { info, soft: softPrompt(), origin: { init: 'RANDOM' }, record: { step: 1 } });
    const before = fs.readFileSync(path.join(dir, ADAPTER_WEIGHTS_FILE));
    const broken: SoftPrompt = { numVirtual: 3, hiddenSize: 4, data: new Float32Array(5) };
    assert.throws(() => saveAdapter(dir, { info, soft: broken, origin: { init: 'RANDOM' } }), /soft prompt has 5 values, expected 3 × 4/);
    assert.deepStrictEqual(fs.readFileSync(path.join(dir, ADAPTER_WEIGHTS_FILE)), before);
    assert.deepStrictEqual(JSON.parse(fs.readFileSync(path.join(dir, TRAINING_RECORD_FILE), 'utf8')), { step: 1 });
    assert.deepStrictEqual(fs.readdirSync(root), ['adapter']);
  });
});
