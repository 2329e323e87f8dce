/** Issue 12, item 7: `head` reads the first rows of a dataset and never the rest of the file, in every format. */
import * as assert from 'node:assert/strict';
import { readDataset } from '../../src/data';
import { tempFolder } from './tmp';

describe('datasets: reading only the head of a file (issue 12, item 7)', () => {
  const tmp = tempFolder();
  after(() => tmp.remove());
  const rows = Array.from({ length: 50 }, (_, i) => ({ text: `row ${i}`, label: i % 2 ? 'a' : 'b' }));
  // Each file is valid for its first 50 rows and broken after them: reading past the head would fail.
  const files: Record<string, () => string> = {
    jsonl: () => tmp.write('d.jsonl', rows.map((r) => JSON.stringify(r)).join('\n') + '\n{"text": broken\n'),
    json: () => tmp.write('d.json', '[' + rows.map((r) => JSON.stringify(r)).join(',\n') + ',\n{"text": broken'),
    csv: () => tmp.write('d.csv', 'text,label\n' + rows.map((r) => `${r.text},${r.label}`).join('\n') + '\n"unterminated,a\n'),
    tsv: () => tmp.write('d.tsv', 'text\tlabel\n' + rows.map((r) => `${r.text}\t${r.label}`).join('\n') + '\n"unterminated\ta\n'),
  };
  for (const [format, write] of Object.entries(files)) {
    it(`${format}: the first rows, in order, with their lines; the broken tail is never read`, async () => {
      const file = write();
      await assert.rejects(readDataset(file), 'the whole file fails');
      const head = await readDataset(file, { head: 7, skipInvalid: true });
      assert.deepEqual(head.rows, rows.slice(0, 7));
      assert.equal(head.partial, true);
      assert.deepEqual(head.columns, ['label', 'text']);
      assert.equal(head.lines[6] - head.lines[0], 6);
    });
  }

  it('a head larger than the file reads it all', async () => {
    const file = tmp.write('small.jsonl', rows.slice(0, 3).map((r) => JSON.stringify(r)).join('\n'));
    const all = await readDataset(file, { head: 1000 });
    assert.equal(all.rows.length, 3);
    assert.equal(all.partial, undefined);
  });
});

describe('bench report sniffing reads only the start of a file (issue 12, item 7)', () => {
  const tmp = tempFolder();
  after(() => tmp.remove());
  it('a report-like start is enough, whatever follows; anything else is not a report', async () => {
    const { looksLikeReport } = await import('../../src/bench/report/parse');
    // Invalid JSON after the start: only a reader of the whole file would notice.
    assert.equal(looksLikeReport(tmp.write('r.json', '{\n  "schemaVersion": 1,\n  "engineVersion": "x",\n' + ' '.repeat(1000) + 'not json')), true);
    assert.equal(looksLikeReport(tmp.write('late.json', ' '.repeat(500) + '{"schemaVersion": 1, "engineVersion": "x"}')), false);
    assert.equal(looksLikeReport(tmp.write('other.json', '{"name": "x"}')), false);
    assert.equal(looksLikeReport(tmp.dir), false);
  });
});
