/** Projection view: each virtual token's nearest vocabulary tokens with similarity bars and percentiles, and the 2-D map. */
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
      replaceChildren(this.root, el('p', { class: 'empty' }, 'No projection yet.'),
        button('Show Soft Prompt Projection…', () => post({ type: 'runCommand', command: 'promptTuning.showProjection' })));
      return;
    }
    const canvas = el('canvas', { attrs: { id: 'projection-map', 'aria-label': '2-D map of virtual and vocabulary tokens' } });
    replaceChildren(this.root,
      el('header', { class: 'view-header' }, el('h2', {}, 'Projection of ', el('code', {}, state.source))),
      el('div', { class: 'actions' },
        button('Copy as hard prompt', () => post({ type: 'copyHardPrompt' }), { id: 'copy-hard-prompt' }),
        button('Save as .prompt', () => post({ type: 'saveAsPrompt' }), { secondary: true, id: 'save-as-prompt' })),
      el('h3', {}, 'Nearest-token reading'),
      el('pre', { class: 'rendered', attrs: { id: 'hard-prompt' } }, state.hardPrompt),
      ...gapSection(state),
      el('h3', {}, 'Nearest tokens'),
      el('p', { class: 'muted' }, `Bars: ${state.scoreLabel}. Percentile: how far the virtual token sits from the vocabulary, `
        + `against the real tokens' own nearest-neighbour ${state.distanceLabel} (median ${formatNumber(state.medianDistance)}); high means off the vocabulary.`),
      el('div', { class: 'neighbour-grid', attrs: { id: 'neighbours' } },
        ...state.tokens.map((t) => el('div', { class: 'neighbour-card' },
          el('h4', {}, `virtual token ${t.index}`),
          el('p', { class: 'muted percentile' }, `nearest ${state.distanceLabel} ${formatNumber(t.nearestDistance)} · percentile ${formatNumber(t.percentile, 1)}`),
          el('table', { class: 'neighbours' },
            el('thead', {}, el('tr', {}, el('th', {}, 'token'), el('th', {}, state.scoreLabel), el('th', {}, ''))),
            el('tbody', {}, ...t.neighbours.map(neighbourRow)))))),
      el('h3', {}, '2-D map'),
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
    ? `Dev accuracy on ${gap.rows} rows of ${gap.data}: soft prompt ${pct(gap.soft!)} · projection ${pct(gap.projected!)} · gap ${(100 * (gap.soft! - gap.projected!)).toFixed(1)} points`
    : gap.status === 'running' ? `Measuring the soft prompt and its projection on ${gap.data}…`
      : gap.status === 'failed' ? `The projection gap could not be measured: ${gap.message ?? ''}`
        : `No projection gap: ${gap.message ?? ''}`;
  return [
    el('h3', {}, 'Projection gap'),
    el('p', { attrs: { id: 'projection-gap', role: 'status' } }, line),
    el('p', { class: 'muted' }, gap.note),
  ];
}

function neighbourRow(n: Neighbour): HTMLElement {
  const bar = el('div', { class: 'bar' });
  // Width through the CSSOM (allowed under the CSP, unlike a style attribute in markup).
  bar.style.width = `${Math.max(0, Math.min(1, n.bar)) * 100}%`;
  return el('tr', {},
    el('td', { class: 'token-text', title: `id ${n.id}: ${JSON.stringify(n.token)}` }, n.display),
    el('td', { class: 'num' }, formatNumber(n.score)),
    el('td', { class: 'bar-cell' }, el('div', { class: 'bar-track' }, bar)));
}

function mapChart(canvas: HTMLCanvasElement, state: ProjectionViewState): Chart {
  const points = (kind: ProjectionViewState['map'][number]['kind']) => state.map.filter((p) => p.kind === kind).map((p) => ({ x: p.x, y: p.y, label: p.label }));
  const colors = () => ({ vocab: themeColor('--vscode-descriptionForeground', '#888888'), neighbour: palette()[0], virtual: palette()[1] });
  const c = colors();
  const axis = (i: 0 | 1) => `PC${i + 1}${state.explainedVariance ? ` (${(100 * state.explainedVariance[i]).toFixed(1)}% of variance)` : ''}`;
  return createChart(canvas, {
    type: 'scatter',
    data: {
      datasets: [
        { label: 'vocabulary sample', data: points('vocab'), pointRadius: 1.5, backgroundColor: c.vocab, borderColor: c.vocab },
        { label: 'nearest tokens', data: points('neighbour'), pointRadius: 3.5, backgroundColor: c.neighbour, borderColor: c.neighbour },
        { label: 'virtual tokens', data: points('virtual'), pointRadius: 6, pointStyle: 'rectRot', backgroundColor: c.virtual, borderColor: c.virtual },
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
