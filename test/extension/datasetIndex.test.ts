/**
 * The dataset grid's streaming index: byte ranges per row, read back by page; sort, search and label filter;
 * CSV quoting across lines, multi-byte text, a last line without a newline, unreadable rows, tiny chunks.
 */
import * as assert from 'node:assert/strict';
import { appendFileSync, statSync, writeFileSync } from 'node:fs';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { DatasetIndex, ScanCancelled, StaleIndexError } from '../../src/extension/datasets/datasetIndex';
import { DatasetQueryEngine } from '../../src/extension/datasets/datasetQuery';
import { DATASET_PAGE_SIZE, DEFAULT_DATASET_QUERY, type DatasetQuery } from '../../src/extension/datasets/gridQuery';
import { describeSummary } from '../../src/data/summary';
import { tempFolder } from '../data/tmp';

const tmp = tempFolder();
after(() => tmp.remove());

const query = (patch: Partial<DatasetQuery>): DatasetQuery => ({ ...DEFAULT_DATASET_QUERY, ...patch });

/** Every row of the index in file order, read back page by page. */
async function allRows(index: DatasetIndex): Promise<Record<string, string>[]> {
  const engine = new DatasetQueryEngine(index);
  const rows: Record<string, string>[] = [];
  for (let page = 0; ; page++) {
    const result = await engine.run(query({ page }));
    rows.push(...result.rows.map((r) => r.row));
    if (page >= result.pages - 1) return rows;
  }
}

const MULTI = 'café 日本語 😀 naïve';

describe('dataset grid: the streaming index', () => {
  const jsonlRows = [
    { text: 'a great film', label: 'positive' },
    { text: MULTI, label: 'negative' },
    { text: 'quote " and , comma', label: 'positive' },
    { text: 'new\nline inside JSON', label: 'negative' },
    { text: 'last one, no newline', label: 'positive' },
  ];
  const jsonlText = '\ufeff' + jsonlRows.slice(0, 2).map((r) => JSON.stringify(r)).join('\r\n') + '\n\n   \n' +
    jsonlRows.slice(2).map((r) => JSON.stringify(r)).join('\n');

  for (const chunkSize of [1, 2, 3, 5, 64, 1 << 20]) {
    it(`JSONL: rows, lines and labels, read back by byte range (${chunkSize}-byte chunks)`, async () => {
      const file = tmp.write(`a${chunkSize}.jsonl`, jsonlText);
      const index = await DatasetIndex.build(file, { chunkSize });
      assert.equal(index.rows, 5);
      assert.deepEqual(index.columns, ['text', 'label']);
      assert.equal(index.labelColumn, 'label');
      assert.deepEqual([0, 1, 2, 3, 4].map((id) => index.line(id)), [1, 2, 5, 6, 7]);
      assert.deepEqual(await allRows(index), jsonlRows);
      assert.equal(describeSummary(index.summary()), '5 rows · positive 60% · negative 40%');
      assert.equal(index.unreadableNote(), undefined);
    });

    it(`CSV: quoted commas, quotes and line breaks; multi-byte text; CRLF; no final newline (${chunkSize}-byte chunks)`, async () => {
      const csv = '\ufefftext,label\r\n' +
        '"hello, world",positive\r\n' +
        `"${MULTI}",negative\r\n` +
        '"she said ""no""\r\nand left",negative\r\n' +
        '\r\n' +
        'plain text,positive\r\n' +
        '"two\nline\nbreaks",positive';
      const file = tmp.write(`b${chunkSize}.csv`, csv);
      const index = await DatasetIndex.build(file, { chunkSize });
      assert.deepEqual(index.columns, ['text', 'label']);
      assert.deepEqual(await allRows(index), [
        { text: 'hello, world', label: 'positive' },
        { text: MULTI, label: 'negative' },
        { text: 'she said "no"\r\nand left', label: 'negative' },
        { text: 'plain text', label: 'positive' },
        { text: 'two\nline\nbreaks', label: 'positive' },
      ]);
      assert.deepEqual([0, 1, 2, 3, 4].map((id) => index.line(id)), [2, 3, 4, 7, 8]);
    });
  }

  it('TSV: tabs separate, quotes still quote', async () => {
    const file = tmp.write('c.tsv', 'sentence\tlabel\n"a\tb"\t1\nplain\t0\n');
    const index = await DatasetIndex.build(file, { labelNames: ['neg', 'pos'] });
    assert.equal(index.labelColumn, 'label');
    assert.deepEqual(await allRows(index), [{ sentence: 'a\tb', label: 'pos' }, { sentence: 'plain', label: 'neg' }]);
  });

  it('a malformed JSONL line: one clear message with its line number; the other rows are shown', async () => {
    const file = tmp.write('bad.jsonl', '{"text":"ok","label":"a"}\n{"text": "broken\n[1,2]\n{"text":"fine","label":"b"}\n');
    const index = await DatasetIndex.build(file);
    assert.equal(index.rows, 2);
    assert.equal(index.invalid.count, 2);
    assert.deepEqual(index.invalid.first?.line, 2);
    const note = index.unreadableNote()!;
    assert.match(note, /^2 unreadable rows are not shown; the first is on line 2 of bad\.jsonl: bad JSON: /);
    assert.ok(!note.includes('\n') && !note.includes('    at '), note);
    assert.deepEqual(await allRows(index), [{ text: 'ok', label: 'a' }, { text: 'fine', label: 'b' }]);
  });

  it('a CSV record with the wrong number of fields is named by its line; a bad header stops with file and line', async () => {
    const file = tmp.write('bad.csv', 'text,label\n"multi\nline",x\nthree,fields,here\nok,y\n');
    const index = await DatasetIndex.build(file);
    assert.equal(index.rows, 2);
    assert.equal(index.unreadableNote(), '1 unreadable row is not shown; it is on line 4 of bad.csv: expected 2 fields (as in the header), found 3');
    const header = tmp.write('header.csv', 'text,text\na,b\n');
    await assert.rejects(DatasetIndex.build(header), (e: Error) => e.message === `${header}:1: duplicate column "text" in the header`);
    const empty = tmp.write('empty.csv', '');
    await assert.rejects(DatasetIndex.build(empty), /the file is empty; expected a header line/);
    await assert.rejects(DatasetIndex.build(tmp.write('array.json', '[]')), /JSON array file/);
  });

  it('a prompt\'s label column and label_names; rows without the label are counted', async () => {
    const file = tmp.write('d.jsonl', ['{"t":"x","y":0}', '{"t":"y","y":1}', '{"t":"z"}', '{"t":"w","y":1}'].join('\n'));
    const index = await DatasetIndex.build(file, { labelColumn: 'y', labelNames: ['bad', 'good'] });
    assert.deepEqual(index.labels(), [{ label: 'good', count: 2 }, { label: 'bad', count: 1 }]);
    assert.equal(index.missingLabel, 1);
    assert.equal(describeSummary(index.summary()), '4 rows · good 50% · bad 25% · no label 25%');
    assert.deepEqual((await allRows(index))[0], { t: 'x', y: 'bad' });
  });
});

describe('dataset grid: sort, search, label filter, pages', () => {
  const n = 450;
  const words = ['apple', 'banana', 'cherry'];
  const rows = Array.from({ length: n }, (_, i) => ({ text: `${words[i % 3]} review ${i}`, score: String((i * 37) % 101), label: i % 4 === 0 ? 'neg' : 'pos' }));
  let file: string;
  let engine: DatasetQueryEngine;
  before(async () => {
    file = tmp.write('q.csv', 'text,score,label\n' + rows.map((r) => `"${r.text}",${r.score},${r.label}`).join('\n') + '\n');
    engine = new DatasetQueryEngine(await DatasetIndex.build(file, { chunkSize: 333 }));
  });

  it('pages of DATASET_PAGE_SIZE rows in file order, the last one partial; a page past the end is clamped', async () => {
    const first = await engine.run(query({}));
    assert.equal(first.total, n);
    assert.equal(first.pages, Math.ceil(n / DATASET_PAGE_SIZE));
    assert.deepEqual(first.rows.map((r) => r.id), Array.from({ length: DATASET_PAGE_SIZE }, (_, i) => i));
    const last = await engine.run(query({ page: 99 }));
    assert.equal(last.page, first.pages - 1);
    assert.equal(last.rows.length, n - DATASET_PAGE_SIZE * (first.pages - 1));
    assert.deepEqual(last.rows.at(-1)!.row, rows[n - 1]);
    assert.equal(last.rows.at(-1)!.line, n + 1);
  });

  it('sorts by a numeric column numerically, by a text column naturally, by the label; descending reverses', async () => {
    const byScore = await engine.run(query({ sort: 'score' }));
    const scores = byScore.rows.map((r) => Number(r.row.score));
    assert.deepEqual(scores, [...scores].sort((a, b) => a - b));
    assert.equal(scores[0], 0);
    const down = await engine.run(query({ sort: 'score', descending: true }));
    assert.equal(Number(down.rows[0].row.score), 100);
    const byText = await engine.run(query({ sort: 'text' }));
    // Natural order: "apple review 3" before "apple review 12".
    assert.deepEqual(byText.rows.slice(0, 3).map((r) => r.row.text), ['apple review 0', 'apple review 3', 'apple review 6']);
    const byLabel = await engine.run(query({ sort: 'label' }));
    const negatives = rows.filter((r) => r.label === 'neg').length;
    assert.ok(byLabel.rows.slice(0, negatives).every((r) => r.row.label === 'neg'), 'neg sorts first');
    assert.equal(byLabel.rows[negatives].row.label, 'pos');
    assert.deepEqual(byLabel.rows.slice(0, 2).map((r) => r.id), [0, 4]);
    const labelDown = await engine.run(query({ sort: 'label', descending: true }));
    assert.equal(labelDown.rows[0].row.label, 'pos');
  });

  it('filters by a word (ignoring case) and by label, together, counting the matches', async () => {
    const cherry = await engine.run(query({ search: 'CHERRY' }));
    assert.equal(cherry.matching, n / 3);
    assert.ok(cherry.rows.every((r) => r.row.text.startsWith('cherry')));
    const both = await engine.run(query({ search: 'cherry', label: 'neg', sort: 'score' }));
    const expected = rows.filter((r) => r.text.startsWith('cherry') && r.label === 'neg');
    assert.equal(both.matching, expected.length);
    assert.deepEqual(both.rows.map((r) => r.row), [...expected].sort((a, b) => Number(a.score) - Number(b.score) || 0));
    assert.equal((await engine.run(query({ search: 'no such word' }))).matching, 0);
    assert.equal((await engine.run(query({ label: 'unknown' }))).matching, 0);
  });

  it('a changed file is noticed: page reads and re-scans throw StaleIndexError', async () => {
    const copy = tmp.write('stale.jsonl', '{"text":"a","label":"x"}\n{"text":"b","label":"y"}\n');
    const index = await DatasetIndex.build(copy);
    const staleEngine = new DatasetQueryEngine(index);
    assert.equal((await staleEngine.run(query({}))).rows.length, 2);
    appendFileSync(copy, '{"text":"c","label":"x"}\n');
    assert.equal(await index.isCurrent(), false);
    await assert.rejects(staleEngine.run(query({ page: 0, search: 'a' })), StaleIndexError);
    await assert.rejects(index.readRows([0]), StaleIndexError);
  });

  it('indexing stops when its signal is aborted', async () => {
    const big = tmp.write('abort.jsonl', Array.from({ length: 5000 }, (_, i) => JSON.stringify({ text: `row ${i}`, label: 'a' })).join('\n'));
    const controller = new AbortController();
    let calls = 0;
    await assert.rejects(DatasetIndex.build(big, {
      chunkSize: 1024, signal: controller.signal,
      onProgress: () => {
        if (++calls === 3) controller.abort();
      },
    }), ScanCancelled);
    assert.equal(calls, 3);
  });
});

describe('dataset grid: bounded memory on a large file', () => {
  it('indexes 200,000 rows with heap growth far below the file size, and serves a sorted, searched page', async function () {
    this.timeout(300_000);
    const n = 200_000;
    const file = tmp.write('large.jsonl', '');
    const filler = 'lorem ipsum dolor sit amet '.repeat(18);
    for (let start = 0; start < n; start += 10_000) {
      const lines: string[] = [];
      for (let i = start; i < start + 10_000; i++) lines.push(JSON.stringify({ text: `review ${i} ${filler}`, label: i % 3 === 0 ? 'negative' : 'positive', score: i % 997 }));
      appendFileSync(file, lines.join('\n') + '\n');
    }
    const size = statSync(file).size;
    assert.ok(size > 90e6, `the file is ${size} bytes`);
    // A collector to call, so what is measured is what is kept, not garbage not yet collected.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    gc();
    // The index's typed arrays live outside the JS heap: count ArrayBuffers too.
    const used = () => {
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const before = used();
    let peak = before;
    const sample = () => (peak = Math.max(peak, used()));
    const index = await DatasetIndex.build(file, { onProgress: sample });
    assert.equal(index.rows, n);
    const engine = new DatasetQueryEngine(index);
    const page = await engine.run(query({ sort: 'score', descending: true, search: 'review 1999', label: 'positive' }), { onProgress: sample });
    sample();
    assert.ok(page.rows.length > 0 && page.rows.every((r) => r.row.text.includes('review 1999') && r.row.label === 'positive'));
    let best = -1;
    for (let i = 0; i < n; i++) if (String(i).startsWith('1999') && i % 3 !== 0) best = Math.max(best, i % 997);
    assert.equal(page.rows[0].row.score, String(best));
    await new Promise((resolve) => setTimeout(resolve, 50));
    gc();
    gc();
    const retained = used() - before;
    // 24 bytes a row of index plus the cached order, matches and list: under 10 MB, against a ~100 MB file.
    assert.ok(retained < size / 10, `retained ${(retained / 1e6).toFixed(1)} MB of heap for a ${(size / 1e6).toFixed(0)} MB file`);
    assert.ok(peak - before < size / 2, `peak heap growth ${((peak - before) / 1e6).toFixed(1)} MB for a ${(size / 1e6).toFixed(0)} MB file`);
    writeFileSync(file, '');
  });
});
