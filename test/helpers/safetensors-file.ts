/**
 * Writes safetensors files of any dtype from raw bytes, following the reference writer
 * (huggingface/safetensors `tensor.rs`: u64 LE header length, JSON header padded with spaces to a multiple of 8,
 * tensors back to back). Independent of src/engine/models/safetensors.ts, so the reader's tests check it
 * against the format rather than against itself.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

const WIDTH: Record<string, number> = { BOOL: 1, U8: 1, I8: 1, F8_E4M3: 1, F8_E5M2: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8 };

export interface TensorLayout {
  dtype: string;
  shape: number[];
}

export interface RawTensor extends TensorLayout {
  bytes: Uint8Array;
}

export function byteLength(t: TensorLayout): number {
  return t.shape.reduce((a, b) => a * b, 1) * WIDTH[t.dtype];
}

/** The 8-byte length and the padded JSON header for tensors laid out in the given order; offsets are absolute. */
export function safetensorsPrefix(entries: [string, TensorLayout][], metadata?: Record<string, string>): { prefix: Buffer; offsets: Map<string, number>; fileBytes: number } {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  const relative = new Map<string, number>();
  for (const [name, t] of entries) {
    const n = byteLength(t);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + n] };
    relative.set(name, offset);
    offset += n;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const jsonBytes = Buffer.from(json, 'utf8');
  const prefix = Buffer.alloc(8 + jsonBytes.length);
  prefix.writeBigUInt64LE(BigInt(jsonBytes.length), 0);
  jsonBytes.copy(prefix, 8);
  const offsets = new Map([...relative].map(([name, o]) => [name, prefix.length + o]));
  return { prefix, offsets, fileBytes: prefix.length + offset };
}

/** A whole file in memory, tensors in name order (as the reference writer orders same-dtype tensors). */
export function safetensorsBytes(tensors: Record<string, RawTensor>, metadata?: Record<string, string>): Buffer {
  const names = Object.keys(tensors).sort();
  for (const name of names) {
    if (byteLength(tensors[name]) !== tensors[name].bytes.length) throw new Error(`${name}: ${tensors[name].bytes.length} bytes do not match its shape`);
  }
  const { prefix } = safetensorsPrefix(names.map((n) => [n, tensors[n]]), metadata);
  return Buffer.concat([prefix, ...names.map((n) => tensors[n].bytes)]);
}

/** Streams a file: `fill(name, length)` returns the tensor's bytes piece by piece, so no whole file is held. */
export function writeSafetensorsStreamed(file: string, entries: [string, TensorLayout][], fill: (name: string, layout: TensorLayout) => Iterable<Uint8Array>): number {
  const { prefix, fileBytes } = safetensorsPrefix(entries);
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, prefix);
    for (const [name, t] of entries) {
      let written = 0;
      for (const piece of fill(name, t)) {
        writeSync(fd, piece);
        written += piece.length;
      }
      if (written !== byteLength(t)) throw new Error(`${name}: wrote ${written} bytes, expected ${byteLength(t)}`);
    }
  } finally {
    closeSync(fd);
  }
  return fileBytes;
}

/** Little-endian bytes of typed-array values. */
export function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
}
