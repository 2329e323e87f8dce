/**
 * Training dashboard: live loss and dev-accuracy chart, step and ETA, Cancel; or recorded trainings' curves
 * overlaid (the Runs view's Compare Curves), with a table of their numbers. Built once and updated in
 * place, so the Cancel button stays the same element while progress streams in (a button re-created on every
 * step could not be clicked reliably).
 */
import * as l10n from '@vscode/l10n';
import type { CurveOverlay, TrainingStatus, TrainingViewState } from '../../src/extension/views/protocol';
import { chartFigure, createChart, palette, type Chart } from '../lib/charts';
import { button, el, replaceChildren } from '../lib/dom';
import { formatNumber, formatPercent, formatSeconds } from '../lib/format';
import { post } from '../lib/host';

export class TrainingView {
  readonly root = el('section', { class: 'view training-view', attrs: { 'data-view': 'training' } });
  private readonly empty = el('div', {}, el('p', { class: 'empty' }, l10n.t('No training yet.')),
    button(l10n.t('Train Soft Prompt…'), () => post({ type: 'runCommand', command: 'promptTuning.trainSoftPrompt' })),
    button(l10n.t('Find a Hard Prompt…'), () => post({ type: 'runCommand', command: 'promptTuning.findHardPrompt' }), { secondary: true }),
    button(l10n.t('Export for a GPU cluster…'), () => post({ type: 'runCommand', command: 'promptTuning.exportForCluster' }), { secondary: true }));
  private readonly title = el('span', {});
  private readonly status = el('vscode-badge', { class: 'status', attrs: { id: 'training-status', role: 'status' } });
  private readonly step = el('span', { class: 'value', attrs: { id: 'training-step' } });
  private readonly loss = el('span', { class: 'value', attrs: { id: 'training-loss' } });
  private readonly accuracy = el('span', { class: 'value', attrs: { id: 'training-accuracy' } });
  private readonly elapsed = el('span', { class: 'value' });
  private readonly eta = el('span', { class: 'value' });
  private readonly progress = el('vscode-progress-bar', { attrs: { 'aria-label': l10n.t('Training progress'), max: 1 } }) as HTMLElement & { value: number; max: number };
  private readonly message = el('p', { class: 'note' });
  private readonly output = el('p', { class: 'note' });
  private readonly cancel = button(l10n.t('Cancel'), () => { if (this.jobId) post({ type: 'cancelJob', id: this.jobId }); }, { id: 'cancel-training' });
  private readonly projection = button(l10n.t('Show projection'), () => post({ type: 'runCommand', command: 'promptTuning.showProjection' }), { secondary: true });
  private readonly canvas = el('canvas', { attrs: { id: 'loss-chart', 'aria-label': l10n.t('Training loss and dev accuracy') } });
  private readonly compareTable = el('table', { class: 'data', attrs: { id: 'compare-table', 'aria-label': l10n.t('Compared trainings') } });
  private readonly stats = el('div', { class: 'stats' },
    stat(l10n.t('Step'), this.step), stat(l10n.t('Loss'), this.loss), stat(l10n.t('Dev accuracy'), this.accuracy), stat(l10n.t('Elapsed'), this.elapsed),
    stat(l10n.t({ message: 'ETA', comment: ['Estimated time left.'] }), this.eta));
  private readonly dashboard = el('div', {},
    el('h2', {}, this.title, ' ', this.status),
    this.stats,
    this.progress, this.message, this.output,
    el('div', { class: 'actions' }, this.cancel, this.projection),
    chartFigure(this.canvas),
    this.compareTable);
  private chart: Chart | undefined;
  /** What the chart's datasets are for: one run, or the labels of the compared runs (a change rebuilds the chart). */
  private chartKey = '';
  private jobId: string | undefined;

  render(state: TrainingViewState | undefined, runningJobId: string | undefined): void {
    if (!state) {
      this.chart?.destroy();
      this.chart = undefined;
      if (this.empty.parentNode !== this.root) replaceChildren(this.root, this.empty);
      return;
    }
    if (this.dashboard.parentNode !== this.root) replaceChildren(this.root, this.dashboard);
    this.jobId = runningJobId;
    setText(this.title, state.title);
    setText(this.status, trainingStatus(state.status));
    this.status.className = `status ${state.status}`;
    setText(this.step, `${state.step} / ${state.totalSteps || '–'}`);
    setText(this.loss, formatNumber(state.loss.at(-1)?.value));
    setText(this.accuracy, formatPercent(state.devAccuracy.at(-1)?.value));
    setText(this.elapsed, formatSeconds(state.elapsedSeconds));
    setText(this.eta, state.status === 'running' ? formatSeconds(state.etaSeconds) : '–');
    this.progress.max = Math.max(1, state.totalSteps);
    this.progress.value = state.step;
    setText(this.message, state.message ?? '');
    this.message.className = state.status === 'failed' ? 'error' : 'note';
    setText(this.output, state.outputFile ? l10n.t('Saved to {0}', state.outputFile) : '');
    this.cancel.hidden = !(state.status === 'running' && runningJobId);
    this.projection.hidden = !state.outputFile;
    // Comparing: the table has each run's numbers; one run's status, stats and progress would mislead.
    this.status.hidden = this.stats.hidden = this.progress.hidden = state.compare !== undefined;
    this.renderCompareTable(state.compare);
    if (state.compare) this.updateCompareChart(state.compare);
    else this.updateChart(state);
  }

  private renderCompareTable(compare: CurveOverlay[] | undefined): void {
    this.compareTable.hidden = !compare;
    if (!compare) return;
    const header = el('tr', {}, ...[l10n.t('Training'), l10n.t('Status'), l10n.t('Steps'), l10n.t('Last loss'), l10n.t('Best dev accuracy')].map((h) => el('th', {}, h)));
    const rows = compare.map((c) => {
      const best = c.devAccuracy.length > 0 ? Math.max(...c.devAccuracy.map((p) => p.value)) : undefined;
      return el('tr', {}, el('td', {}, c.label), el('td', {}, trainingStatus(c.status)), el('td', {}, String(c.loss.at(-1)?.step ?? '–')),
        el('td', {}, formatNumber(c.loss.at(-1)?.value)), el('td', {}, formatPercent(best)));
    });
    replaceChildren(this.compareTable, header, ...rows);
  }

  /** One loss line (solid) and one dev-accuracy line (dashed) per compared training, in that training's colour. */
  private updateCompareChart(compare: CurveOverlay[]): void {
    const key = `compare:${JSON.stringify(compare.map((c) => c.label))}`;
    this.canvas.setAttribute('data-points', String(compare.reduce((n, c) => n + c.loss.length, 0)));
    this.canvas.setAttribute('data-series', String(compare.length));
    if (this.chart && this.chartKey === key) return;
    this.chart?.destroy();
    this.chartKey = key;
    const datasets = (colors: string[]) => compare.flatMap((c, i) => {
      const color = colors[i % colors.length];
      return [
        { label: l10n.t({ message: '{0}: loss', args: [c.label], comment: ['A chart series: {0} names a training.'] }), data: c.loss.map((p) => ({ x: p.step, y: p.value })), yAxisID: 'loss', borderColor: color, backgroundColor: color, pointRadius: 0, borderWidth: 2 },
        { label: l10n.t({ message: '{0}: dev accuracy', args: [c.label], comment: ['A chart series: {0} names a training.'] }), data: c.devAccuracy.map((p) => ({ x: p.step, y: p.value })), yAxisID: 'acc', borderColor: color, backgroundColor: color, pointRadius: 3, borderWidth: 2, borderDash: [6, 4] },
      ];
    });
    this.chart = createChart(this.canvas, {
      type: 'line',
      data: { datasets: datasets(palette()) },
      options: {
        parsing: false,
        scales: {
          x: { type: 'linear', title: { display: true, text: l10n.t({ message: 'step', comment: ['A chart axis: training steps.'] }) }, min: 0 },
          loss: { type: 'linear', position: 'left', title: { display: true, text: l10n.t('loss (solid)') } },
          acc: { type: 'linear', position: 'right', min: 0, max: 1, grid: { drawOnChartArea: false }, title: { display: true, text: l10n.t('dev accuracy (dashed)') } },
        },
      },
    }, (chart) => {
      const colors = palette();
      chart.data.datasets.forEach((d, k) => Object.assign(d, { borderColor: colors[Math.floor(k / 2) % colors.length], backgroundColor: colors[Math.floor(k / 2) % colors.length] }));
    }, l10n.t('Compared trainings: loss and dev accuracy'));
  }

  private updateChart(state: TrainingViewState): void {
    const loss = state.loss.map((p) => ({ x: p.step, y: p.value }));
    const acc = state.devAccuracy.map((p) => ({ x: p.step, y: p.value }));
    this.canvas.setAttribute('data-points', String(loss.length));
    this.canvas.removeAttribute('data-series');
    if (this.chart && this.chartKey !== 'single') {
      this.chart.destroy();
      this.chart = undefined;
    }
    this.chartKey = 'single';
    if (this.chart) {
      this.chart.data.datasets[0].data = loss;
      this.chart.data.datasets[1].data = acc;
      this.chart.update('none');
      return;
    }
    const [blue, orange] = palette();
    this.chart = createChart(this.canvas, {
      type: 'line',
      data: {
        datasets: [
          { label: l10n.t('train loss'), data: loss, yAxisID: 'loss', borderColor: blue, backgroundColor: blue, pointRadius: 0, borderWidth: 2 },
          { label: l10n.t('dev accuracy'), data: acc, yAxisID: 'acc', borderColor: orange, backgroundColor: orange, pointRadius: 3, borderWidth: 2 },
        ],
      },
      options: {
        parsing: false,
        scales: {
          x: { type: 'linear', title: { display: true, text: l10n.t({ message: 'step', comment: ['A chart axis: training steps.'] }) }, min: 0 },
          loss: { type: 'linear', position: 'left', title: { display: true, text: l10n.t('loss') } },
          acc: { type: 'linear', position: 'right', min: 0, max: 1, grid: { drawOnChartArea: false }, title: { display: true, text: l10n.t('dev accuracy') } },
        },
      },
    }, (chart) => {
      const [b, o] = palette();
      Object.assign(chart.data.datasets[0], { borderColor: b, backgroundColor: b });
      Object.assign(chart.data.datasets[1], { borderColor: o, backgroundColor: o });
    }, l10n.t('Training loss and dev accuracy'));
  }
}

/** A training's status in words (the data-status and class keep the English key). */
function trainingStatus(status: TrainingStatus): string {
  switch (status) {
    case 'running': return l10n.t({ message: 'running', comment: ['A training\'s status.'] });
    case 'done': return l10n.t({ message: 'done', comment: ['A training\'s status.'] });
    case 'cancelled': return l10n.t({ message: 'cancelled', comment: ['A training\'s status.'] });
    case 'failed': return l10n.t({ message: 'failed', comment: ['A training\'s status.'] });
    case 'interrupted': return l10n.t({ message: 'interrupted', comment: ['A training\'s status: the window closed while it ran.'] });
  }
}

function stat(label: string, value: HTMLElement): HTMLElement {
  return el('div', { class: 'stat' }, el('span', { class: 'label' }, label), value);
}

function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}
