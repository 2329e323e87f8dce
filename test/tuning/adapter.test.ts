import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isPrefixPrompt, type ModelInfo, type PrefixPrompt, type SoftPrompt } from '../../src/engine/api';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, checkOutputFolder, expectAdapterFor, isAdapterFolder, isTrainedAdapterFolder, loadAdapter, saveAdapter, TRAINING_RECORD_FILE } from '../../src/tuning/adapter';
import { userErrorMessage } from '../helpers/user-error';

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

after(() => fs.rmSync(root, { recursive: true, force: true }));

describe('tuning/adapter (PEFT prompt-tuning folders)', () => {
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

describe('tuning/adapter: P-tuning and prefix-tuning folders (PEFT P_TUNING, PREFIX_TUNING)', () => {
  // A model with grouped-query attention: 4 query heads on 2 key/value heads of 3 dimensions, 2 layers.
  const gqa: ModelInfo = { dir: '/models/g', modelType: 'llama', hiddenSize: 12, numLayers: 2, numHeads: 4, numKeyValueHeads: 2, headDim: 3, vocabSize: 100, maxPositions: 64, nameOrPath: 'tiny-llama' };
  const prefixOf = (numVirtual: number, info: ModelInfo = gqa): PrefixPrompt => ({
    kind: 'prefix', numVirtual, numLayers: info.numLayers, numKeyValueHeads: info.numKeyValueHeads, headDim: info.headDim,
    data: Float32Array.from({ length: numVirtual * info.numLayers * 2 * info.numKeyValueHeads * info.headDim }, (_, i) => Math.sin(i) * 3),
  });
  /** A folder written from PEFT's spec by hand: its config fields and one F32 tensor `prompt_embeddings`. */
  function peftFolder(config: object, shape: number[], values: Float32Array): string {
    const dir = tmpdir();
    fs.writeFileSync(path.join(dir, ADAPTER_CONFIG_FILE), JSON.stringify(config));
    fs.writeFileSync(path.join(dir, ADAPTER_WEIGHTS_FILE), handMadeSafetensors('prompt_embeddings', shape, values));
    return dir;
  }

  it('a prefix round-trips exactly, as PrefixTuningConfig with token_dim = kv heads × head dim (grouped-query attention)', () => {
    const dir = path.join(tmpdir(), 'prefix');
    const prefix = prefixOf(3);
    saveAdapter(dir, { info: gqa, soft: prefix, origin: { init: 'TEXT', initText: 'hi' }, method: { type: 'prefix-tuning' }, record: { tool: 'ptune' } });
    const config = JSON.parse(fs.readFileSync(path.join(dir, ADAPTER_CONFIG_FILE), 'utf8'));
    assert.deepStrictEqual(config, {
      auto_mapping: null, base_model_name_or_path: 'tiny-llama', encoder_hidden_size: 6, inference_mode: true, init_weights: null, modules_to_save: null,
      num_attention_heads: 2, num_layers: 2, num_transformer_submodules: 1, num_virtual_tokens: 3, peft_type: 'PREFIX_TUNING', prefix_projection: false,
      revision: null, task_type: 'CAUSAL_LM', token_dim: 6,
    });
    const loaded = loadAdapter(dir, expectAdapterFor(gqa));
    assert.deepStrictEqual(loaded.method, { type: 'prefix-tuning' });
    assert.ok(isPrefixPrompt(loaded.soft));
    assert.deepStrictEqual({ ...loaded.soft, data: [...loaded.soft.data] }, { ...prefix, data: [...prefix.data] });
    assert.ok(isTrainedAdapterFolder(dir));
    checkOutputFolder(dir, true);
  });

  it('P-tuning saves its virtual tokens as PromptEncoderConfig and loads back as a soft prompt', () => {
    const dir = path.join(tmpdir(), 'p-tuning');
    const soft = softPrompt();
    const method = { type: 'p-tuning', encoderHiddenSize: 20, encoderNumLayers: 2, encoderReparameterization: 'MLP' } as const;
    saveAdapter(dir, { info, soft, origin: { init: 'RANDOM' }, method });
    const config = JSON.parse(fs.readFileSync(path.join(dir, ADAPTER_CONFIG_FILE), 'utf8'));
    assert.deepStrictEqual(config, {
      auto_mapping: null, base_model_name_or_path: 'tiny-gpt2', encoder_dropout: 0, encoder_hidden_size: 20, encoder_num_layers: 2,
      encoder_reparameterization_type: 'MLP', inference_mode: true, modules_to_save: null, num_attention_heads: 2, num_layers: 2,
      num_transformer_submodules: 1, num_virtual_tokens: 2, peft_type: 'P_TUNING', revision: null, task_type: 'CAUSAL_LM', token_dim: 4,
    });
    const loaded = loadAdapter(dir, expectAdapterFor(info, 'input'));
    assert.deepStrictEqual(loaded.method, method);
    assert.deepStrictEqual([...loaded.soft.data], [...soft.data]);
    assert.ok(!isPrefixPrompt(loaded.soft));
  });

  it('a PREFIX_TUNING folder built from the PEFT spec loads with PEFT’s column order (layer, key/value, head, dim)', () => {
    const L = 2, kv = 2, hd = 3, nv = 2;
    const width = L * 2 * kv * hd;
    // Column ((l·2 + part)·kv + h)·hd + d of row p holds 1000p + 100l + 10·part + h + d/10: each value says where it goes.
    const values = new Float32Array(nv * width);
    for (let p = 0; p < nv; p++) for (let l = 0; l < L; l++) for (let part = 0; part < 2; part++) for (let h = 0; h < kv; h++) for (let d = 0; d < hd; d++) {
      values[p * width + ((l * 2 + part) * kv + h) * hd + d] = 1000 * p + 100 * l + 10 * part + h + d / 10;
    }
    const dir = peftFolder({ peft_type: 'PREFIX_TUNING', task_type: 'CAUSAL_LM', num_virtual_tokens: nv, token_dim: kv * hd, num_attention_heads: kv, num_layers: L, num_transformer_submodules: 1, prefix_projection: true, encoder_hidden_size: 512, inference_mode: false }, [nv, width], values);
    const loaded = loadAdapter(dir, expectAdapterFor(gqa));
    assert.ok(isPrefixPrompt(loaded.soft));
    assert.deepStrictEqual({ numVirtual: loaded.soft.numVirtual, numLayers: loaded.soft.numLayers, numKeyValueHeads: loaded.soft.numKeyValueHeads, headDim: loaded.soft.headDim }, { numVirtual: nv, numLayers: L, numKeyValueHeads: kv, headDim: hd });
    // Row 1, layer 1, values (part 1), head 0, dim 2.
    assert.ok(Math.abs(loaded.soft.data[1 * width + ((1 * 2 + 1) * kv + 0) * hd + 2] - 1110.2) < 1e-3);
  });

  it('bad prefix adapters: another model’s layers, key/value heads or head size, a tensor of the wrong width, each named', () => {
    const good = { peft_type: 'PREFIX_TUNING', task_type: 'CAUSAL_LM', num_virtual_tokens: 2, token_dim: 6, num_attention_heads: 2, num_layers: 2, num_transformer_submodules: 1 };
    const dir = peftFolder(good, [2, 24], new Float32Array(48));
    const layers = userErrorMessage(() => loadAdapter(dir, expectAdapterFor({ ...gqa, numLayers: 4 })));
    assert.strictEqual(layers, `prefix adapter ${dir} belongs to another model (base model unknown): it has 2 layers where tiny-llama has 4`);
    const heads = userErrorMessage(() => loadAdapter(dir, expectAdapterFor({ ...gqa, numKeyValueHeads: 1, headDim: 6 })));
    assert.match(heads, /it has 2 key\/value heads where tiny-llama has 1, and 3 head dimensions where tiny-llama has 6$/);
    // An adapter made before PEFT's grouped-query fix (token_dim = hidden size, all query heads) does not fit either.
    const old = peftFolder({ ...good, token_dim: 12, num_attention_heads: 4 }, [2, 48], new Float32Array(96));
    assert.match(userErrorMessage(() => loadAdapter(old, expectAdapterFor(gqa))), /it has 4 key\/value heads where tiny-llama has 2$/);
    const wide = peftFolder(good, [2, 12], new Float32Array(24));
    assert.strictEqual(userErrorMessage(() => loadAdapter(wide, expectAdapterFor(gqa))), `${path.join(wide, ADAPTER_WEIGHTS_FILE)}: "prompt_embeddings" has shape [2, 12], but adapter_config.json says [2, 24] (num_virtual_tokens, num_layers × 2 × token_dim)`);
    const uneven = peftFolder({ ...good, token_dim: 7 }, [2, 28], new Float32Array(56));
    assert.match(userErrorMessage(() => loadAdapter(uneven, expectAdapterFor(gqa))), /token_dim 7 is not a multiple of num_attention_heads 2/);
  });

  it('callers that need input vectors refuse a prefix adapter with their reason; the old default takes prompt tuning only', () => {
    const dir = path.join(tmpdir(), 'prefix');
    saveAdapter(dir, { info: gqa, soft: prefixOf(2), origin: { init: 'RANDOM' }, method: { type: 'prefix-tuning' } });
    assert.strictEqual(userErrorMessage(() => loadAdapter(dir, expectAdapterFor(gqa, 'input', 'there is no token to project to'))), `${dir} is a prefix-tuning adapter (peft_type PREFIX_TUNING): there is no token to project to`);
    assert.match(userErrorMessage(() => loadAdapter(dir, { hiddenSize: 12 })), /is a prefix-tuning adapter \(peft_type PREFIX_TUNING\); only PROMPT_TUNING \(prompt-tuning\) adapters can be used here$/);
  });

  it('saving a prompt under the wrong method is a bug, caught before anything is written', () => {
    const dir = path.join(tmpdir(), 'x');
    assert.throws(() => saveAdapter(dir, { info: gqa, soft: prefixOf(2), origin: { init: 'RANDOM' } }), /a prefix cannot be saved as a prompt-tuning adapter/);
    assert.throws(() => saveAdapter(dir, { info, soft: softPrompt(), origin: { init: 'RANDOM' }, method: { type: 'prefix-tuning' } }), /a soft prompt cannot be saved as a prefix-tuning adapter/);
    assert.ok(!fs.existsSync(dir));
  });
});
