import '../helpers/register-vscode-fake'; // before the extension modules: they take l10n from 'vscode'
import * as assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { writePredictions } from '../../src/eval/evaluate';
import { scoredOutput, writeGenerationPredictions } from '../../src/eval/evaluate-generation';
import { isUserError } from '../../src/engine/errors';
import { withDataset } from '../../src/extension/datasets/roles';
import { testSetWarning } from '../../src/extension/datasets/testSet';
import {
  DEFAULT_COMPARE_QUERY, joinRuns, queryResults, readBenchmarkRows, readPredictions, readRowAt, readRowTexts, type PredictionsRun, type ResultRow,
} from '../../src/extension/results/model';
import { isResultsViewState, parseWebviewMessage, type UiState } from '../../src/extension/views/protocol';
import { ResultsGrid } from '../../src/extension/views/resultsGrid';
import { UiStore } from '../../src/extension/views/uiStore';
import { readDataset } from '../../src/data';
import { tempFolder } from '../data/tmp';

const LABELS = ['negative', 'positive'];

/** A classification predictions file written by the real writer (the one Run on dataset and bench use). */
function classificationRun(dir: string, name: string, rows: { gold: string; logProbs: [number, number] }[]): string {
  const file = join(dir, name);
  writePredictions(file, { labels: LABELS, predictions: rows.map((r) => ({ gold: r.gold, logProbs: r.logProbs, predicted: LABELS[r.logProbs[0] >= r.logProbs[1] ? 0 : 1] })) });
  return file;
}

describe('results grid: predictions files joined with their dataset rows', () => {
  const tmp = tempFolder();
  after(() => tmp.remove());

  it('reads what the classification and generation writers write (a round trip)', async () => {
    const file = classificationRun(tmp.dir, 'a.jsonl', [{ gold: 'positive', logProbs: [-2, -0.5] }, { gold: 'positive', logProbs: [-0.1, -3] }]);
    const run = await readPredictions(file);
    assert.equal(run.task, 'classification');
    assert.deepEqual(run.outcomes.map((o) => [o.index, o.gold, o.outcome.predicted, o.outcome.correct]), [[0, 'positive', 'positive', true], [1, 'positive', 'negative', false]]);
    // softmax(-2, -0.5): the predicted label's probability.
    const p = 1 / (1 + Math.exp(-1.5));
    assert.ok(Math.abs(run.outcomes[0].outcome.confidence! - p) < 1e-12);
    assert.ok(Math.abs(run.outcomes[0].outcome.scores.negative + run.outcomes[0].outcome.scores.positive - 1) < 1e-12);
    const gen = join(tmp.dir, 'g.jsonl');
    writeGenerationPredictions(gen, { predictions: [scoredOutput('Paris', 'Paris'), scoredOutput('<b>Lyon</b>', 'Paris')] });
    const generation = await readPredictions(gen);
    assert.equal(generation.task, 'generation');
    assert.deepEqual(generation.outcomes.map((o) => [o.gold, o.outcome.predicted, o.outcome.correct, o.outcome.scores.exact]), [['Paris', 'Paris', true, 1], ['Paris', '<b>Lyon</b>', false, 0]]);
    assert.equal(generation.outcomes[0].outcome.scores.f1, 1);
  });

  it('names the line of a record that is not a prediction', async () => {
    const file = tmp.write('bad.jsonl', '{"index":0,"gold":"a","predicted":"a","correct":true,"probabilities":{"a":1}}\n{"index":1,"gold":"a"}\n');
    await assert.rejects(readPredictions(file), (e: Error) => isUserError(e) && e.message.startsWith(`${file}:2: not a classification prediction`));
  });

  it('finds each row\'s text among the records the run read (invalid records do not shift rows), and the whole row', async () => {
    const data = tmp.write('d.jsonl', [
      JSON.stringify({ sentence: 'first', label: 0, id: 'a' }),
      '{broken',
      JSON.stringify({ label: 1 }), // no text column: the run's reader skips it too
      JSON.stringify({ sentence: `second ${'x'.repeat(1000)}`, label: 1, id: 'b' }),
    ].join('\n'));
    const spec = { textColumns: ['sentence'], labelColumn: 'label', labelNames: LABELS };
    const texts = await readRowTexts(data, spec, new Set([0, 1]));
    assert.equal(texts.get(0), 'first');
    assert.ok(texts.get(1)!.startsWith('second x') && texts.get(1)!.length === 400 && texts.get(1)!.endsWith('…'));
    assert.deepEqual(await readRowAt(data, spec, 1), { sentence: `second ${'x'.repeat(1000)}`, label: 'positive', id: 'b' });
    assert.equal(await readRowAt(data, spec, 2), undefined);
  });
});

describe('results grid: a benchmark\'s rows, read again as the benchmark read them', () => {
  const tmp = tempFolder();
  after(() => tmp.remove());

  it('finds the seeded sample of a --limit run (checked by the report\'s hash), and refuses a changed file', async () => {
    const file = tmp.write('bench.jsonl', Array.from({ length: 60 }, (_, i) => JSON.stringify({ text: `review ${i}`, label: i % 2 ? 'positive' : 'negative' })).join('\n'));
    // What `ptune bench --limit 12` reads (run.ts: readDataset with { limit, seed: 0 }).
    const scored = await readDataset(file, { limit: 12, seed: 0 });
    const rows = await readBenchmarkRows(file, { n: 12, hash: scored.hash }, { textColumns: ['text'], labelColumn: 'label' });
    assert.deepEqual(rows, scored.rows);
    assert.notDeepEqual(rows.map((r) => r.text), Array.from({ length: 12 }, (_, i) => `review ${i}`), 'a sample, not the first rows');
    const changed = tmp.write('changed.jsonl', Array.from({ length: 60 }, (_, i) => JSON.stringify({ text: `review ${i}!`, label: 'negative' })).join('\n'));
    await assert.rejects(readBenchmarkRows(changed, { n: 12, hash: scored.hash }, {}), (e: Error) => isUserError(e) && e.message.includes('not the dataset the benchmark scored'));
  });

  it('the host side keeps the rows and publishes one page: hard vs soft compared, disagreements first, then one prompt alone', async () => {
    const hard = classificationRun(tmp.dir, 'hard.jsonl', [{ gold: 'positive', logProbs: [-1, -2] }, { gold: 'negative', logProbs: [-1, -2] }, { gold: 'positive', logProbs: [-2, -1] }]);
    const soft = classificationRun(tmp.dir, 'soft.jsonl', [{ gold: 'positive', logProbs: [-2, -1] }, { gold: 'negative', logProbs: [-1, -2] }, { gold: 'positive', logProbs: [-2, -1] }]);
    const store = new UiStore();
    let state: UiState | undefined;
    store.onChange((s) => { state = s; });
    const grid = new ResultsGrid(store);
    await grid.open({
      title: 'bench', dataFile: '/d.jsonl',
      runs: [{ id: 'hard:a', name: 'a (hard)', predictionsFile: hard }, { id: 'soft:s', name: 's (soft)', predictionsFile: soft }],
      readTexts: async (indices) => new Map([...indices].map((i) => [i, `text ${i}`])),
      readRow: async () => undefined,
    }, ['hard:a', 'soft:s']);
    await new Promise((resolve) => queueMicrotask(() => resolve(undefined)));
    const compared = state!.results!;
    assert.ok(isResultsViewState(compared));
    assert.deepEqual([compared.runs, compared.shown, compared.correct, compared.query.sort], [['a (hard)', 's (soft)'], ['hard:a', 'soft:s'], [2, 3], 'disagreement']);
    assert.deepEqual(compared.rows.map((r) => [r.index, r.text, r.disagree]), [[0, 'text 0', true], [1, 'text 1', false], [2, 'text 2', false]]);
    grid.setQuery({ ...compared.query, filter: 'errors' });
    await new Promise((resolve) => queueMicrotask(() => resolve(undefined)));
    assert.deepEqual(state!.results!.rows.map((r) => r.index), [0]);
    await grid.show(['soft:s']);
    await new Promise((resolve) => queueMicrotask(() => resolve(undefined)));
    assert.deepEqual([state!.results!.runs, state!.results!.query.sort, state!.results!.rows.length, state!.results!.rows[0].disagree], [['s (soft)'], 'index', 3, undefined]);
  });
});

function row(index: number, gold: string, ...outcomes: [string, boolean, number?][]): ResultRow {
  return { index, text: `t${index}`, gold, outcomes: outcomes.map(([predicted, correct, confidence]) => ({ predicted, correct, confidence, scores: {} })) };
}

describe('results grid: filters, sorting, paging', () => {
  const rows = [row(0, 'a', ['a', true, 0.9]), row(1, 'b', ['a', false, 0.6]), row(2, 'a', ['a', true, 0.6]), row(3, 'b', ['a', false, 0.99]), row(4, 'b', ['b', true, 0.7])];

  it('filters to the errors, counting what each run got right', () => {
    const page = queryResults(rows, { sort: 'index', descending: false, filter: 'errors', page: 0 });
    assert.deepEqual(page.rows.map((r) => r.index), [1, 3]);
    assert.deepEqual([page.total, page.matching, page.correct], [5, 2, [3]]);
  });

  it('sorts stably (ties keep the dataset order), either way', () => {
    assert.deepEqual(queryResults(rows, { sort: 'confidence', descending: true, filter: 'all', page: 0 }).rows.map((r) => r.index), [3, 0, 4, 1, 2]);
    assert.deepEqual(queryResults(rows, { sort: 'confidence', descending: false, filter: 'all', page: 0 }).rows.map((r) => r.index), [1, 2, 4, 0, 3]);
    assert.deepEqual(queryResults(rows, { sort: 'correct', descending: false, filter: 'all', page: 0 }).rows.map((r) => r.index), [1, 3, 0, 2, 4]);
  });

  it('pages thousands of rows, clamping a page past the end', () => {
    const many = Array.from({ length: 2_345 }, (_, i) => row(i, 'a', ['a', i % 7 !== 0]));
    const last = queryResults(many, { sort: 'index', descending: false, filter: 'all', page: 99 }, 100);
    assert.deepEqual([last.page, last.pages, last.rows.length, last.rows[0].index], [23, 24, 45, 2_300]);
    const errors = queryResults(many, { sort: 'index', descending: false, filter: 'errors', page: 1 }, 100);
    assert.deepEqual([errors.matching, errors.rows[0].index], [335, 700]);
  });
});

describe('results grid: two prompts compared row by row', () => {
  const run = (outcomes: [string, string][]): PredictionsRun => ({
    task: 'classification',
    outcomes: outcomes.map(([gold, predicted], index) => ({ index, gold, outcome: { predicted, correct: gold === predicted, scores: {} } })),
  });
  // Rows: 0 agree right, 1 only B right, 2 both wrong (different), 3 agree wrong, 4 only A right.
  const a = run([['x', 'x'], ['x', 'y'], ['x', 'y'], ['x', 'y'], ['y', 'y']]);
  const b = run([['x', 'x'], ['x', 'x'], ['x', 'z'], ['x', 'y'], ['y', 'x']]);

  it('puts the disagreements first: one side right, then both wrong differently, then agreements (by row within each)', () => {
    const rows = joinRuns([a, b], new Map());
    assert.deepEqual(queryResults(rows, DEFAULT_COMPARE_QUERY).rows.map((r) => r.index), [1, 4, 2, 0, 3]);
    assert.deepEqual(queryResults(rows, { ...DEFAULT_COMPARE_QUERY, filter: 'disagreements' }).rows.map((r) => r.index), [1, 4, 2]);
    assert.deepEqual(queryResults(rows, { ...DEFAULT_COMPARE_QUERY, filter: 'errors' }).rows.map((r) => r.index), [1, 4, 2, 3]);
    assert.deepEqual(queryResults(rows, DEFAULT_COMPARE_QUERY).correct, [2, 2]);
  });

  it('refuses runs that were not on the same rows, naming the run', () => {
    const short = run([['x', 'x']]);
    assert.throws(() => joinRuns([a, short], new Map(), ['hard', 'soft']), (e: Error) => isUserError(e) && e.message.startsWith('soft has no prediction for row 1'));
  });
});

describe('dataset roles: state and the benchmark test-set warning', () => {
  const tmp = tempFolder();
  after(() => tmp.remove());

  it('sets one role of one prompt, keeping the others; undefined forgets it', () => {
    const start = { '/p/a.prompt': { train: '/d/train.jsonl', dev: '/d/dev.jsonl' }, '/p/b.prompt': { dev: '/d/x.jsonl' } };
    const next = withDataset(start, '/p/a.prompt', 'test', '/d/test.jsonl');
    assert.deepEqual(next['/p/a.prompt'], { train: '/d/train.jsonl', dev: '/d/dev.jsonl', test: '/d/test.jsonl' });
    assert.deepEqual(next['/p/b.prompt'], { dev: '/d/x.jsonl' });
    assert.deepEqual(start['/p/a.prompt'], { train: '/d/train.jsonl', dev: '/d/dev.jsonl' }, 'the stored object is not changed in place');
    assert.deepEqual(withDataset(next, '/p/a.prompt', 'dev', '/d/dev2.jsonl')['/p/a.prompt'].dev, '/d/dev2.jsonl');
    assert.equal('/p/b.prompt' in withDataset(next, '/p/b.prompt', 'dev', undefined), false);
  });

  it('warns, in one message, when the test file is the dev file or the file a soft prompt\'s keep-best used', () => {
    const test = tmp.write('test.jsonl', '{}\n');
    const dev = tmp.write('dev.jsonl', '{}\n');
    const link = join(tmp.dir, 'same-as-test.jsonl');
    symlinkSync(test, link);
    assert.equal(testSetWarning(test, dev, [{ dir: '/x/soft-a', devFile: dev }, { dir: '/x/soft-b' }]), undefined);
    const both = testSetWarning(test, link, [{ dir: '/x/soft-a', devFile: join(tmp.dir, '.', 'test.jsonl') }, { dir: '/x/soft-b', devFile: dev }]);
    assert.ok(both, 'warned');
    assert.match(both, /^The test set test\.jsonl is not held out: it is also the dev set .*; and keep-best chose the checkpoint of soft-a on it\. .*biased upwards for the soft prompt/);
    assert.doesNotMatch(both, /soft-b/);
    assert.match(testSetWarning(test, undefined, [{ dir: '/x/s1', devFile: test }, { dir: '/x/s2', devFile: test }])!, /checkpoints of s1, s2/);
  });
});

describe('webview protocol: results grid and dataset roles', () => {
  it('accepts the grid\'s and the prompt view\'s new messages, and nothing malformed', () => {
    const valid = [
      { type: 'resultsQuery', query: { sort: 'confidence', descending: true, filter: 'errors', page: 3 } },
      { type: 'resultsOpenRow', index: 12 },
      { type: 'resultsShow', ids: ['hard:a', 'soft:seed-0'] },
      { type: 'selectDatasetRole', role: 'test' },
    ];
    for (const m of valid) assert.deepEqual(parseWebviewMessage(m), m);
    const invalid = [
      { type: 'resultsQuery', query: { sort: 'text', descending: true, filter: 'errors', page: 0 } },
      { type: 'resultsQuery', query: { sort: 'index', descending: 'yes', filter: 'all', page: 0 } },
      { type: 'resultsQuery', query: { sort: 'index', descending: false, filter: 'all', page: -1 } },
      { type: 'resultsQuery', query: { sort: 'index', descending: false, filter: 'all', page: 0, file: '/etc/passwd' } },
      { type: 'resultsOpenRow', index: 1.5 }, { type: 'resultsOpenRow' },
      { type: 'resultsShow', ids: [] }, { type: 'resultsShow', ids: ['a', 'a'] }, { type: 'resultsShow', ids: ['a', 'b', 'c', 'd'] }, { type: 'resultsShow', ids: [1] },
      { type: 'selectDatasetRole', role: 'eval' },
    ];
    for (const m of invalid) assert.equal(parseWebviewMessage(m), undefined, JSON.stringify(m));
  });

  it('checks the results slice field by field (its rows hold dataset text and model output)', () => {
    const state = {
      title: 't', task: 'classification', runs: ['a', 'b'], query: DEFAULT_COMPARE_QUERY, total: 1, matching: 1, page: 0, pages: 1, correct: [1, 0], source: '/x',
      rows: [{ index: 0, text: '<img src=x onerror=alert(1)>', gold: 'x', disagree: true, cells: [{ predicted: 'x', correct: true, confidence: 0.9, detail: '' }, { predicted: 'y', correct: false, detail: '' }] }],
    };
    assert.ok(isResultsViewState(state));
    assert.ok(!isResultsViewState({ ...state, rows: [{ ...state.rows[0], cells: [state.rows[0].cells[0]] }] }), 'a row with fewer cells than runs');
    assert.ok(!isResultsViewState({ ...state, correct: [1] }));
    assert.ok(!isResultsViewState({ ...state, rows: [{ ...state.rows[0], text: 3 }] }));
    assert.ok(!isResultsViewState({ ...state, extra: 1 }));
  });
});
