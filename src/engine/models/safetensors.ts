/**
 * Reading and writing the safetensors format (huggingface/safetensors, `safetensors/src/tensor.rs`): an 8-byte
 * little-endian header length N, N bytes of UTF-8 JSON {name: {dtype, shape, data_offsets}, "__metadata__"?:
 * {string: string}}, then the raw little-endian tensor bytes; data_offsets are [begin, end) relative to the
 * first byte after the header.
 *
 * Reading never holds a whole file: the header is read with positioned reads, and each tensor's bytes are read
 * only when asked, in chunks, straight into (or converted into) its float32 array. So files larger than 2 GiB
 * load, and peak memory stays near one float32 copy of the tensors actually used. F16/BF16/F64 are upcast to
 * float32 (the engine computes in float32); a NaN or infinite value is refused, naming the file and the tensor.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { writeFileAtomic } from '../../common/atomic-write';
import { UserError } from '../errors';

/** Bytes per element of every byte-sized safetensors dtype (tensor.rs `Dtype::size`). */
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
};
/** The dtypes this reader turns into float32. */
export const FLOAT_DTYPES: ReadonlySet<string> = new Set(['F32', 'F16', 'BF16', 'F64']);
/** The reference implementation refuses larger headers (MAX_HEADER_SIZE); so do we, before allocating one. */
export const MAX_HEADER_BYTES = 100_000_000;
/** Source bytes read per positioned read; a multiple of 8 so every dtype's elements stay whole. */
const DEFAULT_CHUNK_BYTES = 16 * 1024 * 1024;

/** Where one tensor lives in one file; reading it is `readTensorF32`. */
export interface StoredTensor {
  /** The name as written in the file. */
  name: string;
  dtype: string;
  shape: number[];
  file: string;
  /** Absolute byte position of the tensor's first byte in the file. */
  offset: number;
  byteLength: number;
}

export interface SafetensorsHeader {
  file: string;
  tensors: Map<string, StoredTensor>;
  metadata: Record<string, string>;
  fileBytes: number;
}

/** A float32 tensor read from a file. */
export interface LoadedTensor {
  shape: number[];
  /** The dtype as stored in the file; `data` is always float32. */
  storedDtype: string;
  data: Float32Array;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Bytes the tensor occupies once upcast to float32. */
export function float32Bytes(t: Pick<StoredTensor, 'shape'>): number {
  return 4 * elementCount(t.shape);
}

function cannotRead(file: string, e: unknown): UserError {
  return new UserError(`${file}: cannot read weights (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, file);
}

function openForReading(file: string): number {
  try {
    return openSync(file, 'r');
  } catch (e) {
    throw cannotRead(file, e);
  }
}

/** Fills `buf[at, at + length)` from file position `position`; a file that ends early is an error. */
function readFully(fd: number, file: string, buf: Uint8Array, at: number, length: number, position: number): void {
  let done = 0;
  while (done < length) {
    let n: number;
    try {
      n = readSync(fd, buf, at + done, length - done, position + done);
    } catch (e) {
      throw cannotRead(file, e);
    }
    if (n === 0) throw new UserError(`${file}: the file ends at byte ${position + done}, before the ${length} bytes expected at byte ${position} (truncated or changed while reading)`, file);
    done += n;
  }
}

/** Reads and checks the header only: the length prefix, then the JSON, with positioned reads. */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  const fd = openForReading(file);
  try {
    let fileBytes: number;
    try {
      fileBytes = fstatSync(fd).size;
    } catch (e) {
      throw cannotRead(file, e);
    }
    const corrupt = (why: string) => new UserError(`${file}: corrupt safetensors header (${why})`, file);
    if (fileBytes < 8) throw new UserError(`${file}: not a safetensors file (only ${fileBytes} bytes)`, file);
    const prefix = Buffer.alloc(8);
    readFully(fd, file, prefix, 0, 8, 0);
    const headerLen = prefix.readBigUInt64LE(0);
    if (headerLen > BigInt(MAX_HEADER_BYTES)) throw corrupt(`header length ${headerLen} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
    if (headerLen < 2n || 8n + headerLen > BigInt(fileBytes)) throw corrupt(`header length ${headerLen} does not fit a ${fileBytes}-byte file`);
    const json = Buffer.alloc(Number(headerLen));
    readFully(fd, file, json, 0, json.length, 8);
    return parseHeader(json, file, 8 + json.length, fileBytes);
  } finally {
    closeSync(fd);
  }
}

function parseHeader(json: Buffer, file: string, dataStart: number, fileBytes: number): SafetensorsHeader {
  const corrupt = (why: string) => new UserError(`${file}: corrupt safetensors header (${why})`, file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (e) {
    throw corrupt(`not valid JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw corrupt('expected a JSON object');
  const dataBytes = fileBytes - dataStart;
  const tensors = new Map<string, StoredTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string')) {
        throw corrupt('"__metadata__" must map strings to strings');
      }
      metadata = value as Record<string, string>;
      continue;
    }
    const bad = (why: string) => new UserError(`${file}: corrupt safetensors header: tensor "${name}" ${why}`, file);
    const entry = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!entry || typeof entry.dtype !== 'string' || !Array.isArray(entry.shape) || !Array.isArray(entry.data_offsets) || entry.data_offsets.length !== 2) {
      throw bad('lacks dtype, shape or data_offsets');
    }
    const width = DTYPE_BYTES[entry.dtype];
    if (width === undefined) throw bad(`has unsupported dtype ${entry.dtype}`);
    const shape = entry.shape as unknown[];
    if (!shape.every((d): d is number => Number.isSafeInteger(d) && (d as number) >= 0)) throw bad(`has an invalid shape ${JSON.stringify(shape)}`);
    const [begin, end] = entry.data_offsets as unknown[];
    const byteLength = elementCount(shape) * width;
    if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || (begin as number) < 0 || (end as number) > dataBytes || !Number.isSafeInteger(byteLength) || (end as number) - (begin as number) !== byteLength) {
      throw bad(`has data_offsets ${JSON.stringify(entry.data_offsets)} that do not match its shape [${shape}] × ${width} bytes within the ${dataBytes} data bytes of the file`);
    }
    tensors.set(name, { name, dtype: entry.dtype, shape, file, offset: dataStart + (begin as number), byteLength });
  }
  // The reference writer lays tensors out back to back; overlapping ranges mean a damaged header.
  const byOffset = [...tensors.values()].filter((t) => t.byteLength > 0).sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < byOffset.length; i++) {
    const [prev, cur] = [byOffset[i - 1], byOffset[i]];
    if (cur.offset < prev.offset + prev.byteLength) throw corrupt(`tensors "${prev.name}" and "${cur.name}" overlap`);
  }
  return { file, tensors, metadata, fileBytes };
}

/** float32 values of all 65536 half-precision bit patterns (exact: every F16 value is a float32 value). */
let halfTable: Float32Array | undefined;
function halfToFloatTable(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfToFloat(h);
  }
  return halfTable;
}

export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Typed-array views below reinterpret file bytes in the host's byte order; safetensors is little-endian. */
function assertLittleEndianHost(): void {
  if (endianness() !== 'LE') throw new Error('reading safetensors needs a little-endian host');
}

/**
 * Reads one tensor and returns it as float32, reading at most `chunkBytes` of the file at a time (besides the
 * result, only one chunk is held). Non-float dtypes, and NaN or infinite values, are errors naming file and tensor.
 * With `into` (at least as long as the tensor) the values go into its start and that view is returned, so a
 * caller converting tensor after tensor (quantizing) allocates nothing per tensor.
 */
export function readTensorF32(t: StoredTensor, opts: { chunkBytes?: number; into?: Float32Array } = {}): Float32Array {
  if (!FLOAT_DTYPES.has(t.dtype)) {
    const expected = t.dtype.startsWith('F') ? 'this loader reads F32, F16, BF16 or F64 (quantized weights are not supported)' : 'a floating-point tensor is expected (F32, F16, BF16 or F64)';
    throw new UserError(`${t.file}: tensor "${t.name}" has dtype ${t.dtype}, ${expected}`, t.file);
  }
  assertLittleEndianHost();
  const chunkBytes = Math.max(8, Math.floor((opts.chunkBytes ?? DEFAULT_CHUNK_BYTES) / 8) * 8);
  const width = DTYPE_BYTES[t.dtype];
  const n = elementCount(t.shape);
  let out: Float32Array;
  try {
    out = opts.into && opts.into.length >= n ? opts.into.subarray(0, n) : new Float32Array(n);
  } catch (e) {
    throw new UserError(`${t.file}: tensor "${t.name}" (${n} values, ${(4 * n / 2 ** 30).toFixed(1)} GiB as float32) cannot be allocated: ${(e as Error).message}`, t.file);
  }
  const outBits = new Uint32Array(out.buffer, out.byteOffset, n);
  const nonFinite = (i: number, value: number, why?: string) =>
    new UserError(`${t.file}: tensor "${t.name}" holds ${why ?? (Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity')} at index ${i} (flat) of shape [${t.shape}]; weights must be finite`, t.file);
  const fd = openForReading(t.file);
  try {
    if (t.dtype === 'F32') {
      // Straight into the result's bytes, no scratch buffer; one view per chunk, as a byte view of the whole
      // result could exceed the longest typed array (2^32 elements).
      for (let done = 0; done < t.byteLength; done += chunkBytes) {
        const len = Math.min(chunkBytes, t.byteLength - done);
        readFully(fd, t.file, new Uint8Array(out.buffer, out.byteOffset + done, len), 0, len, t.offset + done);
        for (let i = done / 4, end = (done + len) / 4; i < end; i++) {
          if ((outBits[i] & 0x7f800000) === 0x7f800000) throw nonFinite(i, out[i]);
        }
      }
      return out;
    }
    // Scratch at byte offset 0 of its own ArrayBuffer, so 2- and 8-byte views of it are aligned.
    const scratch = new Uint8Array(Math.min(chunkBytes, Math.max(t.byteLength, 8)));
    const s16 = new Uint16Array(scratch.buffer, 0, scratch.length >> 1);
    const s64 = new Float64Array(scratch.buffer, 0, scratch.length >> 3);
    const table = t.dtype === 'F16' ? halfToFloatTable() : undefined;
    for (let done = 0; done < t.byteLength; done += chunkBytes) {
      const len = Math.min(chunkBytes, t.byteLength - done);
      readFully(fd, t.file, scratch, 0, len, t.offset + done);
      const first = done / width;
      const count = len / width;
      if (t.dtype === 'BF16') {
        for (let k = 0; k < count; k++) {
          const h = s16[k];
          outBits[first + k] = h << 16;
          if ((h & 0x7f80) === 0x7f80) throw nonFinite(first + k, out[first + k]);
        }
      } else if (table) {
        for (let k = 0; k < count; k++) {
          const h = s16[k];
          if ((h & 0x7c00) === 0x7c00) throw nonFinite(first + k, table[h]);
          out[first + k] = table[h];
        }
      } else {
        for (let k = 0; k < count; k++) {
          const v = s64[k];
          out[first + k] = v;
          if (!Number.isFinite(out[first + k])) throw nonFinite(first + k, v, Number.isFinite(v) ? `${v}, beyond the float32 range,` : undefined);
        }
      }
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/** Reads the floating-point tensors of a small safetensors file (wanted: only these names, when given). */
export function readSafetensors(file: string, wanted?: Set<string>): Map<string, LoadedTensor> {
  const { tensors } = readSafetensorsHeader(file);
  const out = new Map<string, LoadedTensor>();
  for (const [name, t] of tensors) {
    if (wanted && !wanted.has(name)) continue;
    if (!FLOAT_DTYPES.has(t.dtype)) continue;
    out.set(name, { shape: t.shape, storedDtype: t.dtype, data: readTensorF32(t) });
  }
  return out;
}

export interface TensorToWrite {
  shape: number[];
  data: Float32Array;
}

/** Serialises F32 tensors in name order; the header is padded with spaces to an 8-byte boundary, as the reference library does. */
export function encodeSafetensors(tensors: Record<string, TensorToWrite>, metadata?: Record<string, string>): Buffer {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    const count = elementCount(t.shape);
    if (count !== t.data.length) throw new Error(`tensor ${name}: shape [${t.shape}] does not match ${t.data.length} values`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * count] };
    offset += 4 * count;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let pos = 8 + headerBytes.length;
  for (const name of names) {
    const d = tensors[name].data;
    Buffer.from(d.buffer, d.byteOffset, d.byteLength).copy(out, pos);
    pos += d.byteLength;
  }
  return out;
}

/** Writes atomically: a temp file beside the target, then rename, so a crash never leaves half a file. */
export function writeSafetensors(file: string, tensors: Record<string, TensorToWrite>, metadata?: Record<string, string>): void {
  writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}
