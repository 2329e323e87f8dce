import { createHash } from 'node:crypto';
import type { Row } from './types';

/**
 * sha256 (hex) of the canonical JSON of `rows`: a JSON array of the rows in order, each row an object with
 * its keys sorted, no whitespace. Any change to a value, a column, or the order of rows changes it.
 */
export function rowsHash(rows: readonly Row[]): string {
  const hash = createHash('sha256');
  hash.update('[');
  rows.forEach((row, i) => {
    if (i > 0) hash.update(',');
    hash.update(canonicalRowJson(row));
  });
  hash.update(']');
  return hash.digest('hex');
}

export function canonicalRowJson(row: Row): string {
  const sorted: Row = {};
  for (const key of Object.keys(row).sort()) sorted[key] = row[key];
  return JSON.stringify(sorted);
}
