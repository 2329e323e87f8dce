/**
 * Reading and writing the safetensors format: an 8-byte little-endian header length, a JSON header
 * {name: {dtype, shape, data_offsets}}, then the raw little-endian tensor bytes.
 * F32 tensors whose offset is 4-byte aligned are returned as views of the file buffer (no copy);
 * F16/BF16/F64 are converted to F32, since the engine computes in float32.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../common/atomic-write';
import { UserError } from '../errors';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64' | 'I32';

export interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export interface LoadedTensor {
  shape: number[];
  /** The dtype as stored in the file; `data` is always float32. */
  storedDtype: string;
  data: Float32Array;
}

const BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, U8: 1, I8: 1, BOOL: 1 };
const FLOAT_DTYPES = new Set(['F32', 'F16', 'BF16', 'F64']);

/** Parses and checks the header of a safetensors buffer; every problem names the file. */
export function readHeader(buf: Buffer, file: string): { entries: Map<string, HeaderEntry>; metadata: Record<string, string>; dataStart: number } {
  if (buf.length < 8) throw new UserError(`${file}: not a safetensors file (only ${buf.length} bytes)`, file);
  const headerLen = Number(buf.readBigUInt64LE(0));
  if (headerLen <= 1 || 8 + headerLen > buf.length) {
    throw new UserError(`${file}: corrupt safetensors header (header length ${headerLen} does not fit a ${buf.length}-byte file)`, file);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(buf.subarray(8, 8 + headerLen).toString('utf8'));
  } catch (e) {
    throw new UserError(`${file}: corrupt safetensors header (not valid JSON: ${(e as Error).message})`, file);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UserError(`${file}: corrupt safetensors header (expected a JSON object)`, file);
  }
  const dataStart = 8 + headerLen;
  const dataLen = buf.length - dataStart;
  const entries = new Map<string, HeaderEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = (value ?? {}) as Record<string, string>;
      continue;
    }
    const entry = value as HeaderEntry;
    const bad = (why: string) => new UserError(`${file}: corrupt safetensors header: tensor "${name}" ${why}`, file);
    if (!entry || typeof entry.dtype !== 'string' || !Array.isArray(entry.shape) || !Array.isArray(entry.data_offsets)) {
      throw bad('lacks dtype, shape or data_offsets');
    }
    const width = BYTES[entry.dtype];
    if (width === undefined) throw bad(`has unsupported dtype ${entry.dtype}`);
    const [begin, end] = entry.data_offsets;
    const count = entry.shape.reduce((a, b) => a * b, 1);
    if (!(Number.isInteger(begin) && Number.isInteger(end) && begin >= 0 && end <= dataLen && end - begin === count * width)) {
      throw bad(`has data_offsets [${begin}, ${end}] that do not match its shape [${entry.shape}] × ${width} bytes within ${dataLen} data bytes`);
    }
    entries.set(name, entry);
  }
  return { entries, metadata, dataStart };
}

function toFloat32(buf: Buffer, start: number, entry: HeaderEntry): Float32Array {
  const n = entry.shape.reduce((a, b) => a * b, 1);
  const offset = buf.byteOffset + start;
  switch (entry.dtype) {
    case 'F32':
      if (offset % 4 === 0) return new Float32Array(buf.buffer, offset, n);
      return new Float32Array(buf.buffer.slice(offset, offset + 4 * n));
    case 'F64': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = buf.readDoubleLE(start + 8 * i);
      return out;
    }
    case 'BF16': {
      const bits = new Uint32Array(n);
      for (let i = 0; i < n; i++) bits[i] = buf.readUInt16LE(start + 2 * i) << 16;
      return new Float32Array(bits.buffer);
    }
    case 'F16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(buf.readUInt16LE(start + 2 * i));
      return out;
    }
    default:
      throw new Error(`unreachable dtype ${entry.dtype}`);
  }
}

export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Loads the floating-point tensors of a safetensors file (wanted: only these names, when given). */
export function readSafetensors(file: string, wanted?: Set<string>): Map<string, LoadedTensor> {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new UserError(`${file}: cannot read weights (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, file);
  }
  const { entries, dataStart } = readHeader(buf, file);
  const out = new Map<string, LoadedTensor>();
  for (const [name, entry] of entries) {
    if (wanted && !wanted.has(name)) continue;
    if (!FLOAT_DTYPES.has(entry.dtype)) continue;
    out.set(name, { shape: entry.shape, storedDtype: entry.dtype, data: toFloat32(buf, dataStart + entry.data_offsets[0], entry) });
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
    const count = t.shape.reduce((a, b) => a * b, 1);
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
