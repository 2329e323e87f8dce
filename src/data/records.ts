import { forEachDelimitedRecord } from './delimited';
import { forEachJsonArrayElement } from './json-array';
import { countNonBlankLines, forEachLine, type StreamOptions } from './line-reader';
import type { DatasetFormat } from './types';

/** One record of a dataset file as parsed, before column checks: a value, or why it could not be parsed. */
export type RawRecord = { line: number; value: unknown } | { line: number; error: string };

/** "bad JSON: …" without V8's echo of the whole input; positions become columns where the text is one line. */
export function describeJsonError(e: unknown, positionIsColumn: boolean): string {
  let message = e instanceof Error ? e.message : String(e);
  message = message.replace(/, ".*" is not valid JSON$/s, '');
  if (positionIsColumn) message = message.replace(/at position (\d+)/, (_m, p: string) => `at column ${Number(p) + 1}`);
  return `bad JSON: ${message}`;
}

function parseJson(text: string, line: number, positionIsColumn: boolean): RawRecord {
  try {
    return { line, value: JSON.parse(text) };
  } catch (e) {
    return { line, error: describeJsonError(e, positionIsColumn) };
  }
}

/**
 * Streams every record of a dataset file in order. Record-level problems arrive as `{error}` records (the
 * caller decides whether to stop or skip); structural problems throw `StructureError`.
 */
export async function forEachRecord(
  file: string,
  format: DatasetFormat,
  onRecord: (record: RawRecord) => void,
  options: StreamOptions = {},
): Promise<void> {
  switch (format) {
    case 'jsonl':
      return forEachLine(
        file,
        (text, line, problem) => {
          if (text === undefined) onRecord({ line, error: problem ?? 'the line is not valid UTF-8' });
          else if (text.trim() !== '') onRecord(parseJson(text, line, true));
        },
        options,
      );
    case 'json':
      return forEachJsonArrayElement(file, (text, line) => onRecord(parseJson(text, line, false)), options);
    case 'csv':
    case 'tsv':
      return forEachDelimitedRecord(file, format === 'csv' ? ',' : '\t', onRecord, options);
  }
}

/**
 * Counts records without validating them: non-blank lines of JSONL (raw bytes, nothing decoded), elements of a
 * JSON array, data records of CSV/TSV (quoted line breaks respected). Memory stays bounded for any file size.
 */
export async function countRecords(file: string, format: DatasetFormat, options: StreamOptions = {}): Promise<number> {
  if (format === 'jsonl') return countNonBlankLines(file, options);
  let n = 0;
  if (format === 'json') await forEachJsonArrayElement(file, () => n++, options);
  else await forEachDelimitedRecord(file, format === 'csv' ? ',' : '\t', () => n++, options);
  return n;
}
