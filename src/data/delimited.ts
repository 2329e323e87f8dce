import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse, type CsvError } from 'csv-parse';
import type { StreamOptions } from './line-reader';
import { StructureError } from './structure-error';

/** One CSV/TSV data record keyed by the header, or why it could not be read; `line` is where it starts. */
export type DelimitedRecord = { line: number; value: Record<string, string> } | { line: number; error: string };


function countLineBreaks(text: string, from = 0, to = text.length): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13) {
      n++;
      if (text.charCodeAt(i + 1) === 10) i++;
    }
  }
  return n;
}

/** Line breaks before the first character that is not a line break (the blank lines csv-parse skipped). */
function leadingLineBreaks(raw: string): number {
  let end = 0;
  while (end < raw.length && (raw[end] === '\n' || raw[end] === '\r')) end++;
  return countLineBreaks(raw, 0, end);
}

export function describeCsvError(err: CsvError, expectedFields: number | undefined): string {
  switch (err.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH': {
      const found = Array.isArray((err as { record?: unknown }).record) ? (err as unknown as { record: unknown[] }).record.length : undefined;
      return `expected ${expectedFields ?? '?'} fields (as in the header), found ${found ?? 'a different number'}`;
    }
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is never closed (missing ")';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a closing quote must be followed by the delimiter or the end of the line (write "" for a quote inside a quoted field)';
    default:
      return err.message;
  }
}

/**
 * Streams a CSV (RFC 4180) or TSV file: the first record is the header; every later record becomes an object
 * keyed by it. Quoted fields may hold delimiters, `""` quotes and line breaks; a UTF-8 BOM is skipped; blank
 * lines are ignored. Line numbers are counted here from the raw text, since a record may span lines.
 */
export async function forEachDelimitedRecord(
  file: string,
  delimiter: ',' | '\t',
  onRecord: (record: DelimitedRecord) => void,
  options: StreamOptions = {},
): Promise<void> {
  let header: string[] | undefined;
  let linesConsumed = 0;
  let failure: unknown;

  const startLine = (raw: string | undefined): number => {
    const line = linesConsumed + 1 + (raw ? leadingLineBreaks(raw) : 0);
    if (raw) linesConsumed += countLineBreaks(raw);
    return line;
  };

  const guard = (fn: () => void): void => {
    if (failure !== undefined) return;
    try {
      fn();
    } catch (e) {
      failure = e;
      parser.destroy(e as Error);
    }
  };

  const parser = parse({
    delimiter,
    bom: true,
    raw: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    relax_column_count: false,
    // With `raw: true` csv-parse hands over `{ record, raw }`.
    on_record: (withRaw: unknown) => {
      const { record, raw } = withRaw as { record: string[]; raw: string };
      const line = startLine(raw);
      guard(() => {
        if (header === undefined) {
          header = checkHeader(record, line);
          return;
        }
        const value: Record<string, string> = {};
        header.forEach((name, i) => (value[name] = record[i]));
        onRecord({ line, value });
      });
      return null;
    },
    on_skip: (err: CsvError | undefined, raw: string | undefined) => {
      const line = startLine(raw ?? (err as { raw?: string } | undefined)?.raw);
      guard(() => {
        const message = err ? describeCsvError(err, header?.length) : 'unreadable record';
        if (header === undefined) throw new StructureError(`bad header: ${message}`, line);
        onRecord({ line, error: message });
      });
      return undefined;
    },
  });

  const discard = new Writable({ objectMode: true, write: (_chunk, _enc, done) => done() });
  try {
    await pipeline(createReadStream(file, { highWaterMark: options.chunkSize ?? 1 << 20 }), parser, discard);
  } catch (e) {
    throw failure ?? e;
  }
  if (failure !== undefined) throw failure;
  if (header === undefined) throw new StructureError('the file is empty; expected a header line', 1);
}

export function checkHeader(names: string[], line: number): string[] {
  const seen = new Set<string>();
  names.forEach((raw, i) => {
    const name = raw.trim();
    if (name === '') throw new StructureError(`header column ${i + 1} has no name`, line);
    if (seen.has(name)) throw new StructureError(`duplicate column "${name}" in the header`, line);
    seen.add(name);
  });
  return names.map((n) => n.trim());
}
