/**
 * A dataset file (JSONL, CSV, TSV) indexed in one streamed pass for the dataset grid: where each readable row
 * starts and ends (byte offsets), its line and its label, plus the file's columns and label counts. A page of
 * rows is read back by their byte ranges only; sorting by a column and searching re-scan the file, streaming.
 * Memory: a few typed-array entries per row, never the file's text. No vscode import.
 */
import { open, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { CsvError } from 'csv-parse';
import { parse as parseCsv } from 'csv-parse/sync';
import { UserError } from '../../engine/errors';
import { checkHeader, describeCsvError } from '../../data/delimited';
import { resolveFormat } from '../../data/formats';
import { lineTooLong, MAX_LINE_BYTES } from '../../data/line-reader';
import { describeJsonError } from '../../data/records';
import { toRow } from '../../data/rows';
import { StructureError } from '../../data/structure-error';
import { labelText, MAX_SUMMARY_LABELS, type DatasetSummary } from '../../data/summary';
import type { Row } from '../../data/types';

export type GridFormat = 'jsonl' | 'csv' | 'tsv';

/** Columns shown at most (a JSONL file's rows may each bring new keys). */
export const MAX_GRID_COLUMNS = 100;
/** Column names taken for the label when no prompt names one (case-insensitive). */
export const LABEL_COLUMN_NAMES = ['label', 'labels', 'class', 'category', 'sentiment', 'gold'] as const;

/** A label id for a row without the label column, and for one whose label is beyond the first MAX_SUMMARY_LABELS. */
export const NO_LABEL = -1;
export const OTHER_LABEL = -2;

const NEWLINE = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

/** The file changed on disk since it was indexed: index it again. */
export class StaleIndexError extends Error {
  constructor(file: string) {
    super(`${path.basename(file)} changed on disk since it was read`);
    this.name = 'StaleIndexError';
  }
}

/** A scan stopped by its AbortSignal. */
export class ScanCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'ScanCancelled';
  }
}

export interface ScanOptions {
  signal?: AbortSignal;
  /** Bytes read so far of the file's size, after each chunk. */
  onProgress?: (bytes: number, size: number) => void;
  /** Bytes read at a time; small values exercise chunk boundaries in tests. Default 1 MiB. */
  chunkSize?: number;
  /** Longest record read, in bytes; default MAX_LINE_BYTES. */
  maxRecordBytes?: number;
}

/** The format of a file the grid can index: JSONL, CSV or TSV (one record per line, or quoted across lines). */
export function gridFormat(file: string): GridFormat {
  const format = resolveFormat(file);
  if (format === 'json') {
    throw new UserError(`${file}: Open Dataset browses JSONL, CSV and TSV files (one record per line); this is a JSON array file`, file);
  }
  return format;
}

/** The label column for a file's columns when no prompt names one: LABEL_COLUMN_NAMES, first match. */
export function guessLabelColumn(columns: readonly string[]): string | undefined {
  for (const name of LABEL_COLUMN_NAMES) {
    const found = columns.find((c) => c.toLowerCase() === name);
    if (found !== undefined) return found;
  }
  return undefined;
}

interface Span {
  /** Absolute byte offset of the record's first byte. */
  offset: number;
  /** Bytes, without the line break. */
  length: number;
  /** 1-based line where the record starts. */
  line: number;
}

function countNewlines(buffer: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = buffer.indexOf(NEWLINE, from); i >= 0 && i < to; i = buffer.indexOf(NEWLINE, i + 1)) n++;
  return n;
}

async function bomLength(file: string): Promise<number> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(3);
    const { bytesRead } = await handle.read(head, 0, 3, 0);
    return bytesRead === 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  } finally {
    await handle.close();
  }
}

/**
 * Splits a file into records by its raw bytes, holding one chunk plus one record: chunks are read into one
 * reused buffer (no garbage per chunk), and only a record that spans chunks is copied. A record ends at "\n"
 * (a "\r" before it is dropped); with `quoted` (CSV/TSV) a "\n" between double quotes does not end it — a quote
 * byte never occurs inside a multi-byte UTF-8 character, so no decoding is needed to find the boundaries.
 * `bytes` is undefined for a record longer than the limit (`problem` says so).
 */
async function forEachSpan(file: string, quoted: boolean, onSpan: (bytes: Buffer | undefined, span: Span, problem?: string) => void,
  options: ScanOptions): Promise<void> {
  const start = await bomLength(file);
  const size = (await stat(file)).size;
  const maxBytes = options.maxRecordBytes ?? MAX_LINE_BYTES;
  const buffer = Buffer.allocUnsafe(options.chunkSize ?? 1 << 20);
  const handle = await open(file, 'r');
  let base = start;
  let recordStart = start;
  let line = 1;
  let inner = 0;
  let parts: Buffer[] = [];
  let partBytes = 0;
  let tooLong = false;
  let lastByte = -1;
  let inQuotes = false;

  /** `piece` ends the record before the buffer is reused, or is copied (it continues in the next chunk). */
  const keep = (piece: Buffer, copy: boolean): void => {
    if (piece.length > 0) lastByte = piece[piece.length - 1];
    if (tooLong) return;
    parts.push(copy ? Buffer.from(piece) : piece);
    partBytes += piece.length;
    if (partBytes > maxBytes) {
      tooLong = true;
      parts = [];
    }
  };
  const emit = (endAbsolute: number): void => {
    let bytes = tooLong ? undefined : parts.length === 1 ? parts[0] : Buffer.concat(parts);
    let length = endAbsolute - recordStart;
    if (length > 0 && lastByte === CR) {
      length--;
      if (bytes) bytes = bytes.subarray(0, bytes.length - 1);
    }
    const span = { offset: recordStart, length, line };
    const problem = tooLong ? lineTooLong(maxBytes) : undefined;
    line += 1 + inner;
    inner = 0;
    parts = [];
    partBytes = 0;
    tooLong = false;
    lastByte = -1;
    recordStart = endAbsolute + 1;
    onSpan(bytes, span, problem);
  };

  try {
    for (;;) {
      if (options.signal?.aborted) throw new ScanCancelled();
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, base);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      let i = 0;
      let pieceStart = 0;
      let nextQuote = -2;
      while (i < chunk.length) {
        let end = -1;
        if (!quoted) end = chunk.indexOf(NEWLINE, i);
        else {
          for (;;) {
            if (inQuotes) {
              const close = chunk.indexOf(QUOTE, i);
              inner += countNewlines(chunk, i, close < 0 ? chunk.length : close);
              if (close < 0) {
                i = chunk.length;
                break;
              }
              inQuotes = false;
              i = close + 1;
              continue;
            }
            if (nextQuote !== -1 && nextQuote < i) nextQuote = chunk.indexOf(QUOTE, i);
            const nl = chunk.indexOf(NEWLINE, i);
            if (nl >= 0 && (nextQuote < 0 || nl < nextQuote)) {
              end = nl;
              break;
            }
            if (nextQuote < 0) {
              i = chunk.length;
              break;
            }
            // `""` inside a quoted field closes and reopens: the state is right either way.
            inQuotes = true;
            i = nextQuote + 1;
          }
        }
        if (end < 0) break;
        keep(chunk.subarray(pieceStart, end), false);
        emit(base + end);
        i = end + 1;
        pieceStart = i;
      }
      if (pieceStart < chunk.length) keep(chunk.subarray(pieceStart), true);
      base += chunk.length;
      options.onProgress?.(base, size);
    }
  } finally {
    await handle.close();
  }
  if (base > recordStart) emit(base);
}

/** One record as the grid reads it: all its columns as text, or why it could not be read. */
type ParsedRecord = { span: Span; row: Row } | { span: Span; error: string };

/** Turns a record's bytes into a row; for CSV/TSV the first record becomes the header. */
class RecordDecoder {
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

  constructor(
    readonly format: GridFormat,
    public header?: string[],
  ) {}

  /** A row, an error, or undefined for a blank line (and for the header). */
  decode(bytes: Buffer | undefined, span: Span, problem?: string): ParsedRecord | undefined {
    const delimited = this.format !== 'jsonl';
    const fail = (error: string): ParsedRecord => {
      if (delimited && this.header === undefined) throw new StructureError(`bad header: ${error}`, span.line);
      return { span, error };
    };
    if (bytes === undefined) return fail(problem ?? 'unreadable record');
    let text: string;
    try {
      text = this.utf8.decode(bytes);
    } catch {
      return fail('the line is not valid UTF-8');
    }
    if (!delimited) {
      if (text.trim() === '') return undefined;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        return fail(describeJsonError(e, true));
      }
      const result = toRow(value, {});
      return 'error' in result ? fail(result.error) : { span, row: result.row };
    }
    if (text === '') return undefined;
    const fields = splitDelimited(text, this.format === 'tsv' ? '\t' : ',', this.header?.length);
    if (!Array.isArray(fields)) return fail(fields.error);
    if (this.header === undefined) {
      this.header = checkHeader(fields, span.line);
      return undefined;
    }
    if (fields.length !== this.header.length) return fail(`expected ${this.header.length} fields (as in the header), found ${fields.length}`);
    const row: Row = {};
    this.header.forEach((name, k) => (row[name] = fields[k]));
    return { span, row };
  }
}

/** One CSV/TSV record's fields: csv-parse (as src/data reads the file) when it has quotes, a plain split otherwise. */
function splitDelimited(text: string, delimiter: ',' | '\t', expected: number | undefined): string[] | { error: string } {
  if (!text.includes('"')) return text.split(delimiter);
  try {
    const records = parseCsv(text, { delimiter, relax_column_count: true, skip_empty_lines: false }) as string[][];
    if (records.length !== 1) return { error: 'unreadable record (a line break outside quotes?)' };
    return records[0];
  } catch (e) {
    return { error: describeCsvError(e as CsvError, expected) };
  }
}

/** Reads every record of the file in order (the CSV/TSV header not included). */
async function forEachParsedRecord(file: string, decoder: RecordDecoder, onRecord: (record: ParsedRecord) => void, options: ScanOptions): Promise<void> {
  try {
    await forEachSpan(file, decoder.format !== 'jsonl', (bytes, span, problem) => {
      const record = decoder.decode(bytes, span, problem);
      if (record) onRecord(record);
    }, options);
  } catch (e) {
    if (e instanceof StructureError) throw new UserError(`${file}:${e.line}: ${e.message}`, file);
    throw e;
  }
  if (decoder.format !== 'jsonl' && decoder.header === undefined) throw new UserError(`${file}:1: the file is empty; expected a header line`, file);
}

/** Per-row numbers in typed arrays that grow by doubling: 24 bytes a row. */
class RowTable {
  count = 0;
  offsets = new Float64Array(1024);
  lengths = new Uint32Array(1024);
  lines = new Uint32Array(1024);
  labels = new Int32Array(1024);

  push(span: Span, label: number): void {
    if (this.count === this.offsets.length) {
      const grow = <T extends Float64Array | Uint32Array | Int32Array>(a: T): T => {
        const bigger = new (a.constructor as new (n: number) => T)(a.length * 2);
        bigger.set(a);
        return bigger;
      };
      this.offsets = grow(this.offsets);
      this.lengths = grow(this.lengths);
      this.lines = grow(this.lines);
      this.labels = grow(this.labels);
    }
    this.offsets[this.count] = span.offset;
    this.lengths[this.count] = span.length;
    this.lines[this.count] = span.line;
    this.labels[this.count] = label;
    this.count++;
  }
}

export interface DatasetIndexOptions {
  /** The label column (its name in the file); default: guessLabelColumn of the columns. */
  labelColumn?: string;
  /** Integer labels i are shown as labelNames[i] (a prompt's label_names). */
  labelNames?: readonly string[];
  signal?: AbortSignal;
  onProgress?: (progress: { bytes: number; size: number; rows: number }) => void;
  chunkSize?: number;
  maxRecordBytes?: number;
}

export class DatasetIndex {
  private constructor(
    readonly file: string,
    readonly format: GridFormat,
    /** Size and modification time when indexed: a page read checks them. */
    readonly size: number,
    readonly mtimeMs: number,
    readonly columns: readonly string[],
    /** More columns than MAX_GRID_COLUMNS were found (the rest are not shown). */
    readonly moreColumns: boolean,
    readonly labelColumn: string | undefined,
    private readonly labelNames: readonly string[] | undefined,
    private readonly header: string[] | undefined,
    private readonly table: RowTable,
    /** Label text by label id, and rows per id. */
    readonly labelValues: readonly string[],
    private readonly labelCounts: readonly number[],
    readonly otherLabels: number,
    readonly missingLabel: number,
    /** Records that could not be read (not shown), and the first of them. */
    readonly invalid: { count: number; first?: { line: number; message: string } },
    private readonly options: Pick<DatasetIndexOptions, 'chunkSize' | 'maxRecordBytes'>,
  ) {}

  /** Indexes `file` in one streamed pass; a structural problem (a bad CSV header) throws a UserError naming file and line. */
  static async build(file: string, options: DatasetIndexOptions = {}): Promise<DatasetIndex> {
    const format = gridFormat(file);
    let info;
    try {
      info = await stat(file);
    } catch {
      throw new UserError(`${file}: dataset file not found`, file);
    }
    if (!info.isFile()) throw new UserError(`${file}: not a regular file (give a .jsonl, .csv or .tsv file)`, file);
    const decoder = new RecordDecoder(format);
    const table = new RowTable();
    const columns = new Set<string>();
    let moreColumns = false;
    let labelColumn = options.labelColumn;
    let labelChosen = options.labelColumn !== undefined;
    const labelIds = new Map<string, number>();
    const labelValues: string[] = [];
    const labelCounts: number[] = [];
    let other = 0;
    let missing = 0;
    const invalid: { count: number; first?: { line: number; message: string } } = { count: 0 };
    await forEachParsedRecord(file, decoder, (record) => {
      if ('error' in record) {
        invalid.count++;
        invalid.first ??= { line: record.span.line, message: record.error };
        return;
      }
      const { row } = record;
      for (const key in row) {
        if (columns.has(key)) continue;
        if (columns.size < MAX_GRID_COLUMNS) columns.add(key);
        else moreColumns = true;
      }
      if (!labelChosen) {
        labelChosen = true;
        labelColumn = guessLabelColumn(decoder.header ?? Object.keys(row));
      }
      let id = NO_LABEL;
      if (labelColumn !== undefined && Object.prototype.hasOwnProperty.call(row, labelColumn)) {
        const label = labelText(row[labelColumn], options.labelNames);
        const known = labelIds.get(label);
        if (known !== undefined) id = known;
        else if (labelValues.length < MAX_SUMMARY_LABELS) {
          id = labelValues.length;
          labelIds.set(label, id);
          labelValues.push(label);
          labelCounts.push(0);
        } else id = OTHER_LABEL;
      }
      if (id >= 0) labelCounts[id]++;
      else if (id === OTHER_LABEL) other++;
      else if (labelColumn !== undefined) missing++;
      table.push(record.span, id);
    }, {
      signal: options.signal,
      chunkSize: options.chunkSize,
      maxRecordBytes: options.maxRecordBytes,
      onProgress: (bytes, size) => options.onProgress?.({ bytes, size, rows: table.count }),
    });
    return new DatasetIndex(file, format, info.size, info.mtimeMs, decoder.header ?? [...columns], moreColumns, labelColumn, options.labelNames,
      decoder.header, table, labelValues, labelCounts, other, missing, invalid, { chunkSize: options.chunkSize, maxRecordBytes: options.maxRecordBytes });
  }

  /** Readable rows. */
  get rows(): number {
    return this.table.count;
  }

  /** The 1-based line where row `id` starts. */
  line(id: number): number {
    return this.table.lines[id];
  }

  /** Row `id`'s label id: an index into labelValues, NO_LABEL or OTHER_LABEL. */
  labelId(id: number): number {
    return this.table.labels[id];
  }

  /** Rows per label, most frequent first (ties: by label). */
  labels(): { label: string; count: number }[] {
    return this.labelValues.map((label, id) => ({ label, count: this.labelCounts[id] }))
      .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
  }

  /** Counts in the shape of a dataset summary (`describeSummary` words it). */
  summary(): DatasetSummary {
    return {
      rows: this.rows,
      invalidRows: this.invalid.count,
      ...(this.labelColumn !== undefined ? { labels: this.labels() } : {}),
      ...(this.otherLabels > 0 ? { otherLabels: this.otherLabels } : {}),
      ...(this.missingLabel > 0 ? { missingLabel: this.missingLabel } : {}),
    };
  }

  /** "2 unreadable rows are not shown; the first, line 7: bad JSON: …", or undefined when every row was read. */
  unreadableNote(): string | undefined {
    const { count, first } = this.invalid;
    if (count === 0 || !first) return undefined;
    const rows = count === 1 ? '1 unreadable row is' : `${count.toLocaleString('en-US')} unreadable rows are`;
    return `${rows} not shown; ${count === 1 ? 'it is' : 'the first is'} on line ${first.line} of ${path.basename(this.file)}: ${first.message}`;
  }

  /** Whether the file on disk is still the one indexed (same size and modification time). */
  async isCurrent(): Promise<boolean> {
    try {
      const info = await stat(this.file);
      return info.size === this.size && info.mtimeMs === this.mtimeMs;
    } catch {
      return false;
    }
  }

  /** Rows `ids` as shown (the label through label_names), in the order given, each read by its byte range. */
  async readRows(ids: readonly number[]): Promise<Row[]> {
    if (!(await this.isCurrent())) throw new StaleIndexError(this.file);
    const handle = await open(this.file, 'r');
    try {
      const decoder = new RecordDecoder(this.format, this.header);
      const byOffset = [...ids].sort((a, b) => this.table.offsets[a] - this.table.offsets[b]);
      const rows = new Map<number, Row>();
      for (const id of byOffset) {
        const length = this.table.lengths[id];
        const bytes = Buffer.alloc(length);
        const { bytesRead } = await handle.read(bytes, 0, length, this.table.offsets[id]);
        const record = bytesRead === length ? decoder.decode(bytes, { offset: this.table.offsets[id], length, line: this.table.lines[id] }) : undefined;
        if (!record || 'error' in record) throw new StaleIndexError(this.file);
        rows.set(id, this.shown(record.row));
      }
      return ids.map((id) => rows.get(id)!);
    } finally {
      await handle.close();
    }
  }

  /**
   * Reads every row again, streaming, in file order (row ids as indexed): what sorting by a column and
   * searching need, without keeping the rows. Throws StaleIndexError when the file no longer matches the index.
   */
  async scan(onRow: (id: number, row: Row) => void, options: Pick<ScanOptions, 'signal' | 'onProgress'> = {}): Promise<void> {
    if (!(await this.isCurrent())) throw new StaleIndexError(this.file);
    let id = 0;
    await forEachParsedRecord(this.file, new RecordDecoder(this.format), (record) => {
      if ('error' in record) return;
      if (id >= this.rows || record.span.offset !== this.table.offsets[id]) throw new StaleIndexError(this.file);
      onRow(id++, this.shown(record.row));
    }, { ...this.options, ...options });
    if (id !== this.rows) throw new StaleIndexError(this.file);
  }

  /** The row as the grid shows it: the label column through label_names. */
  private shown(row: Row): Row {
    if (this.labelColumn === undefined || !this.labelNames || !Object.prototype.hasOwnProperty.call(row, this.labelColumn)) return row;
    return { ...row, [this.labelColumn]: labelText(row[this.labelColumn], this.labelNames) };
  }
}
