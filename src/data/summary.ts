/**
 * A dataset file's size and label distribution, counted in one streamed pass: memory holds one record at a
 * time plus at most MAX_SUMMARY_LABELS distinct label values, whatever the file's size.
 */
import { UserError } from '../engine/errors';
import { resolveFormat } from './formats';
import { forEachRecord } from './records';
import { StructureError } from './structure-error';
import type { StreamOptions } from './line-reader';
import type { DatasetFormat } from './types';

/** Distinct labels counted one by one; the rest are added up as `otherLabels` (a text column is not a label). */
export const MAX_SUMMARY_LABELS = 50;

export interface DatasetSummary {
  /** Records parsed (valid JSON objects, CSV/TSV records). */
  rows: number;
  /** Records that could not be parsed or are not objects. */
  invalidRows: number;
  /** Rows per label value, most frequent first (ties: by label), when a label column was given. */
  labels?: { label: string; count: number }[];
  /** Rows whose label is beyond the first MAX_SUMMARY_LABELS distinct values. */
  otherLabels?: number;
  /** Rows without the label column. */
  missingLabel?: number;
}

/**
 * Counts the rows of `file` and, with `labelColumn` (the name in the file), how many rows carry each label.
 * Integer labels are mapped through `labelNames` like the reader does.
 */
export async function summarizeDataset(file: string, options: { labelColumn?: string; labelNames?: readonly string[]; format?: DatasetFormat } = {},
  stream: StreamOptions = {}): Promise<DatasetSummary> {
  const format = resolveFormat(file, options.format);
  const counts = new Map<string, number>();
  const summary: DatasetSummary = { rows: 0, invalidRows: 0 };
  let other = 0;
  let missing = 0;
  try {
    await forEachRecord(file, format, (record) => {
      if ('error' in record || record.value === null || typeof record.value !== 'object' || Array.isArray(record.value)) {
        summary.invalidRows++;
        return;
      }
      summary.rows++;
      if (options.labelColumn === undefined) return;
      const fields = record.value as Record<string, unknown>;
      if (!Object.prototype.hasOwnProperty.call(fields, options.labelColumn)) {
        missing++;
        return;
      }
      const label = labelText(fields[options.labelColumn], options.labelNames);
      const seen = counts.get(label);
      if (seen !== undefined) counts.set(label, seen + 1);
      else if (counts.size < MAX_SUMMARY_LABELS) counts.set(label, 1);
      else other++;
    }, stream);
  } catch (e) {
    if (e instanceof StructureError) throw new UserError(`${file}:${e.line}: ${e.message}`, file);
    throw e;
  }
  if (options.labelColumn !== undefined) {
    summary.labels = [...counts].map(([label, count]) => ({ label, count })).sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
    if (other > 0) summary.otherLabels = other;
    if (missing > 0) summary.missingLabel = missing;
  }
  return summary;
}

export function labelText(value: unknown, labelNames: readonly string[] | undefined): string {
  if (labelNames && (typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value)))) {
    const name = labelNames[Number(value)];
    if (name !== undefined) return name;
  }
  return typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
}

/** "1,000 rows · positive 52% · negative 48%" */
export function describeSummary(summary: DatasetSummary): string {
  const parts = [`${summary.rows.toLocaleString('en-US')} row${summary.rows === 1 ? '' : 's'}`];
  if (summary.invalidRows > 0) parts.push(`${summary.invalidRows} unreadable`);
  const percent = (n: number) => `${summary.rows > 0 ? Math.round((100 * n) / summary.rows) : 0}%`;
  for (const { label, count } of summary.labels ?? []) parts.push(`${label} ${percent(count)}`);
  if (summary.otherLabels) parts.push(`other labels ${percent(summary.otherLabels)}`);
  if (summary.missingLabel) parts.push(`no label ${percent(summary.missingLabel)}`);
  return parts.join(' · ');
}
