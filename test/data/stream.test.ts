/**
 * Streaming reads: tiny chunk sizes put chunk boundaries inside lines, inside multi-byte characters, between
 * "\r" and "\n" and inside quoted CSV fields; the result must match reading the same file in one piece.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { countRows, readDataset, sampleRows } from '../../src/data';
import { tempFolder } from './tmp';

const tmp = tempFolder();
after(() => tmp.remove());

const texts = ['plain', 'café 日本語 😀', 'quote " and , comma', 'tab\there', 'new\nline', '   ', 'ünïcödé'];

function rowsOf(n: number): { text: string; label: string }[] {
  return Array.from({ length: n }, (_, i) => ({ text: `${texts[i % texts.length]} ${i}`, label: i % 2 ? 'p' : 'n' }));
}

describe('datasets: streaming', () => {
  for (const chunkSize of [1, 2, 3, 7, 64]) {
    it(`JSONL, JSON and CSV read the same with ${chunkSize}-byte chunks`, async () => {
      const rows = rowsOf(40);
      const jsonl = tmp.write(`s${chunkSize}.jsonl`, '\ufeff' + rows.map((r) => JSON.stringify(r)).join('\r\n') + '\r\n\r\n');
      const json = tmp.write(`s${chunkSize}.json`, '\ufeff[\n' + rows.map((r) => JSON.stringify(r)).join(',\n') + '\n]\n');
      const csv = tmp.write(
        `s${chunkSize}.csv`,
        'text,label\r\n' + rows.map((r) => `"${r.text.replace(/"/g, '""')}",${r.label}`).join('\r\n') + '\r\n',
      );
      for (const file of [jsonl, json, csv]) {
        const data = await readDataset(file, {}, { chunkSize });
        assert.deepEqual(data.rows, rows, file);
        assert.equal(await countRows(file, {}, { chunkSize }), rows.length, file);
      }
      const lines = (await readDataset(jsonl, {}, { chunkSize })).lines;
      assert.deepEqual(lines, rows.map((_, i) => i + 1));
    });
  }

  it('counts non-blank JSONL lines from raw bytes, with or without a final newline', async () => {
    assert.equal(await countRows(tmp.write('c1.jsonl', '{}\n\n \t\n{}\r\n{}'), {}, { chunkSize: 2 }), 3);
    assert.equal(await countRows(tmp.write('c2.jsonl', '\n\n'), {}), 0);
    assert.equal(await countRows(tmp.write('c3.jsonl', '\ufeff{}\n'), {}, { chunkSize: 3 }), 1);
  });

  it('counts and samples a multi-megabyte file, matching an in-memory reference', async function () {
    const n = 60000;
    const lines: string[] = [];
    for (let i = 0; i < n; i++) lines.push(JSON.stringify({ text: `review number ${i} ${'x'.repeat(i % 50)}`, label: i % 2 ? 'positive' : 'negative' }));
    const file = tmp.write('big.jsonl', lines.join('\n') + '\n');
    assert.equal(await countRows(file, {}, { chunkSize: 4096 }), n);
    const sample = await sampleRows(file, 100, 3, {}, { chunkSize: 4096 });
    assert.equal(sample.rows.length, 100);
    assert.equal(sample.validRows, n);
    sample.rows.forEach((row, i) => assert.deepEqual(row, JSON.parse(lines[sample.lines[i] - 1])));
    const again = await sampleRows(file, 100, 3);
    assert.equal(again.hash, sample.hash);
    assert.equal(sample.hash, createHash('sha256').update(`[${sample.rows.map((r) => JSON.stringify({ label: r.label, text: r.text })).join(',')}]`).digest('hex'));
  });
});
