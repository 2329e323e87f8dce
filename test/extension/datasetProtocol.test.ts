/** The dataset grid's messages: queries from the webview and the state slice sent to it, both validated. */
import * as assert from 'node:assert/strict';
import { DEFAULT_DATASET_QUERY, DATASET_QUERY_LIMITS } from '../../src/extension/datasets/gridQuery';
import { isHostMessage, parseWebviewMessage, type DatasetViewState } from '../../src/extension/views/protocol';

const XSS = '<img src=x onerror=alert(1)>';

describe('webview protocol: the dataset grid', () => {
  it('accepts well-formed dataset messages unchanged', () => {
    const valid: unknown[] = [
      { type: 'datasetQuery', query: DEFAULT_DATASET_QUERY },
      { type: 'datasetQuery', query: { sort: 'label', descending: true, search: 'great', label: 'positive', page: 3 } },
      { type: 'datasetQuery', query: { sort: 'text', descending: false, search: XSS, page: 0 } },
      { type: 'openDatasetRole', role: 'dev' },
      { type: 'closeDataset' },
    ];
    for (const message of valid) assert.deepEqual(parseWebviewMessage(message), message);
  });

  it('rejects malformed queries and roles', () => {
    const query = DEFAULT_DATASET_QUERY;
    const invalid: unknown[] = [
      { type: 'datasetQuery' },
      { type: 'datasetQuery', query: { ...query, page: -1 } },
      { type: 'datasetQuery', query: { ...query, page: 1.5 } },
      { type: 'datasetQuery', query: { ...query, sort: '' } },
      { type: 'datasetQuery', query: { ...query, sort: 'x'.repeat(DATASET_QUERY_LIMITS.name + 1) } },
      { type: 'datasetQuery', query: { ...query, search: 'x'.repeat(DATASET_QUERY_LIMITS.search + 1) } },
      { type: 'datasetQuery', query: { ...query, label: 3 } },
      { type: 'datasetQuery', query: { ...query, file: '/etc/passwd' } },
      { type: 'datasetQuery', query, file: '/etc/passwd' },
      { type: 'openDatasetRole', role: 'holdout' },
      { type: 'openDatasetRole', role: 'dev', file: '/etc/passwd' },
      { type: 'closeDataset', now: true },
    ];
    for (const message of invalid) assert.equal(parseWebviewMessage(message), undefined, JSON.stringify(message));
  });

  it('checks the dataset slice of the state: one cell per column, counts and statuses', () => {
    const dataset: DatasetViewState = {
      file: 'data/x.csv', status: 'ready', columns: ['text', 'label'], labelColumn: 'label', labels: [{ label: 'a', count: 2 }],
      summary: '2 rows · a 100%', query: DEFAULT_DATASET_QUERY, total: 2, matching: 2, page: 0, pages: 1,
      rows: [{ row: 1, line: 2, cells: [XSS, 'a'] }, { row: 2, line: 3, cells: ['b', 'a'] }],
    };
    const state = (d: unknown) => ({ type: 'state', state: { model: {}, jobs: [], dataset: d } });
    assert.equal(isHostMessage(state(dataset)), true);
    assert.equal(isHostMessage(state({ ...dataset, status: 'indexing', progress: 0.5, message: 'Reading…' })), true);
    for (const bad of [
      { ...dataset, rows: [{ row: 1, line: 2, cells: ['only one'] }] },
      { ...dataset, rows: [{ row: 1, line: 2, cells: [{ html: XSS }, 'a'] }] },
      { ...dataset, status: 'done' },
      { ...dataset, progress: 2 },
      { ...dataset, total: -1 },
      { ...dataset, extra: true },
    ]) assert.equal(isHostMessage(state(bad)), false, JSON.stringify(bad).slice(0, 120));
  });
});

describe('package.json: Open Dataset', () => {
  it('is in the explorer context menu of .jsonl, .csv and .tsv files only, and a webview may run it', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { WEBVIEW_COMMANDS } = await import('../../src/extension/views/protocol');
    const pkg = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8'));
    const nls = JSON.parse(readFileSync(join(__dirname, '../../../package.nls.json'), 'utf8'));
    assert.ok(pkg.contributes.commands.some((c: { command: string; title: string }) => c.command === 'promptTuning.openDataset' && nls[c.title.slice(1, -1)] === 'Open Dataset'));
    const entries = pkg.contributes.menus['explorer/context'].filter((e: { command: string }) => e.command === 'promptTuning.openDataset');
    assert.equal(entries.length, 1);
    const pattern = /resourceExtname =~ \/(.*)\/$/.exec(entries[0].when)![1];
    for (const ext of ['.jsonl', '.csv', '.tsv']) assert.ok(new RegExp(pattern).test(ext), ext);
    for (const ext of ['.json', '.prompt', '.txt', '.jsonlx']) assert.ok(!new RegExp(pattern).test(ext), ext);
    assert.ok((WEBVIEW_COMMANDS as readonly string[]).includes('promptTuning.openDataset'));
  });
});
