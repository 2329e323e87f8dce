/**
 * Training dashboard: live loss and dev-accuracy chart, step and ETA, Cancel. Built once and updated in
 * place, so the Cancel button stays the same element while progress streams in (a button re-created on every
 * step could not be clicked reliably).
 */
import type { TrainingViewState } from '../../src/extension/views/protocol';
import { createChart, palette, type Chart } from '../lib/charts';
import { button, el, replaceChildren } from '../lib/dom';
import { formatNumber, formatPercent, formatSeconds } from '../lib/format';
import { post } from '../lib/host';

export class TrainingView {
  readonly root = el('section', { class: 'view training-view', attrs: { 'data-view': 'training' } });
  private readonly empty = el('div', {}, el('p', { class: 'empty' }, 'No training yet.'),
    button('Train Soft Prompt…', () => post({ type: 'runCommand', command: 'promptTuning.trainSoftPrompt' })),
    button('Find a Hard Prompt…', () => post({ type: 'runCommand', command: 'promptTuning.findHardPrompt' }), { secondary: true }),
    button('Export for a GPU cluster…', () => post({ type: 'runCommand', command: 'promptTuning.exportForCluster' }), { secondary: true }));
  private readonly title = el('span', {});
  private readonly status = el('vscode-badge', { class: 'status', attrs: { id: 'training-status', role: 'status' } });
  private readonly step = el('span', { class: 'value', attrs: { id: 'training-step' } });
  private readonly loss = el('span', { class: 'value', attrs: { id: 'training-loss' } });
  private readonly accuracy = el('span', { class: 'value', attrs: { id: 'training-accuracy' } });
  private readonly elapsed = el('span', { class: 'value' });
  private readonly eta = el('span', { class: 'value' });
  private readonly progress = el('vscode-progress-bar', { attrs: { 'aria-label': 'Training progress', max: 1 } }) as HTMLElement & { value: number; max: number };
  private readonly message = el('p', { class: 'note' });
  private readonly output = el('p', { class: 'note' });
  private readonly cancel = button('Cancel', () => { if (this.jobId) post({ type: 'cancelJob', id: this.jobId }); }, { id: 'cancel-training' });
  private readonly projection = button('Show projection', () => post({ type: 'runCommand', command: 'promptTuning.showProjection' }), { secondary: true });
  private readonly canvas = el('canvas', { attrs: { id: 'loss-chart', 'aria-label': 'Training loss and dev accuracy' } });
  private readonly dashboard = el('div', {},
    el('h2', {}, this.title, ' ', this.status),
    el('div', { class: 'stats' },
      stat('Step', this.step), stat('Loss', this.loss), stat('Dev accuracy', this.accuracy), stat('Elapsed', this.elapsed), stat('ETA', this.eta)),
    this.progress, this.message, this.output,
    el('div', { class: 'actions' }, this.cancel, this.projection),
    el('div', { class: 'chart-box' }, this.canvas));
  private chart: Chart | undefined;
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
    setText(this.status, state.status);
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
    setText(this.output, state.outputFile ? `Saved to ${state.outputFile}` : '');
    this.cancel.hidden = !(state.status === 'running' && runningJobId);
    this.projection.hidden = !state.outputFile;
    this.updateChart(state);
  }

  private updateChart(state: TrainingViewState): void {
    const loss = state.loss.map((p) => ({ x: p.step, y: p.value }));
    const acc = state.devAccuracy.map((p) => ({ x: p.step, y: p.value }));
    this.canvas.setAttribute('data-points', String(loss.length));
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
          { label: 'train loss', data: loss, yAxisID: 'loss', borderColor: blue, backgroundColor: blue, pointRadius: 0, borderWidth: 2 },
          { label: 'dev accuracy', data: acc, yAxisID: 'acc', borderColor: orange, backgroundColor: orange, pointRadius: 3, borderWidth: 2 },
        ],
      },
      options: {
        parsing: false,
        scales: {
          x: { type: 'linear', title: { display: true, text: 'step' }, min: 0 },
          loss: { type: 'linear', position: 'left', title: { display: true, text: 'loss' } },
          acc: { type: 'linear', position: 'right', min: 0, max: 1, grid: { drawOnChartArea: false }, title: { display: true, text: 'dev accuracy' } },
        },
      },
    }, (chart) => {
      const [b, o] = palette();
      Object.assign(chart.data.datasets[0], { borderColor: b, backgroundColor: b });
      Object.assign(chart.data.datasets[1], { borderColor: o, backgroundColor: o });
    });
  }
}

function stat(label: string, value: HTMLElement): HTMLElement {
  return el('div', { class: 'stat' }, el('span', { class: 'label' }, label), value);
}

function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}
