/** Projection view: each virtual token's nearest vocabulary tokens with similarity bars and percentiles, and the 2-D map. */
import * as l10n from '@vscode/l10n';
import type { Neighbour, ProjectionViewState } from '../../src/extension/views/protocol';
import { chartFigure, createChart, palette, themeColor, type Chart } from '../lib/charts';
import { button, el, replaceChildren } from '../lib/dom';
import { formatNumber, visibleWhitespace } from '../lib/format';
import { post } from '../lib/host';

export class ProjectionView {
  readonly root = el('section', { class: 'view projection-view', attrs: { 'data-view': 'projection' } });
  private chart: Chart | undefined;

  render(state: ProjectionViewState | undefined): void {
    this.chart?.destroy();
    this.chart = undefined;
    if (!state) {
      replaceChildren(this.root, el('p', { class: 'empty' }, l10n.t('No projection yet.')),
        button(l10n.t('Show Soft Prompt Projection…'), () => post({ type: 'runCommand', command: 'promptTuning.showProjection' })));
      return;
    }
    const canvas = el('canvas', { attrs: { id: 'projection-map', 'aria-label': l10n.t('2-D map of virtual and vocabulary tokens') } });
    replaceChildren(this.root,
      el('header', { class: 'view-header' }, el('h2', {}, l10n.t({ message: 'Projection of', comment: ['Followed by the soft prompt file\'s name.'] }), ' ', el('code', {}, state.source))),
      el('div', { class: 'actions' },
        button(l10n.t('Copy as hard prompt'), () => post({ type: 'copyHardPrompt' }), { id: 'copy-hard-prompt' }),
        button(l10n.t('Save as .prompt'), () => post({ type: 'saveAsPrompt' }), { secondary: true, id: 'save-as-prompt' })),
      el('h3', {}, l10n.t('Nearest-token reading')),
      el('pre', { class: 'rendered', attrs: { id: 'hard-prompt' } }, state.hardPrompt),
      ...gapSection(state),
      el('h3', {}, l10n.t('Nearest tokens')),
      el('p', { class: 'muted' }, l10n.t({
        message: 'Bars: {0}. Percentile: how far the virtual token sits from the vocabulary, against the real tokens\' own nearest-neighbour {1} (median {2}); high means off the vocabulary.',
        args: [state.scoreLabel, state.distanceLabel, formatNumber(state.medianDistance)],
        comment: ['{0}: the similarity measure (e.g. "cosine similarity"); {1}: the distance measure; {2}: a number.'],
      })),
      el('div', { class: 'neighbour-grid', attrs: { id: 'neighbours' } },
        ...state.tokens.map((t) => el('div', { class: 'neighbour-card' },
          el('h4', {}, l10n.t('virtual token {0}', t.index)),
          el('p', { class: 'muted percentile' }, l10n.t({ message: 'nearest {0} {1} · percentile {2}', args: [state.distanceLabel, formatNumber(t.nearestDistance), formatNumber(t.percentile, 1)], comment: ['{0}: the distance measure; {1}, {2}: numbers.'] })),
          el('table', { class: 'neighbours' },
            el('thead', {}, el('tr', {}, el('th', {}, l10n.t('token')), el('th', {}, state.scoreLabel), el('th', {}, ''))),
            el('tbody', {}, ...t.neighbours.map(neighbourRow)))))),
      el('h3', {}, l10n.t('2-D map')),
      chartFigure(canvas, 'chart-box map'));
    this.chart = mapChart(canvas, state);
  }
}

/** The soft prompt's and the projection's accuracy on the same dev rows, and what the gap means. */
function gapSection(state: ProjectionViewState): HTMLElement[] {
  const gap = state.gap;
  if (!gap) return [];
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const line = gap.status === 'done'
    ? l10n.t({
      message: 'Dev accuracy on {0} rows of {1}: soft prompt {2} · projection {3} · gap {4} points',
      args: [gap.rows ?? 0, gap.data ?? '', pct(gap.soft!), pct(gap.projected!), (100 * (gap.soft! - gap.projected!)).toFixed(1)],
      comment: ['{1}: a dataset file; {2}, {3}: accuracies in percent; {4}: their difference in percentage points.'],
    })
    : gap.status === 'running' ? l10n.t('Measuring the soft prompt and its projection on {0}…', gap.data ?? '')
      : gap.status === 'failed' ? l10n.t('The projection gap could not be measured: {0}', gap.message ?? '')
        : l10n.t('No projection gap: {0}', gap.message ?? '');
  return [
    el('h3', {}, l10n.t('Projection gap')),
    el('p', { attrs: { id: 'projection-gap', role: 'status' } }, line),
    el('p', { class: 'muted' }, gap.note),
  ];
}

function neighbourRow(n: Neighbour): HTMLElement {
  const bar = el('div', { class: 'bar' });
  // Width through the CSSOM (allowed under the CSP, unlike a style attribute in markup).
  bar.style.width = `${Math.max(0, Math.min(1, n.bar)) * 100}%`;
  return el('tr', {},
    el('td', { class: 'token-text', title: l10n.t({ message: 'id {0}: {1}', args: [n.id, JSON.stringify(n.token)], comment: ['A token\'s tooltip: {0} its id in the vocabulary, {1} its text in quotes.'] }) }, n.display),
    el('td', { class: 'num' }, formatNumber(n.score)),
    el('td', { class: 'bar-cell' }, el('div', { class: 'bar-track' }, bar)));
}

function mapChart(canvas: HTMLCanvasElement, state: ProjectionViewState): Chart {
  const points = (kind: ProjectionViewState['map'][number]['kind']) => state.map.filter((p) => p.kind === kind).map((p) => ({ x: p.x, y: p.y, label: p.label }));
  const colors = () => ({ vocab: themeColor('--vscode-descriptionForeground', '#888888'), neighbour: palette()[0], virtual: palette()[1] });
  const c = colors();
  const axis = (i: 0 | 1) => (state.explainedVariance
    ? l10n.t({ message: 'PC{0} ({1}% of variance)', args: [i + 1, (100 * state.explainedVariance[i]).toFixed(1)], comment: ['A principal component axis: PC1, PC2.'] })
    : `PC${i + 1}`);
  return createChart(canvas, {
    type: 'scatter',
    data: {
      datasets: [
        { label: l10n.t('vocabulary sample'), data: points('vocab'), pointRadius: 1.5, backgroundColor: c.vocab, borderColor: c.vocab },
        { label: l10n.t('nearest tokens'), data: points('neighbour'), pointRadius: 3.5, backgroundColor: c.neighbour, borderColor: c.neighbour },
        { label: l10n.t('virtual tokens'), data: points('virtual'), pointRadius: 6, pointStyle: 'rectRot', backgroundColor: c.virtual, borderColor: c.virtual },
      ],
    },
    options: {
      parsing: false,
      scales: { x: { title: { display: true, text: axis(0) } }, y: { title: { display: true, text: axis(1) } } },
      plugins: {
        // Tooltip text is drawn on the canvas: plain text by construction.
        tooltip: { callbacks: { label: (item) => String((item.raw as { label?: string }).label ?? '') } },
      },
    },
  }, (chart) => {
    const fresh = colors();
    [fresh.vocab, fresh.neighbour, fresh.virtual].forEach((color, i) => Object.assign(chart.data.datasets[i], { backgroundColor: color, borderColor: color }));
  });
}
