/**
 * The benchmark's result cache: JSON files keyed by the sha256 of everything that can change a result (model
 * files, engine version, prompt, dataset rows, the exact token ids scored, soft prompt, tuning options and
 * seed). A rerun with the same inputs reads every result back and makes no model calls.
 *
 * Layout: <dir>/<kind>/<sha256 of the canonical key>.json holding { format, kind, key, value }. Entries are
 * written atomically; an unreadable or mismatching entry counts as a miss and is overwritten.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../common/atomic-write';

export const CACHE_FORMAT = 1;
export const DEFAULT_CACHE_FOLDER = '.ptune-cache';

export interface ResultCacheOptions {
  /** Where entries live; default <outDir>/.ptune-cache (the caller resolves it). */
  dir: string;
  /** false (`--no-cache`): never read entries, recompute everything; fresh results still replace the entries. */
  read?: boolean;
}

export class ResultCache {
  readonly dir: string;
  private readonly read: boolean;
  hits = 0;
  misses = 0;

  constructor(options: ResultCacheOptions) {
    this.dir = options.dir;
    this.read = options.read ?? true;
  }

  /** The cached value for `key`, or undefined (also when reading is off); counted in hits/misses. */
  get<T>(kind: string, key: unknown): T | undefined {
    const value = this.lookup<T>(kind, key);
    if (value === undefined) this.misses++;
    else this.hits++;
    return value;
  }

  /** As get, but not counted: for bookkeeping entries (file hashes) that are not results. */
  lookup<T>(kind: string, key: unknown): T | undefined {
    if (!this.read) return undefined;
    const canonical = canonicalJson(key);
    let entry: { format?: unknown; kind?: unknown; key?: unknown; value?: unknown };
    try {
      entry = JSON.parse(fs.readFileSync(this.fileFor(kind, canonical), 'utf8'));
    } catch {
      return undefined;
    }
    // The stored key is compared in full, so a truncated, foreign or colliding file is never taken for a hit.
    if (entry.format !== CACHE_FORMAT || entry.kind !== kind || canonicalJson(entry.key) !== canonical || entry.value === undefined) {
      return undefined;
    }
    return entry.value as T;
  }

  set(kind: string, key: unknown, value: unknown): void {
    const canonical = canonicalJson(key);
    writeFileAtomic(this.fileFor(kind, canonical), JSON.stringify({ format: CACHE_FORMAT, kind, key: JSON.parse(canonical), value }) + '\n');
  }

  /** Cached value, or computes, stores and returns it. */
  async getOrCompute<T>(kind: string, key: unknown, compute: () => Promise<T>): Promise<{ value: T; cached: boolean }> {
    const hit = this.get<T>(kind, key);
    if (hit !== undefined) return { value: hit, cached: true };
    const value = await compute();
    this.set(kind, key, value);
    return { value, cached: false };
  }

  private fileFor(kind: string, canonicalKey: string): string {
    if (!/^[a-z0-9-]+$/.test(kind)) throw new Error(`cache kind ${JSON.stringify(kind)} must be lower-case letters, digits and dashes`);
    return path.join(this.dir, kind, `${sha256(canonicalKey)}.json`);
  }
}

/** JSON with object keys sorted at every level, so equal keys always serialise identically. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256 of canonical JSON: a short stable fingerprint of any key part. */
export function fingerprint(value: unknown): string {
  return sha256(canonicalJson(value));
}

/** A Float32Array as base64 of its little-endian bytes (cache values are JSON). */
export function float32ToBase64(data: Float32Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}

export function base64ToFloat32(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

/**
 * sha256 over a model folder: every file below it (sorted relative paths, sizes and content hashes). The
 * per-file content hashes are memoised in `cache` by (path, size, mtime), so a rerun does not reread weights.
 */
export function hashModelFolder(dir: string, cache?: ResultCache): string {
  const root = path.resolve(dir);
  const files = listFiles(root);
  const outer = createHash('sha256');
  for (const rel of files) {
    const file = path.join(root, rel);
    const stat = fs.statSync(file);
    const statKey = { file, size: stat.size, mtimeMs: stat.mtimeMs };
    let contentHash = cache?.lookup<string>('file-hash', statKey);
    if (contentHash === undefined) {
      contentHash = hashFile(file);
      cache?.set('file-hash', statKey, contentHash);
    }
    outer.update(`${rel}\0${stat.size}\0${contentHash}\n`);
  }
  return outer.digest('hex');
}

function listFiles(root: string, rel = ''): string[] {
  const out: string[] = [];
  const entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(root, child));
    else if (entry.isFile()) out.push(child);
  }
  return out;
}

function hashFile(file: string): string {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    let read: number;
    while ((read = fs.readSync(fd, buffer, 0, buffer.length, null)) > 0) hash.update(buffer.subarray(0, read));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}
