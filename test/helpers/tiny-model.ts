/**
 * Writes a tiny random GPT-2 checkpoint folder in exact Hugging Face layout (config.json, safetensors,
 * tokenizer.json with a byte-level BPE, tokenizer_config.json), so engine tests need nothing outside the repo.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeSafetensors } from '../../src/engine/models/safetensors';
import { mulberry } from './random';

export interface TinyModelOptions {
  nLayer?: number;
  nHead?: number;
  nEmbd?: number;
  nPositions?: number;
  seed?: number;
  /** Weight scale (std-like); larger values make logits less uniform. */
  scale?: number;
  /** Write names without the `transformer.` prefix. */
  noPrefix?: boolean;
  /** Split the weights across two shards with an index file. */
  sharded?: boolean;
  /** Store weights as F16 or BF16 (values are rounded so they are exact in that format). */
  storeAs?: 'F32' | 'F16' | 'BF16';
}

/** GPT-2's byte → printable-unicode map used by byte-level BPE vocabularies. */
export function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const map: string[] = new Array(256);
  bs.forEach((b) => (map[b] = String.fromCharCode(b)));
  let n = 0;
  for (let b = 0; b < 256; b++) if (map[b] === undefined) map[b] = String.fromCharCode(256 + n++);
  return map;
}

const MERGES: [string, string][] = [['Ġ', 't'], ['h', 'e'], ['Ġt', 'he'], ['Ġ', 'g'], ['r', 'e'], ['Ġg', 're'], ['a', 't'], ['Ġgre', 'at']];

export function tinyTokenizerJson(): { json: object; vocabSize: number; eos: number } {
  const u = bytesToUnicode();
  const vocab: Record<string, number> = {};
  u.forEach((ch, b) => (vocab[ch] = b));
  let next = 256;
  for (const [a, b] of MERGES) vocab[a + b] = next++;
  const eos = next++;
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [{ id: eos, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true }],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false,
      vocab, merges: MERGES.map(([a, b]) => `${a} ${b}`),
    },
  };
  return { json, vocabSize: next, eos };
}

function roundTo(storeAs: TinyModelOptions['storeAs'], x: number): number {
  // Multiples of 1/256 below 4 in magnitude are exact in F16 and BF16 alike when kept to 8 significant bits.
  if (!storeAs || storeAs === 'F32') return x;
  return Math.round(x * 64) / 64;
}

function encodeAs(dtype: 'F16' | 'BF16', data: Float32Array): Buffer {
  const out = Buffer.alloc(2 * data.length);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  data.forEach((x, i) => {
    f[0] = x;
    if (dtype === 'BF16') out.writeUInt16LE(u[0] >>> 16, 2 * i);
    else {
      // Exact conversion for the values roundTo produces (normal range, ≤ 10 mantissa bits).
      if (x === 0) return out.writeUInt16LE(0, 2 * i);
      const sign = x < 0 ? 0x8000 : 0;
      const a = Math.abs(x);
      const e = Math.floor(Math.log2(a));
      const mant = Math.round((a / 2 ** e - 1) * 1024);
      out.writeUInt16LE(sign | ((e + 15) << 10) | mant, 2 * i);
    }
  });
  return out;
}

function encodeMixed(tensors: Record<string, { shape: number[]; data: Float32Array }>, dtype: 'F16' | 'BF16'): Buffer {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  const parts: Buffer[] = [];
  let offset = 0;
  for (const name of names) {
    const bytes = encodeAs(dtype, tensors[name].data);
    header[name] = { dtype, shape: tensors[name].shape, data_offsets: [offset, offset + bytes.length] };
    parts.push(bytes);
    offset += bytes.length;
  }
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, ...parts]);
}

export function tinyGpt2Tensors(opts: TinyModelOptions, vocabSize: number): Record<string, { shape: number[]; data: Float32Array }> {
  const { nLayer = 2, nHead = 2, nEmbd = 8, nPositions = 128, seed = 1, scale = 0.3 } = opts;
  const rnd = mulberry(seed);
  const h = nEmbd;
  const t: Record<string, { shape: number[]; data: Float32Array }> = {};
  const add = (name: string, shape: number[], kind: 'w' | 'ones' | 'small') => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: n }, () =>
      roundTo(opts.storeAs, kind === 'ones' ? 1 + (rnd() - 0.5) * 0.2 : (rnd() * 2 - 1) * (kind === 'w' ? scale : scale / 4)),
    );
    t[(opts.noPrefix ? '' : 'transformer.') + name] = { shape, data };
  };
  add('wte.weight', [vocabSize, h], 'w');
  add('wpe.weight', [nPositions, h], 'w');
  for (let i = 0; i < nLayer; i++) {
    add(`h.${i}.ln_1.weight`, [h], 'ones');
    add(`h.${i}.ln_1.bias`, [h], 'small');
    add(`h.${i}.attn.c_attn.weight`, [h, 3 * h], 'w');
    add(`h.${i}.attn.c_attn.bias`, [3 * h], 'small');
    add(`h.${i}.attn.c_proj.weight`, [h, h], 'w');
    add(`h.${i}.attn.c_proj.bias`, [h], 'small');
    add(`h.${i}.ln_2.weight`, [h], 'ones');
    add(`h.${i}.ln_2.bias`, [h], 'small');
    add(`h.${i}.mlp.c_fc.weight`, [h, 4 * h], 'w');
    add(`h.${i}.mlp.c_fc.bias`, [4 * h], 'small');
    add(`h.${i}.mlp.c_proj.weight`, [4 * h, h], 'w');
    add(`h.${i}.mlp.c_proj.bias`, [h], 'small');
  }
  add('ln_f.weight', [h], 'ones');
  add('ln_f.bias', [h], 'small');
  return t;
}

/** Writes the folder and returns its facts. */
export function writeTinyGpt2(dir: string, opts: TinyModelOptions = {}): { dir: string; vocabSize: number; hidden: number; eos: number } {
  const { nLayer = 2, nHead = 2, nEmbd = 8, nPositions = 128 } = opts;
  mkdirSync(dir, { recursive: true });
  const tok = tinyTokenizerJson();
  const config = {
    architectures: ['GPT2LMHeadModel'], model_type: 'gpt2', activation_function: 'gelu_new',
    n_layer: nLayer, n_head: nHead, n_embd: nEmbd, n_inner: null, n_positions: nPositions, n_ctx: nPositions,
    vocab_size: tok.vocabSize, layer_norm_epsilon: 1e-5, bos_token_id: tok.eos, eos_token_id: tok.eos, tie_word_embeddings: true,
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tok.json));
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify({ tokenizer_class: 'GPT2Tokenizer', bos_token: '<|endoftext|>', eos_token: '<|endoftext|>', unk_token: '<|endoftext|>', add_bos_token: false, model_max_length: nPositions }),
  );
  const tensors = tinyGpt2Tensors(opts, tok.vocabSize);
  const encode = (part: typeof tensors) => (opts.storeAs && opts.storeAs !== 'F32' ? encodeMixed(part, opts.storeAs) : encodeSafetensors(part));
  if (opts.sharded) {
    const names = Object.keys(tensors).sort();
    const half = Math.ceil(names.length / 2);
    const shards = [names.slice(0, half), names.slice(half)];
    const weightMap: Record<string, string> = {};
    shards.forEach((list, i) => {
      const file = `model-0000${i + 1}-of-00002.safetensors`;
      writeFileSync(join(dir, file), encode(Object.fromEntries(list.map((n) => [n, tensors[n]]))));
      list.forEach((n) => (weightMap[n] = file));
    });
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  } else {
    writeFileSync(join(dir, 'model.safetensors'), encode(tensors));
  }
  return { dir, vocabSize: tok.vocabSize, hidden: nEmbd, eos: tok.eos };
}
