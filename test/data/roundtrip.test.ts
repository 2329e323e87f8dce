/** CSV/TSV round trips: whatever csv-stringify writes (RFC 4180 quoting), readDataset reads back unchanged. */
import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { stringify } from 'csv-stringify/sync';
import { readDataset } from '../../src/data';
import { tempFolder } from './tmp';

const tmp = tempFolder();
after(() => tmp.remove());

// Text with the characters CSV must quote: delimiters, quotes, CR/LF, tabs, plus BOM-like and astral characters.
const nasty = fc.string({
  unit: fc.oneof(
    fc.constantFrom(',', '"', '\n', '\r', '\r\n', '\t', ' ', '\ufeff', 'é', '日', '😀', "'"),
    fc.string({ minLength: 1, maxLength: 1 }),
  ),
  maxLength: 12,
});
const names = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9_ ]{0,7}$/), { minLength: 2, maxLength: 4 }).filter((ns) => new Set(ns.map((n) => n.trim())).size === ns.length && ns.every((n) => n === n.trim()));
const table = names.chain((columns) =>
  fc.record({
    columns: fc.constant(columns),
    rows: fc.array(fc.tuple(...columns.map(() => nasty)), { minLength: 1, maxLength: 8 }),
    bom: fc.boolean(),
    crlf: fc.boolean(),
  }),
);

let counter = 0;
function roundTrip(delimiter: ',' | '\t', ext: string) {
  return async ({ columns, rows, bom, crlf }: { columns: string[]; rows: string[][]; bom: boolean; crlf: boolean }) => {
    const text = stringify([columns, ...rows], { delimiter, bom, record_delimiter: crlf ? 'windows' : 'unix', quoted_match: /^$|\ufeff|\r|\n|\t/ });
    const file = tmp.write(`t${counter++}.${ext}`, text);
    const data = await readDataset(file);
    assert.deepEqual(
      data.rows,
      rows.map((values) => Object.fromEntries(columns.map((c, i) => [c, values[i]]))),
    );
  };
}

describe('datasets: CSV round-trip properties', () => {
  it('CSV: rows written by csv-stringify read back exactly', async () => {
    await fc.assert(fc.asyncProperty(table, roundTrip(',', 'csv')), { numRuns: 150, seed: 1 });
  });

  it('TSV: rows written by csv-stringify read back exactly', async () => {
    await fc.assert(fc.asyncProperty(table, roundTrip('\t', 'tsv')), { numRuns: 150, seed: 2 });
  });
});
