/**
 * Results grid: a run's rows (Run on dataset, a benchmark's prompts) one page at a time, sortable, filterable
 * to the errors (or, comparing prompts, to their disagreements); a clicked row opens in the prompt view.
 * Dataset text and model output are set as text only.
 */
import * as l10n from '@vscode/l10n';
import type { ResultsQuery, ResultSort } from '../../src/extension/results/query';
import { MAX_COMPARED_RUNS, type ResultsCellView, type ResultsRowView, type ResultsViewState } from '../../src/extension/views/protocol';
import { button, el, replaceChildren } from '../lib/dom';
import { post } from '../lib/host';

export class ResultsView {
  readonly root = el('section', { class: 'view results-view', attrs: { 'data-view': 'results' } });

  render(state: ResultsViewState | undefined): void {
    if (!state) {
      replaceChildren(this.root, el('p', { class: 'empty' }, l10n.t('No results yet: ▶ Run on dataset or Benchmark Prompts… show every row here.')),
        el('div', { class: 'actions' },
          button(`▶ ${l10n.t('Run on dataset')}`, () => post({ type: 'runCommand', command: 'promptTuning.runOnDataset' })),
          button(l10n.t('Benchmark Prompts…'), () => post({ type: 'runCommand', command: 'promptTuning.benchmark' }), { secondary: true })));
      return;
    }
    const query = (patch: Partial<ResultsQuery>) => post({ type: 'resultsQuery', query: { ...state.query, page: 0, ...patch } });
    const compared = state.runs.length > 1;
    const pct = (n: number) => (state.total > 0 ? `${((100 * n) / state.total).toFixed(1)}%` : '–');
    replaceChildren(this.root,
      el('header', { class: 'view-header' },
        el('h2', {}, state.title),
        el('p', { class: 'muted', attrs: { id: 'results-summary' } },
          state.runs.map((name, k) => l10n.t({ message: '{0}: {1} / {2} right ({3})', args: [name, state.correct[k], state.total, pct(state.correct[k])], comment: ['{0}: a prompt; {1} of {2} rows answered right; {3}: that share in percent.'] })).join(' · ')),
        el('p', { class: 'muted' }, l10n.t({ message: 'Predictions:', comment: ['Followed by the file the predictions were read from.'] }), ' ', el('code', {}, state.source)),
        state.note ? el('p', { class: 'note' }, state.note) : null),
      state.choices ? this.choices(state) : null,
      el('div', { class: 'results-controls' },
        toggle(l10n.t('Errors only'), 'results-errors-only', state.query.filter === 'errors', (on) => query({ filter: on ? 'errors' : 'all' })),
        compared ? toggle(l10n.t('Disagreements only'), 'results-disagreements-only', state.query.filter === 'disagreements', (on) => query({ filter: on ? 'disagreements' : 'all' })) : null,
        el('span', { class: 'muted', attrs: { id: 'results-count', role: 'status' } },
          state.matching === state.total ? l10n.t('{0} rows', state.total) : l10n.t({ message: '{0} of {1} rows', args: [state.matching, state.total], comment: ['{0} rows match the filter, of {1} in all.'] })),
        this.pager(state)),
      state.rows.length === 0
        ? el('p', { class: 'empty', attrs: { id: 'results-empty' } }, state.query.filter === 'errors' ? l10n.t('No errors.') : l10n.t('No rows.'))
        : resultsTable(state, (sort) => query({ sort, descending: state.query.sort === sort ? !state.query.descending : sort === 'confidence' })),
    );
  }

  /** A benchmark's prompts as toggles: one to MAX_COMPARED_RUNS of them side by side. */
  private choices(state: ResultsViewState): HTMLElement {
    const shown = state.shown ?? [];
    const toggles = state.choices!.map((choice) => {
      const on = shown.includes(choice.id);
      const ids = on ? shown.filter((id) => id !== choice.id) : [...shown, choice.id];
      const allowed = ids.length >= 1 && ids.length <= MAX_COMPARED_RUNS;
      const t = toggle(choice.name, undefined, on, () => { if (allowed) post({ type: 'resultsShow', ids }); });
      t.dataset.id = choice.id;
      if (!allowed) t.setAttribute('disabled', '');
      return t;
    });
    return el('div', { class: 'results-choices', attrs: { id: 'results-choices' } },
      el('span', {}, l10n.t({ message: 'Compare (1 to {0}):', args: [MAX_COMPARED_RUNS], comment: ['Followed by toggles, one per prompt: how many may be compared side by side.'] })), ...toggles);
  }

  private pager(state: ResultsViewState): HTMLElement {
    const go = (page: number) => post({ type: 'resultsQuery', query: { ...state.query, page } });
    return el('span', { class: 'row-picker' },
      button('◀', () => go(state.page - 1), { secondary: true, disabled: state.page <= 0, ariaLabel: l10n.t('Previous page') }),
      el('span', { attrs: { id: 'results-page' } }, l10n.t({ message: 'page {0} of {1}', args: [state.page + 1, state.pages], comment: ['A page of the results table.'] })),
      button('▶', () => go(state.page + 1), { secondary: true, disabled: state.page >= state.pages - 1, ariaLabel: l10n.t('Next page') }));
  }
}

/** An on/off button (aria-pressed): primary while on. */
function toggle(label: string, id: string | undefined, on: boolean, onChange: (on: boolean) => void): HTMLElement {
  const b = button(label, () => onChange(!on), { secondary: !on, id });
  b.setAttribute('aria-pressed', String(on));
  return b;
}

function resultsTable(state: ResultsViewState, sortBy: (sort: ResultSort) => void): HTMLElement {
  const generation = state.task === 'generation';
  const compared = state.runs.length > 1;
  const header = (label: string, sort?: ResultSort) => {
    if (!sort) return el('th', {}, label);
    const active = state.query.sort === sort;
    return el('th', { attrs: { 'aria-sort': active ? (state.query.descending ? 'descending' : 'ascending') : 'none' } },
      // data-key: the arrow changes the label, and focus stays on this button when the sorted table comes back.
      el('button', { class: 'sort', attrs: { type: 'button', 'data-sort': sort, 'data-key': `sort-${sort}` }, on: { click: () => sortBy(sort) } },
        label, active ? el('span', { attrs: { 'aria-hidden': 'true' } }, state.query.descending ? ' ▼' : ' ▲') : ''));
  };
  const runHeaders = state.runs.flatMap((name, k) => compared
    ? [header(name, k === 0 ? 'predicted' : undefined)]
    : [header(generation ? l10n.t('output') : l10n.t('prediction'), 'predicted'), header(generation ? l10n.t('scores') : l10n.t('probabilities'), 'confidence'),
      header(l10n.t({ message: 'correct', comment: ['A column heading: whether the prediction was right.'] }), 'correct')]);
  return el('table', { class: 'data results', attrs: { id: 'results-table' } },
    el('thead', {}, el('tr', {},
      header('#', 'index'), header(l10n.t({ message: 'row', comment: ['A column heading: the dataset row\'s text.'] })),
      header(generation ? l10n.t('target') : l10n.t({ message: 'gold', comment: ['A column heading: the expected label.'] }), 'gold'), ...runHeaders,
      compared ? header(l10n.t({ message: 'agree', comment: ['A column heading: whether the compared prompts gave the same answer.'] }), 'disagreement') : null)),
    el('tbody', {}, ...state.rows.map((row) => resultRow(row, compared))));
}

function resultRow(row: ResultsRowView, compared: boolean): HTMLElement {
  const open = () => post({ type: 'resultsOpenRow', index: row.index });
  const cells = compared
    ? row.cells.map((cell) => el('td', { class: cell.correct ? 'right' : 'wrong' }, el('div', { class: 'prediction' }, mark(cell), ' ', cell.predicted), el('div', { class: 'muted' }, cell.detail)))
    : [el('td', { class: 'prediction' }, row.cells[0].predicted), el('td', { class: 'muted' }, row.cells[0].detail),
      el('td', { class: row.cells[0].correct ? 'right' : 'wrong' }, mark(row.cells[0]))];
  const tr = el('tr', {
    class: `result-row ${row.cells.every((c) => c.correct) ? 'all-right' : 'has-error'}${row.disagree ? ' disagree' : ''}`,
    attrs: { tabindex: 0, 'data-index': row.index, 'data-key': `row-${row.index}`, title: l10n.t('Open this row in the prompt view') },
    on: { click: open },
  },
  el('td', { class: 'num' }, row.index), el('td', { class: 'row-text' }, row.text), el('td', {}, row.gold), ...cells,
  compared ? el('td', {}, row.disagree ? l10n.t('no') : l10n.t('yes')) : null);
  tr.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' && event.key !== ' ') return;
    event.preventDefault();
    open();
  });
  return tr;
}

function mark(cell: ResultsCellView): HTMLElement {
  return el('span', { class: 'mark', attrs: { role: 'img', 'aria-label': cell.correct ? l10n.t('correct') : l10n.t('incorrect') } }, cell.correct ? '✓' : '✗');
}
