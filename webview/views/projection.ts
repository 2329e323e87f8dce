/** Projection view: each virtual token's nearest vocabulary tokens with similarity bars and percentiles, and the 2-D map. */
import type { Neighbour, ProjectionViewState } from '../../src/extension/views/protocol';
import { createChart, palette, themeColor, type Chart } from '../lib/charts';
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
      el('h3', {}, 'Nearest tokens'),
      el('div', { class: 'neighbour-grid', attrs: { id: 'neighbours' } },
        ...state.tokens.map((t) => el('div', { class: 'neighbour-card' },
          el('h4', {}, `virtual token ${t.index}`),
          el('table', { class: 'neighbours' },
            el('thead', {}, el('tr', {}, el('th', {}, 'token'), el('th', {}, 'cosine'), el('th', {}, ''), el('th', {}, 'percentile'))),
            el('tbody', {}, ...t.neighbours.map(neighbourRow)))))),
      el('h3', {}, '2-D map'),
      el('div', { class: 'chart-box map' }, canvas));
    this.chart = mapChart(canvas, state);
  }
}

function neighbourRow(n: Neighbour): HTMLElement {
  const bar = el('div', { class: 'bar' });
  // Width through the CSSOM (allowed under the CSP, unlike a style attribute in markup).
  bar.style.width = `${Math.max(0, Math.min(1, (n.similarity + 1) / 2)) * 100}%`;
  return el('tr', {},
    el('td', { class: 'token-text', title: `id ${n.id}` }, visibleWhitespace(n.token)),
    el('td', { class: 'num' }, formatNumber(n.similarity)),
    el('td', { class: 'bar-cell' }, el('div', { class: 'bar-track' }, bar)),
    el('td', { class: 'num' }, `${formatNumber(n.percentile, 2)}`));
}

function mapChart(canvas: HTMLCanvasElement, state: ProjectionViewState): Chart {
  const vocab = state.map.filter((p) => p.kind === 'vocab');
  const virtual = state.map.filter((p) => p.kind === 'virtual');
  const muted = () => themeColor('--vscode-descriptionForeground', '#888888');
  const accent = () => palette()[1];
  return createChart(canvas, {
    type: 'scatter',
    data: {
      datasets: [
        { label: 'vocabulary', data: vocab.map((p) => ({ x: p.x, y: p.y, label: p.label })), pointRadius: 2, backgroundColor: muted(), borderColor: muted() },
        { label: 'virtual tokens', data: virtual.map((p) => ({ x: p.x, y: p.y, label: p.label })), pointRadius: 6, backgroundColor: accent(), borderColor: accent() },
      ],
    },
    options: {
      parsing: false,
      plugins: {
        tooltip: { callbacks: { label: (item) => String((item.raw as { label?: string }).label ?? '') } },
      },
    },
  }, (chart) => {
    Object.assign(chart.data.datasets[0], { backgroundColor: muted(), borderColor: muted() });
    Object.assign(chart.data.datasets[1], { backgroundColor: accent(), borderColor: accent() });
  });
}
