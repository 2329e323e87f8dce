import { stat } from 'node:fs/promises';
import { UserError } from '../engine/errors';
import { resolveFormat } from './formats';
import { rowsHash } from './hash';
import type { StreamOptions } from './line-reader';
import { createRng, randomInt } from './random';
import { countRecords, forEachRecord } from './records';
import { toRow } from './rows';
import { StructureError } from './structure-error';
import type { Dataset, DatasetFormat, ReadOptions, Row, SkippedRow } from './types';

async function checkReadable(file: string): Promise<void> {
  let info;
  try {
    info = await stat(file);
  } catch {
    throw new UserError(`${file}: dataset file not found`, file);
  }
  if (info.isDirectory()) throw new UserError(`${file} is a folder, not a dataset file (give a .jsonl, .json, .csv or .tsv file)`, file);
  if (!info.isFile()) throw new UserError(`${file}: not a regular file (give a .jsonl, .json, .csv or .tsv file)`, file);
}

/** Thrown from inside the record stream to stop reading once `head` rows are in. */
class EnoughRows extends Error {}

function checkOptions(file: string, options: ReadOptions): void {
  if (options.head !== undefined && (!Number.isInteger(options.head) || options.head < 1 || options.limit !== undefined)) {
    throw new UserError(`head must be a positive whole number, without limit; got ${options.head}`, file);
  }
  if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 1)) {
    throw new UserError(`limit must be a positive whole number, got ${options.limit}`, file);
  }
  if (options.labelNames !== undefined && options.labelColumn === undefined) {
    throw new UserError('label_names needs a label column to apply to', file);
  }
}

/**
 * Keeps a uniform seeded sample of at most `limit` items from a stream of unknown length (reservoir
 * sampling, Algorithm R), so memory is bounded by `limit` whatever the file size. Without a limit it keeps all.
 */
class RowCollector {
  readonly rows: Row[] = [];
  readonly lines: number[] = [];
  seen = 0;
  private readonly rng;

  constructor(
    private readonly limit: number | undefined,
    seed: number,
  ) {
    this.rng = createRng(seed);
  }

  add(row: Row, line: number): void {
    this.seen++;
    if (this.limit === undefined || this.rows.length < this.limit) {
      this.rows.push(row);
      this.lines.push(line);
      return;
    }
    const j = randomInt(this.rng, this.seen);
    if (j < this.limit) {
      this.rows[j] = row;
      this.lines[j] = line;
    }
  }

  /** The kept rows in file order. */
  inFileOrder(): { rows: Row[]; lines: number[] } {
    const order = this.lines.map((_, i) => i).sort((a, b) => this.lines[a] - this.lines[b]);
    return { rows: order.map((i) => this.rows[i]), lines: order.map((i) => this.lines[i]) };
  }
}

/**
 * Reads a JSONL, JSON-array, CSV or TSV dataset into rows, streaming the file. Every problem names the file
 * and line (`data.jsonl:812: bad JSON: …`); by default the first one stops the read with a UserError, with
 * `skipInvalid` bad rows are skipped and listed in `skipped`. With `limit`, a seeded sample of the valid rows
 * is kept (file order), holding at most `limit` rows in memory.
 */
export async function readDataset(file: string, options: ReadOptions = {}, stream: StreamOptions = {}): Promise<Dataset> {
  await checkReadable(file);
  const format = resolveFormat(file, options.format);
  checkOptions(file, options);
  const collector = new RowCollector(options.limit, options.seed ?? 0);
  const skipped: SkippedRow[] = [];
  let partial = false;
  const reject = (line: number, message: string): void => {
    if (!options.skipInvalid) throw new UserError(`${file}:${line}: ${message}`, file);
    skipped.push({ line, message });
  };
  try {
    await forEachRecord(
      file,
      format,
      (record) => {
        if ('error' in record) reject(record.line, record.error);
        else {
          const result = toRow(record.value, options);
          if ('error' in result) reject(record.line, result.error);
          else collector.add(result.row, record.line);
        }
        if (options.head !== undefined && collector.seen + skipped.length >= options.head) throw new EnoughRows();
      },
      stream,
    );
  } catch (e) {
    if (e instanceof EnoughRows) partial = true;
    else if (e instanceof StructureError) throw new UserError(`${file}:${e.line}: ${e.message}`, file);
    else throw e;
  }
  if (collector.seen === 0) {
    const why = skipped.length > 0 ? `all ${skipped.length} rows are invalid (first: line ${skipped[0].line}: ${skipped[0].message})` : 'no data rows';
    throw new UserError(`${file}: ${why}`, file);
  }
  const { rows, lines } = collector.inFileOrder();
  const columns = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) columns.add(key);
  return {
    file,
    format,
    rows,
    lines,
    hash: rowsHash(rows),
    skipped,
    validRows: collector.seen,
    columns: [...columns].sort(),
    ...(partial ? { partial } : {}),
  };
}

/** Counts the records of a dataset file without loading it (see `countRecords` for what counts as one). */
export async function countRows(file: string, options: { format?: DatasetFormat } = {}, stream: StreamOptions = {}): Promise<number> {
  await checkReadable(file);
  const format = resolveFormat(file, options.format);
  try {
    return await countRecords(file, format, stream);
  } catch (e) {
    if (e instanceof StructureError) throw new UserError(`${file}:${e.line}: ${e.message}`, file);
    throw e;
  }
}

/** A seeded uniform sample of `n` valid rows (file order), read in bounded memory: `readDataset` with `limit: n`. */
export function sampleRows(
  file: string,
  n: number,
  seed: number,
  options: Omit<ReadOptions, 'limit' | 'seed'> = {},
  stream: StreamOptions = {},
): Promise<Dataset> {
  return readDataset(file, { ...options, limit: n, seed }, stream);
}

/** One line for a report: "skipped 3 invalid rows (lines 4, 9, 12)". Empty when nothing was skipped. */
export function describeSkipped(skipped: readonly SkippedRow[], maxLines = 20): string {
  if (skipped.length === 0) return '';
  const shown = skipped.slice(0, maxLines).map((s) => s.line);
  const more = skipped.length > maxLines ? `, … ${skipped.length - maxLines} more` : '';
  return `skipped ${skipped.length} invalid row${skipped.length === 1 ? '' : 's'} (line${skipped.length === 1 ? '' : 's'} ${shown.join(', ')}${more})`;
}
