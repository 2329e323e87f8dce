/**
 * Splits a dataset file into train / dev / test files beside it, seeded and (with a label column) stratified,
 * in two streamed passes: the first keeps one label per row (the split needs only that), the second writes
 * each record to its split. Existing files are never overwritten; each output is written under a temporary
 * name and renamed once complete.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { once } from 'node:events';
import { UserError } from '../engine/errors';
import { resolveFormat } from './formats';
import { forEachRecord } from './records';
import { splitRows, type SplitRatios, type Splits } from './split';
import { StructureError } from './structure-error';
import type { StreamOptions } from './line-reader';

export type SplitName = keyof Splits;
export const SPLIT_NAMES: readonly SplitName[] = ['train', 'dev', 'test'];
/** The split the extension and `ptune` suggest: 80 / 10 / 10. */
export const DEFAULT_SPLIT_RATIOS: Required<SplitRatios> = { train: 0.8, dev: 0.1, test: 0.1 };

/** Where the splits of `file` go: `reviews.jsonl` → `reviews.train.jsonl`, `reviews.dev.jsonl`, `reviews.test.jsonl` (always JSON Lines). */
export function splitFilePaths(file: string): Record<SplitName, string> {
  const base = path.join(path.dirname(file), path.basename(file).replace(/\.[^.]+$/, ''));
  return { train: `${base}.train.jsonl`, dev: `${base}.dev.jsonl`, test: `${base}.test.jsonl` };
}

export interface SplitFileResult {
  files: Record<SplitName, string>;
  rows: Record<SplitName, number>;
  /** Records skipped because they could not be parsed or are not objects. */
  invalidRows: number;
}

export async function splitDatasetFile(file: string, ratios: SplitRatios, seed: number, options: { stratifyBy?: string } = {},
  stream: StreamOptions = {}): Promise<SplitFileResult> {
  const format = resolveFormat(file);
  const files = splitFilePaths(file);
  const existing = SPLIT_NAMES.map((s) => files[s]).filter((f) => fs.existsSync(f));
  if (existing.length > 0) throw new UserError(`${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; a split never overwrites files: move or delete ${existing.length === 1 ? 'it' : 'them'} first`, file);
  // Pass 1: one key per valid record (its label, or '' unstratified), so memory is one short string a row.
  const keys: { key: string; index: string }[] = [];
  let invalidRows = 0;
  await records(file, format, stream, (value, line) => {
    if (value === undefined) {
      invalidRows++;
      return;
    }
    let key = '';
    if (options.stratifyBy !== undefined) {
      if (!Object.prototype.hasOwnProperty.call(value, options.stratifyBy)) throw new UserError(`${file}:${line}: cannot stratify by "${options.stratifyBy}": the row has no such column`, file);
      const label = value[options.stratifyBy];
      key = typeof label === 'string' ? label : JSON.stringify(label);
    }
    keys.push({ key, index: String(keys.length) });
  });
  if (keys.length === 0) throw new UserError(`${file}: no data rows to split`, file);
  const splits = splitRows(keys.map((k) => ({ key: k.key, index: k.index })), ratios, seed, options.stratifyBy === undefined ? undefined : 'key');
  const target = new Uint8Array(keys.length);
  SPLIT_NAMES.forEach((name, s) => { for (const row of splits[name]) target[Number(row.index)] = s; });
  // Pass 2: each record to its split's file, in file order.
  const temps = SPLIT_NAMES.map((name) => `${files[name]}.${process.pid}.tmp`);
  const outs = temps.map((t) => fs.createWriteStream(t, { flags: 'wx' }));
  const counts = [0, 0, 0];
  try {
    let at = 0;
    const pending: Promise<unknown>[] = [];
    await records(file, format, stream, (value) => {
      if (value === undefined) return;
      const s = target[at++];
      counts[s]++;
      if (!outs[s].write(`${JSON.stringify(value)}\n`)) pending.push(once(outs[s], 'drain'));
    });
    await Promise.all(pending);
    await Promise.all(outs.map((o) => new Promise<void>((resolve, reject) => o.end((e?: Error | null) => (e ? reject(e) : resolve())))));
    for (const [s, name] of SPLIT_NAMES.entries()) {
      if (fs.existsSync(files[name])) throw new UserError(`${files[name]} appeared while splitting; it is not overwritten`, file);
      fs.renameSync(temps[s], files[name]);
    }
  } catch (e) {
    for (const o of outs) o.destroy();
    for (const t of temps) fs.rmSync(t, { force: true });
    throw e;
  }
  return { files, rows: { train: counts[0], dev: counts[1], test: counts[2] }, invalidRows };
}

async function records(file: string, format: ReturnType<typeof resolveFormat>, stream: StreamOptions,
  onRecord: (value: Record<string, unknown> | undefined, line: number) => void): Promise<void> {
  try {
    await forEachRecord(file, format, (record) => {
      const value = 'error' in record ? undefined : record.value;
      onRecord(value !== null && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : undefined, record.line);
    }, stream);
  } catch (e) {
    if (e instanceof StructureError) throw new UserError(`${file}:${e.line}: ${e.message}`, file);
    throw e;
  }
}
