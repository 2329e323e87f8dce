import * as assert from 'node:assert/strict';
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../src/engine/engine';
import {
  assertCheckpointFits, checkpointMemory, hasTensor, loadCheckpoint, requireTensor, type Checkpoint,
} from '../../src/engine/models/checkpoint';
import { assertFits, availableMemory, MEMORY_LIMIT_ENV } from '../../src/engine/models/memory';
import { readSafetensors, readTensorF32 } from '../../src/engine/models/safetensors';
import { loadAdapter } from '../../src/tuning/adapter';
import { mulberry } from '../helpers/random';
import { bytesOf, safetensorsBytes, safetensorsPrefix, type RawTensor } from '../helpers/safetensors-file';
import { writeTinyGpt2 } from '../helpers/tiny-model';

const root = mkdtempSync(join(tmpdir(), 'ptune-ckpt-'));
after(() => rmSync(root, { recursive: true, force: true }));

let folders = 0;
/** A model folder holding config.json and the given single weights file. */
function folder(tensors: Record<string, RawTensor>): { dir: string; file: string } {
  const dir = join(root, `m${folders++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'llama' }));
  const file = join(dir, 'model.safetensors');
  writeFileSync(file, safetensorsBytes(tensors));
  return { dir, file };
}

const userError = (pattern: RegExp) => (e: Error) => {
  assert.equal(e.name, 'UserError');
  assert.match(e.message, pattern);
  return true;
};
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Plain-loop references built from the IEEE bit layouts, not from the loader's code.
function f16Reference(h: number): number {
  const sign = h >> 15;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  const bits = new Uint32Array(1);
  if (exp === 0) return (sign ? -1 : 1) * frac * 2 ** -24; // zero or subnormal: exact in float32
  bits[0] = (sign << 31) | ((exp - 15 + 127) << 23) | (frac << 13);
  return new Float32Array(bits.buffer)[0];
}
function bf16Reference(h: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint16(0, h); // big-endian high half, low half zero
  return view.getFloat32(0);
}
const bitsOf = (values: ArrayLike<number>) => new Uint32Array(Float32Array.from(values).buffer);

/** Every finite 16-bit pattern of a format whose exponent field is `expMask` (so subnormals, ±0 and extremes). */
function finiteHalfPatterns(expMask: number): Uint16Array {
  const out: number[] = [];
  for (let h = 0; h < 65536; h++) if ((h & expMask) !== expMask) out.push(h);
  return Uint16Array.from(out);
}

describe('safetensors: tensors upcast to float32 bit-exactly, read on demand', () => {
  const f16 = finiteHalfPatterns(0x7c00);
  const bf16 = finiteHalfPatterns(0x7f80);
  const rnd = mulberry(11);
  const f32Bits = Uint32Array.from({ length: 5000 }, () => Math.floor(rnd() * 2 ** 32)).filter((b) => (b & 0x7f800000) !== 0x7f800000);
  const f32Special = Uint32Array.of(0, 0x80000000, 1, 0x807fffff, 0x00800000, 0x7f7fffff, 0xff7fffff);
  const f32 = new Float32Array(Uint32Array.from([...f32Special, ...f32Bits]).buffer);
  // Doubles that round differently in float32: subnormals of both formats, values just below FLT_MAX, ties.
  const f64 = Float64Array.from([
    0, -0, 5e-324, -5e-324, 1e-40, -1e-45, 1.4e-45, 3.4028234663852886e38, -3.4028235e38, 1 + 2 ** -24, 1 + 3 * 2 ** -24, Math.PI,
    ...Array.from({ length: 3000 }, () => (rnd() - 0.5) * 2 ** Math.floor(rnd() * 200 - 100)),
  ]);
  let ck: Checkpoint;
  let file: string;
  before(() => {
    file = folder({
      'transformer.h.0.f16': { dtype: 'F16', shape: [f16.length / 16, 16], bytes: bytesOf(f16) },
      'transformer.h.0.bf16': { dtype: 'BF16', shape: [bf16.length], bytes: bytesOf(bf16) },
      'transformer.h.0.f32': { dtype: 'F32', shape: [f32.length], bytes: bytesOf(f32) },
      'transformer.h.0.f64': { dtype: 'F64', shape: [f64.length], bytes: bytesOf(f64) },
      'transformer.h.0.ids': { dtype: 'I32', shape: [2, 2], bytes: bytesOf(Int32Array.of(1, 2, 3, 4)) },
    }).file;
    ck = loadCheckpoint(join(file, '..'));
  });

  it('F16, BF16, F32 and F64 match a plain-loop reference bit for bit, subnormals and ±0 included', () => {
    assert.deepEqual(bitsOf(requireTensor(ck, 'h.0.f16', [f16.length / 16, 16])), bitsOf(Array.from(f16, f16Reference)));
    assert.deepEqual(bitsOf(requireTensor(ck, 'h.0.bf16', [bf16.length])), bitsOf(Array.from(bf16, bf16Reference)));
    assert.deepEqual(bitsOf(requireTensor(ck, 'h.0.f32', [f32.length])), new Uint32Array(f32.buffer));
    assert.deepEqual(bitsOf(requireTensor(ck, 'h.0.f64', [f64.length])), bitsOf(Array.from(f64, Math.fround)));
  });

  it('reads in chunks: any chunk size gives the same values', () => {
    for (const name of ['h.0.f16', 'h.0.bf16', 'h.0.f32', 'h.0.f64']) {
      const t = ck.tensors.get(name)!;
      const whole = readTensorF32(t);
      for (const chunkBytes of [8, 24, 1000]) assert.deepEqual(bitsOf(readTensorF32(t, { chunkBytes })), bitsOf(whole), `${name} in ${chunkBytes}-byte chunks`);
    }
  });

  it('keeps metadata only until asked; names lose the transformer. prefix; readSafetensors (adapters) still reads whole files', () => {
    const t = ck.tensors.get('h.0.f16')!;
    assert.deepEqual([t.name, t.dtype, t.shape, t.file], ['transformer.h.0.f16', 'F16', [f16.length / 16, 16], file]);
    assert.equal(hasTensor(ck, 'h.0.ids'), true);
    assert.equal(hasTensor(ck, 'h.0.nope'), false);
    const all = readSafetensors(file);
    assert.deepEqual([...all.keys()].sort(), ['transformer.h.0.bf16', 'transformer.h.0.f16', 'transformer.h.0.f32', 'transformer.h.0.f64']);
    assert.equal(all.get('transformer.h.0.bf16')!.storedDtype, 'BF16');
    assert.deepEqual(bitsOf(all.get('transformer.h.0.f64')!.data), bitsOf(Array.from(f64, Math.fround)));
  });

  it('an integer tensor the model needs is reported with its dtype, not as missing', () => {
    assert.throws(() => requireTensor(ck, 'h.0.ids', [2, 2]), userError(new RegExp(`^${escape(file)}: tensor "transformer\\.h\\.0\\.ids" has dtype I32, a floating-point tensor is expected`)));
    const f8 = folder({ 'model.q.weight': { dtype: 'F8_E4M3', shape: [4], bytes: new Uint8Array(4) } });
    assert.throws(() => requireTensor(loadCheckpoint(f8.dir), 'model.q.weight', [4]), userError(/tensor "model\.q\.weight" has dtype F8_E4M3, this loader reads F32, F16, BF16 or F64 \(quantized weights are not supported\)$/));
  });

  it('a missing tensor, and a wrong shape naming the tensor, the shape found and the shape expected', () => {
    assert.throws(() => requireTensor(ck, 'h.1.f32', [3]), userError(new RegExp(`^${escape(file)}: missing tensor "h\\.1\\.f32"`)));
    assert.throws(() => requireTensor(ck, 'h.0.f16', [16, f16.length / 16]), userError(new RegExp(`^${escape(file)}: tensor "transformer\\.h\\.0\\.f16" has shape \\[${f16.length / 16}, 16\\], expected \\[16, ${f16.length / 16}\\]$`)));
  });

  it('memory: the float32 bytes of the float tensors (integer tensors excluded), or of the names given', () => {
    const floats = f16.length + bf16.length + f32.length + f64.length;
    assert.equal(checkpointMemory(ck), 4 * floats);
    assert.equal(checkpointMemory(ck, ['h.0.bf16', 'h.0.bf16', 'h.0.ids', 'absent']), 4 * bf16.length);
  });
});

describe('safetensors: NaN and infinite values are refused, naming the file and the tensor', () => {
  const cases: [string, RawTensor, RegExp][] = [
    ['F32 NaN', { dtype: 'F32', shape: [4], bytes: bytesOf(Float32Array.of(1, 2, 3, NaN)) }, /holds NaN at index 3/],
    ['F32 -Inf', { dtype: 'F32', shape: [2], bytes: bytesOf(Float32Array.of(-Infinity, 0)) }, /holds -Infinity at index 0/],
    ['BF16 +Inf', { dtype: 'BF16', shape: [3], bytes: bytesOf(Uint16Array.of(0x3f80, 0x7f80, 0)) }, /holds Infinity at index 1/],
    ['BF16 NaN', { dtype: 'BF16', shape: [2], bytes: bytesOf(Uint16Array.of(0x3f80, 0xffc1)) }, /holds NaN at index 1/],
    ['F16 -Inf', { dtype: 'F16', shape: [2, 2], bytes: bytesOf(Uint16Array.of(0x3c00, 0, 0, 0xfc00)) }, /holds -Infinity at index 3/],
    ['F16 NaN', { dtype: 'F16', shape: [1], bytes: bytesOf(Uint16Array.of(0x7e00)) }, /holds NaN at index 0/],
    ['F64 NaN', { dtype: 'F64', shape: [2], bytes: bytesOf(Float64Array.of(0.5, NaN)) }, /holds NaN at index 1/],
    ['F64 beyond float32', { dtype: 'F64', shape: [2], bytes: bytesOf(Float64Array.of(1e300, 0)) }, /holds 1e\+300, beyond the float32 range, at index 0/],
  ];
  for (const [label, tensor, pattern] of cases) {
    it(label, () => {
      const { dir, file } = folder({ 'model.bad.weight': tensor, 'model.good.weight': { dtype: 'F32', shape: [1], bytes: bytesOf(Float32Array.of(1)) } });
      const ck = loadCheckpoint(dir); // headers only: a damaged value is found when its tensor is read
      assert.deepEqual(Array.from(requireTensor(ck, 'model.good.weight', [1])), [1]);
      const where = new RegExp(`^${escape(file)}: tensor "model\\.bad\\.weight" ${pattern.source}`);
      assert.throws(() => requireTensor(ck, 'model.bad.weight', tensor.shape), userError(where));
      assert.throws(() => readSafetensors(file), userError(where)); // adapters too (issue 12 item 8)
    });
  }

  it('an adapter holding NaN is refused by loadAdapter, naming the file and the tensor', () => {
    const dir = join(root, 'nan-adapter');
    mkdirSync(dir);
    writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'PROMPT_TUNING', num_virtual_tokens: 2, token_dim: 2 }));
    const file = join(dir, 'adapter_model.safetensors');
    writeFileSync(file, safetensorsBytes({ prompt_embeddings: { dtype: 'F32', shape: [2, 2], bytes: bytesOf(Float32Array.of(0.5, 0.25, NaN, 1)) } }));
    assert.throws(() => loadAdapter(dir), userError(new RegExp(`^${escape(file)}: tensor "prompt_embeddings" holds NaN at index 2`)));
  });

  it('a NaN weight stops Engine.load with the same message', async () => {
    const m = writeTinyGpt2(join(root, 'nan-gpt2'), { nLayer: 1 });
    const file = join(m.dir, 'model.safetensors');
    const bytes = readFileSync(file);
    const headerEnd = 8 + Number(bytes.readBigUInt64LE(0));
    const entry = JSON.parse(bytes.subarray(8, headerEnd).toString())['transformer.h.0.ln_1.weight'];
    bytes.writeFloatLE(NaN, headerEnd + entry.data_offsets[0] + 4 * 5);
    writeFileSync(file, bytes);
    await assert.rejects(Engine.load(m.dir, { threads: 1 }), userError(new RegExp(`^${escape(file)}: tensor "transformer\\.h\\.0\\.ln_1\\.weight" holds NaN at index 5`)));
  });
});

describe('safetensors: damaged files get one clear message naming the file', () => {
  const good = (): Buffer => safetensorsBytes({ 'a.weight': { dtype: 'F32', shape: [2, 2], bytes: bytesOf(Float32Array.of(1, 2, 3, 4)) } });
  const withBytes = (bytes: Buffer) => {
    const { dir, file } = folder({});
    writeFileSync(file, bytes);
    return { dir, file };
  };

  it('a header length that runs past the file, exceeds the 100 MB limit, or is too small', () => {
    const size = good().length;
    for (const [len, why] of [[10_000n, `does not fit a ${size}-byte file`], [1n, `does not fit a ${size}-byte file`], [BigInt(1e12), 'exceeds the 100000000-byte limit'], [2n ** 64n - 1n, 'exceeds the 100000000-byte limit']] as const) {
      const bytes = good();
      bytes.writeBigUInt64LE(len, 0);
      const { dir, file } = withBytes(bytes);
      assert.throws(() => loadCheckpoint(dir), userError(new RegExp(`^${escape(file)}: corrupt safetensors header \\(header length ${len} ${why}\\)$`)));
    }
  });

  it('a header that is not a UTF-8 JSON object, or a file shorter than 8 bytes', () => {
    const notJson = good();
    notJson.write('{{{{', 8);
    assert.throws(() => loadCheckpoint(withBytes(notJson).dir), userError(/model\.safetensors: corrupt safetensors header \(not valid JSON/));
    const badUtf8 = good();
    badUtf8[10] = 0xff;
    assert.throws(() => loadCheckpoint(withBytes(badUtf8).dir), userError(/model\.safetensors: corrupt safetensors header \(not valid JSON/));
    const list = Buffer.concat([Buffer.from([8, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('[1, 2]  ')]);
    assert.throws(() => loadCheckpoint(withBytes(list).dir), userError(/model\.safetensors: corrupt safetensors header \(expected a JSON object\)/));
    assert.throws(() => loadCheckpoint(withBytes(Buffer.from([1, 2, 3])).dir), userError(/model\.safetensors: not a safetensors file \(only 3 bytes\)/));
  });

  it('data_offsets that run past the file (a truncated file), disagree with the shape, or overlap', () => {
    const truncated = good().subarray(0, good().length - 4);
    const t = withBytes(Buffer.from(truncated));
    assert.throws(() => loadCheckpoint(t.dir), userError(new RegExp(`^${escape(t.file)}: corrupt safetensors header: tensor "a\\.weight" has data_offsets \\[0,16\\] that do not match its shape \\[2,2\\] × 4 bytes within the 12 data bytes of the file$`)));
    const header = (h: object) => {
      const json = JSON.stringify(h);
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(json.length));
      return Buffer.concat([len, Buffer.from(json), Buffer.alloc(32)]);
    };
    const short = withBytes(header({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }));
    assert.throws(() => loadCheckpoint(short.dir), userError(/tensor "x" has data_offsets \[0,16\] that do not match its shape \[3\]/));
    const overlap = withBytes(header({ x: { dtype: 'F32', shape: [4], data_offsets: [0, 16] }, y: { dtype: 'F32', shape: [4], data_offsets: [8, 24] } }));
    assert.throws(() => loadCheckpoint(overlap.dir), userError(/corrupt safetensors header \(tensors "x" and "y" overlap\)/));
    const dtype = withBytes(header({ x: { dtype: 'Q4', shape: [4], data_offsets: [0, 16] } }));
    assert.throws(() => loadCheckpoint(dtype.dir), userError(/tensor "x" has unsupported dtype Q4/));
    const shape = withBytes(header({ x: { dtype: 'F32', shape: [-4], data_offsets: [0, 16] } }));
    assert.throws(() => loadCheckpoint(shape.dir), userError(/tensor "x" has an invalid shape \[-4\]/));
  });

  it('a file shortened after its header was read', () => {
    const { dir, file } = withBytes(good());
    const ck = loadCheckpoint(dir);
    writeFileSync(file, good().subarray(0, good().length - 8));
    assert.throws(() => requireTensor(ck, 'a.weight', [2, 2]), userError(new RegExp(`^${escape(file)}: the file ends at byte`)));
  });
});

describe('sharded checkpoints (model.safetensors.index.json)', () => {
  const rnd = mulberry(5);
  const values = (n: number) => Float32Array.from({ length: n }, () => rnd() - 0.5);
  const embed = values(6 * 4);
  const norm = values(4);
  const head = values(4 * 6);
  function sharded(weightMap?: Record<string, string>): string {
    const dir = join(root, `shard${folders++}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'llama' }));
    writeFileSync(join(dir, 'model-00001-of-00002.safetensors'), safetensorsBytes({
      'model.embed_tokens.weight': { dtype: 'F32', shape: [6, 4], bytes: bytesOf(embed) },
      'model.norm.weight': { dtype: 'F32', shape: [4], bytes: bytesOf(norm) },
    }));
    writeFileSync(join(dir, 'model-00002-of-00002.safetensors'), safetensorsBytes({ 'lm_head.weight': { dtype: 'F32', shape: [4, 6], bytes: bytesOf(head) } }));
    const map = weightMap ?? {
      'model.embed_tokens.weight': 'model-00001-of-00002.safetensors',
      'model.norm.weight': 'model-00001-of-00002.safetensors',
      'lm_head.weight': 'model-00002-of-00002.safetensors',
    };
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 4 * 52 }, weight_map: map }));
    return dir;
  }

  it('reads each tensor from its shard', () => {
    const dir = sharded();
    const ck = loadCheckpoint(dir);
    assert.deepEqual(ck.files, [join(dir, 'model-00001-of-00002.safetensors'), join(dir, 'model-00002-of-00002.safetensors')]);
    assert.equal(ck.index, join(dir, 'model.safetensors.index.json'));
    assert.deepEqual(requireTensor(ck, 'lm_head.weight', [4, 6]), head);
    assert.deepEqual(requireTensor(ck, 'model.embed_tokens.weight', [6, 4]), embed);
    assert.deepEqual(requireTensor(ck, 'model.norm.weight', [4]), norm);
    assert.equal(checkpointMemory(ck), 4 * 52);
    assert.throws(() => requireTensor(ck, 'model.layers.0.mlp.up_proj.weight', [1]), userError(new RegExp(`^${escape(join(dir, 'model.safetensors.index.json'))}: missing tensor`)));
  });

  it('an index that disagrees with its shards, names a missing shard, or points outside the folder', () => {
    const wrong = sharded({ 'model.embed_tokens.weight': 'model-00002-of-00002.safetensors', 'lm_head.weight': 'model-00002-of-00002.safetensors', 'model.norm.weight': 'model-00001-of-00002.safetensors' });
    assert.throws(() => loadCheckpoint(wrong), userError(/model\.safetensors\.index\.json: weight_map puts "model\.embed_tokens\.weight" in model-00002-of-00002\.safetensors, but it is in model-00001-of-00002\.safetensors/));
    const missing = sharded({ 'lm_head.weight': 'model-00003-of-00003.safetensors' });
    assert.throws(() => loadCheckpoint(missing), userError(/model-00003-of-00003\.safetensors: shard listed in model\.safetensors\.index\.json is missing/));
    const outside = sharded({ 'lm_head.weight': '../m0/model.safetensors' });
    assert.throws(() => loadCheckpoint(outside), userError(/weight_map\["lm_head\.weight"\] must be a file name in the model folder, not "\.\.\/m0\/model\.safetensors"/));
  });
});

describe('a safetensors file larger than 2 GiB', () => {
  // A sparse file: the header at the start, a 2.3 GB F16 embedding never written (holes read as zeros), and a
  // small F32 tensor at its end, past byte 2^31. Reading that one tensor must not touch the rest.
  const big = { dtype: 'F16', shape: [1 << 20, 1100] };
  const small = Float32Array.from({ length: 64 }, (_, i) => i / 8 - 3);
  let dir: string;
  let file: string;
  before(function () {
    dir = join(root, 'huge');
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'llama' }));
    file = join(dir, 'model.safetensors');
    const { prefix, offsets, fileBytes } = safetensorsPrefix([['model.embed_tokens.weight', big], ['model.norm.weight', { dtype: 'F32', shape: [64] }]]);
    const fd = openSync(file, 'w');
    try {
      writeSync(fd, prefix, 0, prefix.length, 0);
      ftruncateSync(fd, fileBytes);
      const smallBytes = bytesOf(small);
      writeSync(fd, smallBytes, 0, smallBytes.length, offsets.get('model.norm.weight')!);
      assert.ok(offsets.get('model.norm.weight')! > 2 ** 31);
    } finally {
      closeSync(fd);
    }
    if (statSync(file).blocks * 512 > 64 * 2 ** 20) {
      rmSync(file);
      this.skip(); // the file system here does not make sparse files
    }
  });

  it('loads its header and the tensor near the end without allocating the file', () => {
    assert.ok(statSync(file).size > 2 ** 31);
    const before = process.memoryUsage().arrayBuffers;
    const ck = loadCheckpoint(dir);
    assert.deepEqual(requireTensor(ck, 'model.norm.weight', [64]), small);
    assert.deepEqual(readSafetensors(file, new Set(['model.norm.weight'])).get('model.norm.weight')!.data, small);
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.ok(grown < 16 * 2 ** 20, `array buffers grew by ${grown} bytes`);
    assert.equal(checkpointMemory(ck), 4 * ((1 << 20) * 1100 + 64));
  });

  it('is refused before loading when its float32 weights cannot fit, with both figures', () => {
    const ck = loadCheckpoint(dir);
    const env = { [MEMORY_LIMIT_ENV]: '1024' };
    assert.throws(() => assertCheckpointFits(ck, undefined, env), userError(new RegExp(`^${escape(dir)}: loading the weights as float32 needs 4\\.3 GiB of memory, but only 1\\.0 GiB is available \\(the limit ${MEMORY_LIMIT_ENV}=1024\\)$`)));
    assert.equal(assertCheckpointFits(ck, ['model.norm.weight'], env), 256); // the family reads only this one
  });

  it('fits where float32 would not when its big tensor is held in 4 bits (the message names the format)', () => {
    const ck = loadCheckpoint(dir);
    const names = [...ck.tensors.keys()];
    const big = names.find((n) => n !== 'model.norm.weight')!;
    const int4 = { names: new Set([big]), bytesPerValue: 0.625, format: 'int4' };
    // 1100 Mi values at 0.625 bytes each, plus the float32 norm.
    assert.equal(assertCheckpointFits(ck, names, { [MEMORY_LIMIT_ENV]: '1024' }, int4), 0.625 * (1 << 20) * 1100 + 256);
    assert.throws(() => assertCheckpointFits(ck, names, { [MEMORY_LIMIT_ENV]: '512' }, int4), userError(/loading the weights as float32 with the linear layers in int4 needs 688 MiB of memory, but only 512 MiB is available/));
  });
});

describe('memory limits', () => {
  it(`${MEMORY_LIMIT_ENV} overrides the available memory; a bad value names the variable`, () => {
    assert.deepEqual(availableMemory({ [MEMORY_LIMIT_ENV]: '1.5' }), { bytes: 1.5 * 2 ** 20, source: `the limit ${MEMORY_LIMIT_ENV}=1.5` });
    assert.throws(() => assertFits(2 * 2 ** 20, 'the test', { [MEMORY_LIMIT_ENV]: '1.5' }), userError(/^the test needs 2\.0 MiB of memory, but only 1\.5 MiB is available/));
    assertFits(2 ** 20, 'the test', { [MEMORY_LIMIT_ENV]: '1.5' });
    for (const bad of ['lots', '0', '-3']) {
      assert.throws(() => availableMemory({ [MEMORY_LIMIT_ENV]: bad }), userError(new RegExp(`^${MEMORY_LIMIT_ENV}=${escape(JSON.stringify(bad))}: expected a positive number of MiB$`)));
    }
  });
  it('without the override, the OS figure: a small load fits, an impossible one is refused', () => {
    const { bytes, source } = availableMemory({});
    assert.ok(bytes > 0, `${bytes}`);
    assert.match(source, /available memory now, of [\d.]+ GiB in total/);
    assertFits(1, 'one byte', {});
    assert.throws(() => assertFits(2 ** 60, 'an exabyte', {}), userError(/^an exabyte needs 1073741824\.0 GiB of memory, but only .* is available \(available memory now/));
  });
});
