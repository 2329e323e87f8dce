import * as assert from 'node:assert/strict';
import { countRows, describeSkipped, readDataset, rowsHash, sampleRows } from '../../src/data';
import { isUserError } from '../../src/engine/errors';
import { tempFolder } from './tmp';

const tmp = tempFolder();
after(() => tmp.remove());

/** Asserts that `promise` rejects with a UserError whose message is exactly `message`. */
async function rejectsWith(promise: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(isUserError(e), `not a UserError: ${e}`);
    assert.equal((e as Error).message, message);
    return true;
  });
}

const jsonl = (rows: unknown[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

describe('datasets: JSONL', () => {
  it('reads rows with the line each starts on, skipping blank lines, BOM and CRLF', async () => {
    const file = tmp.write('a.jsonl', '\ufeff{"text": "a", "label": "pos"}\r\n\r\n  \n{"text": "b", "label": "neg"}');
    const data = await readDataset(file);
    assert.deepEqual(data.rows, [
      { text: 'a', label: 'pos' },
      { text: 'b', label: 'neg' },
    ]);
    assert.deepEqual(data.lines, [1, 4]);
    assert.equal(data.format, 'jsonl');
    assert.deepEqual(data.columns, ['label', 'text']);
    assert.equal(data.hash, rowsHash(data.rows));
    assert.deepEqual(data.skipped, []);
  });

  it('stops at bad JSON naming the file, line and column', async () => {
    const file = tmp.write('bad.jsonl', '{"text": "a", "label": "x"}\n{"text": "b" "label": "y"}\n');
    await rejectsWith(readDataset(file), `${file}:2: bad JSON: Expected ',' or '}' after property value in JSON at column 14`);
  });

  it('names a missing column and the line', async () => {
    const file = tmp.write('missing.jsonl', jsonl([{ text: 'a', label: 'x' }, { text: 'b', label: 'y' }, { text: 'c' }]));
    await rejectsWith(readDataset(file, { textColumns: ['text'], labelColumn: 'label' }), `${file}:3: missing column "label"`);
  });

  it('names the file column behind a mapped one', async () => {
    const file = tmp.write('mapped.jsonl', jsonl([{ sentence: 'a', gold: 1 }, { gold: 0 }]));
    await rejectsWith(readDataset(file, { columns: { text: 'sentence', label: 'gold' }, textColumns: ['text'], labelColumn: 'label' }), `${file}:2: missing column "sentence" (mapped to "text")`);
  });

  it('maps columns and integer labels through label names, keeping only the selected columns', async () => {
    const file = tmp.write('ints.jsonl', jsonl([{ sentence: 'a', gold: 1, id: 7 }, { sentence: 'b', gold: '0', id: 8 }, { sentence: 'c', gold: 'positive', id: 9 }]));
    const data = await readDataset(file, { columns: { text: 'sentence', label: 'gold' }, textColumns: ['text'], labelColumn: 'label', labelNames: ['negative', 'positive'] });
    assert.deepEqual(data.rows, [
      { text: 'a', label: 'positive' },
      { text: 'b', label: 'negative' },
      { text: 'c', label: 'positive' },
    ]);
  });

  it('rejects label indices out of range and unknown label words', async () => {
    const file = tmp.write('range.jsonl', jsonl([{ text: 'a', label: 2 }]));
    await rejectsWith(readDataset(file, { textColumns: ['text'], labelColumn: 'label', labelNames: ['n', 'p'] }), `${file}:1: label 2 is out of range: label_names has 2 names (indices 0-1)`);
    const words = tmp.write('words.jsonl', jsonl([{ text: 'a', label: 'meh' }]));
    await rejectsWith(readDataset(words, { textColumns: ['text'], labelColumn: 'label', labelNames: ['n', 'p'] }), `${words}:1: label "meh" is neither an index into label_names nor one of them (n, p)`);
  });

  it('rejects rows that are not objects, and values that are not text', async () => {
    const arr = tmp.write('arr.jsonl', '["a", "b"]\n');
    await rejectsWith(readDataset(arr), `${arr}:1: expected an object with named columns, found a list`);
    const nul = tmp.write('null.jsonl', jsonl([{ text: null, label: 'x' }]));
    await rejectsWith(readDataset(nul, { textColumns: ['text'], labelColumn: 'label' }), `${nul}:1: column "text" is null; expected text`);
    const obj = tmp.write('obj.jsonl', jsonl([{ text: { a: 1 }, label: 'x' }]));
    await rejectsWith(readDataset(obj, { textColumns: ['text'] }), `${obj}:1: column "text" is an object; expected text`);
  });

  it('reports a line that is not UTF-8', async () => {
    const file = tmp.write('latin1.jsonl', Buffer.concat([Buffer.from('{"text": "ok"}\n{"text": "caf'), Buffer.from([0xe9]), Buffer.from('"}\n')]));
    await rejectsWith(readDataset(file), `${file}:2: the line is not valid UTF-8`);
  });

  it('with skipInvalid, skips bad rows and says how many and which lines', async () => {
    const file = tmp.write('mixed.jsonl', '{"text": "a", "label": "x"}\nnot json\n{"text": "b"}\n{"text": "c", "label": "y"}\n[1]\n');
    const data = await readDataset(file, { textColumns: ['text'], labelColumn: 'label', skipInvalid: true });
    assert.deepEqual(data.rows.map((r) => r.text), ['a', 'c']);
    assert.deepEqual(data.lines, [1, 4]);
    assert.deepEqual(data.skipped, [
      { line: 2, message: `bad JSON: Unexpected token 'o'` },
      { line: 3, message: 'missing column "label"' },
      { line: 5, message: 'expected an object with named columns, found a list' },
    ]);
    assert.equal(describeSkipped(data.skipped), 'skipped 3 invalid rows (lines 2, 3, 5)');
  });

  it('fails when no valid row is left', async () => {
    const file = tmp.write('allbad.jsonl', 'x\ny\n');
    await rejectsWith(readDataset(file, { skipInvalid: true }), `${file}: all 2 rows are invalid (first: line 1: bad JSON: Unexpected token 'x')`);
    const empty = tmp.write('empty.jsonl', '\n\n');
    await rejectsWith(readDataset(empty), `${empty}: no data rows`);
  });

  it('reports missing files and unknown extensions', async () => {
    await rejectsWith(readDataset(`${tmp.dir}/nope.jsonl`), `${tmp.dir}/nope.jsonl: dataset file not found`);
    const txt = tmp.write('data.txt', 'x');
    // No --format flag exists, so the message must not suggest passing one (issue 12, item 15).
    await rejectsWith(readDataset(txt), `${txt}: cannot tell the dataset format from the extension ".txt"; the file name must end in .jsonl (or .ndjson), .json, .csv or .tsv (or .tab): rename it, or save a copy with one of those endings`);
    // A folder is named as such, not as a file with the extension "" (item 15).
    await rejectsWith(readDataset(tmp.dir), `${tmp.dir} is a folder, not a dataset file (give a .jsonl, .json, .csv or .tsv file)`);
    const asJsonl = await readDataset(tmp.write('data.log', '{"a": "b"}\n'), { format: 'jsonl' });
    assert.deepEqual(asJsonl.rows, [{ a: 'b' }]);
  });
});

describe('datasets: JSON arrays', () => {
  it('reads elements with their start lines; brackets and commas inside strings are text', async () => {
    const file = tmp.write('a.json', '[\n  {"text": "x, ] }", "label": "p"},\n  {"text": "line\\nbreak [", \n   "label": "n"}\n]\n');
    const data = await readDataset(file);
    assert.deepEqual(data.rows, [
      { text: 'x, ] }', label: 'p' },
      { text: 'line\nbreak [', label: 'n' },
    ]);
    assert.deepEqual(data.lines, [2, 3]);
    assert.equal(await countRows(file), 2);
  });

  it('names structural problems with their lines', async () => {
    const notArray = tmp.write('obj.json', '{"text": "x"}');
    await rejectsWith(readDataset(notArray), `${notArray}:1: expected a JSON array starting with "[", found "{"`);
    const trailing = tmp.write('trail.json', '[\n{"a": "1"},\n]');
    await rejectsWith(readDataset(trailing), `${trailing}:3: bad JSON: a comma before "]" (trailing comma)`);
    const open = tmp.write('open.json', '[\n{"a": "1"},\n{"a": "2"');
    await rejectsWith(readDataset(open), `${open}:3: unexpected end of file: the element starting on line 3 is never closed`);
    const extra = tmp.write('extra.json', '[{"a": "1"}]\n]');
    await rejectsWith(readDataset(extra), `${extra}:2: unexpected text "]" after the closing "]" of the array`);
  });

  it('reports a bad element by its line and can skip it', async () => {
    const file = tmp.write('el.json', '[\n{"a": "1"},\n{"a": 1 2},\n{"a": "3"}\n]');
    await rejectsWith(readDataset(file), `${file}:3: bad JSON: Expected ',' or '}' after property value in JSON at position 8`);
    const data = await readDataset(file, { skipInvalid: true });
    assert.deepEqual(data.rows, [{ a: '1' }, { a: '3' }]);
    assert.deepEqual(data.skipped.map((s) => s.line), [3]);
  });
});

describe('datasets: CSV and TSV', () => {
  it('reads RFC 4180 quoting, embedded newlines, BOM and CRLF, with start lines', async () => {
    const file = tmp.write('a.csv', '\ufefftext,label\r\n"he said ""hi"", then\r\nleft",pos\r\n\r\nplain,neg\r\n');
    const data = await readDataset(file);
    assert.deepEqual(data.rows, [
      { text: 'he said "hi", then\r\nleft', label: 'pos' },
      { text: 'plain', label: 'neg' },
    ]);
    assert.deepEqual(data.lines, [2, 5]);
    assert.equal(await countRows(file), 2);
  });

  it('reads TSV with the same quoting rules', async () => {
    const file = tmp.write('a.tsv', 'text\tlabel\n"tab\there"\tpos\nx\tneg\n');
    assert.deepEqual((await readDataset(file)).rows, [
      { text: 'tab\there', label: 'pos' },
      { text: 'x', label: 'neg' },
    ]);
  });

  it('names rows with the wrong number of fields, and can skip them', async () => {
    const file = tmp.write('fields.csv', 'text,label\na,b\n"multi\nline",b,extra\nc,d\n');
    await rejectsWith(readDataset(file), `${file}:3: expected 2 fields (as in the header), found 3`);
    const data = await readDataset(file, { skipInvalid: true });
    assert.deepEqual(data.rows.map((r) => r.text), ['a', 'c']);
    assert.deepEqual(data.lines, [2, 5]);
    assert.deepEqual(data.skipped, [{ line: 3, message: 'expected 2 fields (as in the header), found 3' }]);
  });

  it('names quoting errors and header problems', async () => {
    const quote = tmp.write('quote.csv', 'text,label\n"ab"c,d\n');
    await rejectsWith(readDataset(quote), `${quote}:2: a closing quote must be followed by the delimiter or the end of the line (write "" for a quote inside a quoted field)`);
    const open = tmp.write('open.csv', 'text,label\nx,y\n"never closed,z\n');
    await rejectsWith(readDataset(open), `${open}:3: a quoted field is never closed (missing ")`);
    const dup = tmp.write('dup.csv', 'text,text\na,b\n');
    await rejectsWith(readDataset(dup), `${dup}:1: duplicate column "text" in the header`);
    const unnamed = tmp.write('unnamed.csv', 'text,\na,b\n');
    await rejectsWith(readDataset(unnamed), `${unnamed}:1: header column 2 has no name`);
    const empty = tmp.write('empty.csv', '');
    await rejectsWith(readDataset(empty), `${empty}:1: the file is empty; expected a header line`);
  });

  it('maps digit-string labels through label names', async () => {
    const file = tmp.write('ints.csv', 'sentence,label\nx,1\ny,0\n');
    const data = await readDataset(file, { columns: { text: 'sentence' }, textColumns: ['text'], labelColumn: 'label', labelNames: ['neg', 'pos'] });
    assert.deepEqual(data.rows, [
      { text: 'x', label: 'pos' },
      { text: 'y', label: 'neg' },
    ]);
  });
});

describe('datasets: limit sampling and hashes', () => {
  const rows = Array.from({ length: 200 }, (_, i) => ({ text: `row ${i}`, label: i % 3 === 0 ? 'a' : 'b' }));
  const file = tmp.write('many.jsonl', jsonl(rows));

  it('keeps a seeded sample of `limit` valid rows in file order', async () => {
    const a = await readDataset(file, { limit: 20, seed: 5 });
    assert.equal(a.rows.length, 20);
    assert.equal(a.validRows, 200);
    assert.deepEqual([...a.lines].sort((x, y) => x - y), a.lines);
    for (let i = 0; i < a.rows.length; i++) assert.equal(a.rows[i].text, `row ${a.lines[i] - 1}`);
    assert.deepEqual((await readDataset(file, { limit: 20, seed: 5 })).rows, a.rows);
    assert.notDeepEqual((await readDataset(file, { limit: 20, seed: 6 })).rows, a.rows);
    assert.deepEqual((await sampleRows(file, 20, 5)).rows, a.rows);
  });

  it('samples every row with about the same probability (reservoir sampling)', async () => {
    const hits = new Array(200).fill(0);
    for (let seed = 0; seed < 200; seed++) for (const line of (await readDataset(file, { limit: 50, seed })).lines) hits[line - 1]++;
    // Each row is expected 50 times; with 200 draws the count stays within ±25 with overwhelming probability.
    assert.ok(Math.min(...hits) > 25 && Math.max(...hits) < 75, `hits from ${Math.min(...hits)} to ${Math.max(...hits)}`);
    // The first rows (kept by every reservoir at first) must not be favoured.
    const firstHalf = hits.slice(0, 100).reduce((x, y) => x + y, 0);
    assert.ok(Math.abs(firstHalf - 5000) < 300, `first half sampled ${firstHalf} times`);
  });

  it('returns every row when limit exceeds the count', async () => {
    assert.equal((await readDataset(file, { limit: 1000 })).rows.length, 200);
  });

  it('hashes the exact rows used: canonical JSON, independent of key order and file format', async () => {
    const a = await readDataset(tmp.write('h1.jsonl', '{"text": "x", "label": "p"}\n'));
    const b = await readDataset(tmp.write('h2.csv', 'label,text\np,x\n'));
    assert.equal(a.hash, b.hash);
    const { createHash } = await import('node:crypto');
    assert.equal(a.hash, createHash('sha256').update('[{"label":"p","text":"x"}]').digest('hex'));
    const c = await readDataset(tmp.write('h3.jsonl', '{"text": "x ", "label": "p"}\n'));
    assert.notEqual(c.hash, a.hash);
    assert.notEqual(rowsHash([{ a: '1' }, { a: '2' }]), rowsHash([{ a: '2' }, { a: '1' }]));
  });

  it('rejects a limit that is not a positive whole number', async () => {
    await rejectsWith(readDataset(file, { limit: 0 }), 'limit must be a positive whole number, got 0');
  });
});
