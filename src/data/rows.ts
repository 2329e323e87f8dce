import type { ReadOptions, Row } from './types';

export type RowSpec = Pick<ReadOptions, 'columns' | 'labelNames' | 'textColumns' | 'labelColumn'>;

export type RowResult = { row: Row } | { error: string };

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** The file's name for a column the prompt calls `name`. */
function sourceName(name: string, spec: RowSpec): string {
  return spec.columns?.[name] ?? name;
}

function columnLabel(name: string, spec: RowSpec): string {
  const source = sourceName(name, spec);
  return source === name ? `"${name}"` : `"${source}" (mapped to "${name}")`;
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function mapLabel(value: unknown, spec: RowSpec, name: string): { text: string } | { error: string } {
  const names = spec.labelNames;
  const text = scalarText(value);
  if (text === undefined) return { error: `column ${columnLabel(name, spec)} is ${describeType(value)}; expected a label` };
  if (names === undefined || names.includes(text)) return { text };
  const index = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (Number.isInteger(index) && index >= 0 && index < names.length) return { text: names[index] };
  if (Number.isInteger(index)) {
    return { error: `label ${index} is out of range: label_names has ${names.length} names (indices 0-${names.length - 1})` };
  }
  return { error: `label "${text}" is neither an index into label_names nor one of them (${names.join(', ')})` };
}

/**
 * Turns one parsed record into a Row: applies the column mapping, checks the required columns, maps integer
 * labels through `labelNames`, and turns numbers/booleans into text. With `textColumns` or `labelColumn`
 * the row keeps only those columns, so the content hash covers exactly what the prompt uses.
 */
export function toRow(record: unknown, spec: RowSpec): RowResult {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    return { error: `expected an object with named columns, found ${describeType(record)}` };
  }
  const source = record as Record<string, unknown>;
  const wanted = [...(spec.textColumns ?? []), ...(spec.labelColumn !== undefined ? [spec.labelColumn] : [])];
  if (wanted.length > 0) {
    const row: Row = {};
    for (const name of wanted) {
      const key = sourceName(name, spec);
      if (!Object.prototype.hasOwnProperty.call(source, key)) return { error: `missing column ${columnLabel(name, spec)}` };
      const value = source[key];
      if (name === spec.labelColumn) {
        const label = mapLabel(value, spec, name);
        if ('error' in label) return label;
        row[name] = label.text;
        continue;
      }
      const text = scalarText(value);
      if (text === undefined) return { error: `column ${columnLabel(name, spec)} is ${describeType(value)}; expected text` };
      row[name] = text;
    }
    return { row };
  }
  // No selection: keep every column, renaming mapped ones.
  const renamed = new Map<string, string>();
  for (const [name, from] of Object.entries(spec.columns ?? {})) {
    if (!Object.prototype.hasOwnProperty.call(source, from)) return { error: `missing column ${columnLabel(name, spec)}` };
    renamed.set(from, name);
  }
  const row: Row = {};
  for (const [key, value] of Object.entries(source)) {
    const name = renamed.get(key) ?? key;
    const text = scalarText(value);
    row[name] = text ?? JSON.stringify(value);
  }
  return { row };
}
