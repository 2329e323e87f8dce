/**
 * Dataset grid: a dataset file's rows one page at a time, with its row count and label distribution; sortable
 * by any column, filterable by a search and by label. The extension host indexes the file and sends one page;
 * dataset text is set as text only.
 */
import * as l10n from '@vscode/l10n';
import { DATASET_QUERY_LIMITS, ROW_ORDER, type DatasetQuery } from '../../src/extension/datasets/gridQuery';
import type { DatasetViewState } from '../../src/extension/views/protocol';
import { button, el, replaceChildren } from '../lib/dom';
import { post } from '../lib/host';

/** Typing waits this long before searching (each search re-scans the file in the host). */
const SEARCH_DELAY_MS = 400;

export class DatasetView {
  readonly root = el('section', { class: 'view dataset-view', attrs: { 'data-view': 'dataset' } });
  private state: DatasetViewState | undefined;
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  // Kept across renders, so typing in the search field is not lost when a page arrives.
  private readonly search = el('vscode-textfield', {
    attrs: { id: 'dataset-search', placeholder: l10n.t('Search the rows…'), 'aria-label': l10n.t('Search the rows'), maxlength: DATASET_QUERY_LIMITS.search },
  }) as HTMLElement & { value: string };
  private readonly label = el('select', { attrs: { id: 'dataset-label', 'aria-label': l10n.t('Only rows with this label') } });
  private readonly header = el('header', { class: 'view-header' });
  private readonly status = el('div', { class: 'dataset-status' });
  private readonly count = el('span', { class: 'muted', attrs: { id: 'dataset-count', role: 'status' } });
  private readonly pager = el('span', { class: 'row-picker' });
  private readonly body = el('div', { class: 'dataset-body' });
  private readonly controls = el('div', { class: 'results-controls dataset-controls' },
    this.search, this.label, this.count, this.pager,
    button(l10n.t({ message: 'Close', comment: ['Closes the dataset grid.'] }), () => post({ type: 'closeDataset' }), { secondary: true, id: 'dataset-close', ariaLabel: l10n.t('Close the dataset') }));

  constructor() {
    this.search.addEventListener('input', () => {
      clearTimeout(this.searchTimer);
      this.searchTimer = setTimeout(() => this.searchNow(), SEARCH_DELAY_MS);
    });
    this.search.addEventListener('change', () => this.searchNow());
    this.search.addEventListener('keydown', (event) => {
      if ((event as KeyboardEvent).key === 'Enter') this.searchNow();
    });
    this.label.addEventListener('change', () => {
      const value = this.label.value;
      this.query({ label: value === '' ? undefined : value });
    });
  }

  render(state: DatasetViewState | undefined): void {
    this.state = state;
    if (!state) {
      replaceChildren(this.root,
        el('p', { class: 'empty' }, l10n.t('No dataset open: Open Dataset (in a data file\'s context menu, or beside each dataset of a prompt) shows its rows here.')),
        el('div', { class: 'actions' }, button(l10n.t('Open Dataset…'), () => post({ type: 'runCommand', command: 'promptTuning.openDataset' }))));
      return;
    }
    if (this.root.firstChild !== this.header) replaceChildren(this.root, this.header, this.status, this.controls, this.body);
    replaceChildren(this.header,
      el('h2', { class: 'file-name' }, state.file),
      state.origin ? el('p', { class: 'muted' }, l10n.t({ message: 'Opened as {0}.', args: [state.origin], comment: ['{0}: e.g. "the dev dataset of reviews.prompt".'] })) : null,
      el('p', { class: 'muted', attrs: { id: 'dataset-summary' } }, state.summary || ' '),
      state.note ? el('p', { class: 'note', attrs: { id: 'dataset-note' } }, state.note) : null);
    this.renderStatus(state);
    if (document.activeElement !== this.search && this.search.value !== state.query.search) this.search.value = state.query.search;
    this.renderLabels(state);
    const filtered = state.query.search.trim() !== '' || state.query.label !== undefined;
    this.count.textContent = state.status === 'indexing' || state.status === 'failed' ? ''
      : filtered ? l10n.t('{0} of {1} rows', state.matching.toLocaleString('en-US'), state.total.toLocaleString('en-US')) : l10n.t('{0} rows', state.total.toLocaleString('en-US'));
    this.renderPager(state);
    this.controls.hidden = state.status === 'indexing' || (state.status === 'failed' && state.columns.length === 0);
    if (state.status === 'indexing' || (state.status === 'failed' && state.columns.length === 0)) replaceChildren(this.body);
    else if (state.rows.length === 0 && state.status === 'ready') replaceChildren(this.body, el('p', { class: 'empty', attrs: { id: 'dataset-empty' } }, l10n.t('No rows match.')));
    else replaceChildren(this.body, this.table(state));
  }

  private renderStatus(state: DatasetViewState): void {
    const busy = state.status === 'indexing' || state.status === 'querying';
    const bar = busy ? el('vscode-progress-bar', { attrs: { 'aria-label': state.message ?? l10n.t('Working'), max: 1000 } }) as HTMLElement & { value?: number; indeterminate: boolean } : null;
    if (bar) {
      bar.indeterminate = state.progress === undefined;
      if (state.progress !== undefined) bar.value = Math.round(state.progress * 1000);
    }
    this.status.dataset.status = state.status;
    replaceChildren(this.status,
      state.message ? el('p', { class: state.status === 'failed' ? 'error' : 'muted', attrs: { id: 'dataset-status', role: 'status' } },
        state.message, state.progress !== undefined && busy ? ` ${Math.round(state.progress * 100)}%` : '') : null,
      bar);
  }

  private renderLabels(state: DatasetViewState): void {
    const selected = state.query.label ?? '';
    const options = [el('option', { attrs: { value: '' } }, state.labelColumn ? l10n.t({ message: 'All labels ({0})', args: [state.labelColumn], comment: ['{0}: the label column\'s name.'] }) : l10n.t('No label column')),
      ...state.labels.map((l) => el('option', { attrs: { value: l.label } }, `${l.label} (${l.count.toLocaleString('en-US')})`))];
    replaceChildren(this.label, ...options);
    this.label.value = selected;
    this.label.disabled = state.labels.length === 0;
  }

  private renderPager(state: DatasetViewState): void {
    const go = (page: number) => this.query({ page }, false);
    replaceChildren(this.pager,
      button('◀', () => go(state.page - 1), { secondary: true, disabled: state.page <= 0, ariaLabel: l10n.t('Previous page') }),
      el('span', { attrs: { id: 'dataset-page' } }, l10n.t('page {0} of {1}', state.page + 1, state.pages)),
      button('▶', () => go(state.page + 1), { secondary: true, disabled: state.page >= state.pages - 1, ariaLabel: l10n.t('Next page') }));
  }

  private table(state: DatasetViewState): HTMLElement {
    const header = (label: string, sort: string) => {
      const active = state.query.sort === sort;
      return el('th', { attrs: { 'aria-sort': active ? (state.query.descending ? 'descending' : 'ascending') : 'none' } },
        el('button', {
          class: 'sort', attrs: { type: 'button', 'data-sort': sort, title: sort === ROW_ORDER ? l10n.t('Sort by row number') : l10n.t({ message: 'Sort by {0}', args: [label], comment: ['{0}: a column name.'] }) },
          on: { click: () => this.query({ sort, descending: active ? !state.query.descending : false }) },
        }, label, active ? (state.query.descending ? ' ▼' : ' ▲') : ''));
    };
    const labelIndex = state.labelColumn === undefined ? -1 : state.columns.indexOf(state.labelColumn);
    return el('table', { class: 'data dataset', attrs: { id: 'dataset-table', 'aria-busy': state.status === 'querying' } },
      el('thead', {}, el('tr', {}, header('#', ROW_ORDER), ...state.columns.map((c) => header(c, c)))),
      el('tbody', {}, ...state.rows.map((row) => el('tr', { class: 'dataset-row', attrs: { 'data-row': row.row, title: l10n.t({ message: 'line {0}', args: [row.line], comment: ['{0}: the line number in the file.'] }) } },
        el('td', { class: 'num' }, row.row),
        ...row.cells.map((cell, k) => el('td', { class: k === labelIndex ? 'label-cell' : 'cell-text' }, cell))))));
  }

  private searchNow(): void {
    clearTimeout(this.searchTimer);
    if (!this.state || this.search.value === this.state.query.search) return;
    this.query({ search: this.search.value.slice(0, DATASET_QUERY_LIMITS.search) });
  }

  /** Posts the current query changed by `patch` (back to the first page unless paging). */
  private query(patch: Partial<DatasetQuery>, firstPage = true): void {
    if (!this.state) return;
    const next: DatasetQuery = { ...this.state.query, ...(firstPage ? { page: 0 } : {}), ...patch };
    if (next.label === undefined) delete next.label;
    if (next.page < 0) return;
    post({ type: 'datasetQuery', query: next });
  }
}
