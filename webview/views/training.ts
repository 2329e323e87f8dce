/** Training dashboard: live loss and dev-accuracy chart, step and ETA, Cancel. */
import type { TrainingViewState } from '../../src/extension/views/protocol';
import { createChart, palette, type Chart } from '../lib/charts';
import { button, el, replaceChildren } from '../lib/dom';
import { formatNumber, formatPercent, formatSeconds } from '../lib/format';
import { post } from '../lib/host';

export class TrainingView {
  readonly root = el('section', { class: 'view training-view', attrs: { 'data-view': 'training' } });
  private readonly summary = el('div', { class: 'summary' });
  private readonly canvas = el('canvas', { attrs: { id: 'loss-chart', 'aria-label': 'Training loss and dev accuracy' } });
  private readonly chartBox = el('div', { class: 'chart-box' }, this.canvas);
  private chart: Chart | undefined;

  render(state: TrainingViewState | undefined, runningJobId: string | undefined): void {
    if (!state) {
      replaceChildren(this.root, el('p', { class: 'empty' }, 'No training yet.'),
        button('Train Soft Prompt…', () => post({ type: 'runCommand', command: 'promptTuning.trainSoftPrompt' })));
      this.chart?.destroy();
      this.chart = undefined;
      return;
    }
    const lastLoss = state.loss.at(-1)?.value;
    const lastAcc = state.devAccuracy.at(-1)?.value;
    replaceChildren(this.summary,
      el('h2', {}, state.title, ' ', el('vscode-badge', { class: `status ${state.status}`, attrs: { id: 'training-status' } }, state.status)),
      el('div', { class: 'stats' },
        stat('Step', `${state.step} / ${state.totalSteps}`, 'training-step'),
        stat('Loss', formatNumber(lastLoss), 'training-loss'),
        stat('Dev accuracy', formatPercent(lastAcc), 'training-accuracy'),
        stat('Elapsed', formatSeconds(state.elapsedSeconds)),
        stat('ETA', state.status === 'running' ? formatSeconds(state.etaSeconds) : '–')),
      el('vscode-progress-bar', { attrs: { value: state.step, max: Math.max(1, state.totalSteps), 'aria-label': 'Training progress' } }),
      state.message ? el('p', { class: state.status === 'failed' ? 'error' : 'note' }, state.message) : null,
      state.outputFile ? el('p', { class: 'note' }, 'Saved to ', el('code', {}, state.outputFile)) : null,
      el('div', { class: 'actions' },
        state.status === 'running' && runningJobId
          ? button('Cancel', () => post({ type: 'cancelJob', id: runningJobId }), { id: 'cancel-training' })
          : null,
        state.status === 'done' ? button('Show projection', () => post({ type: 'runCommand', command: 'promptTuning.showProjection' }), { secondary: true }) : null));
    if (this.summary.parentNode !== this.root) replaceChildren(this.root, this.summary, this.chartBox);
    this.updateChart(state);
  }

  private updateChart(state: TrainingViewState): void {
    const loss = state.loss.map((p) => ({ x: p.step, y: p.value }));
    const acc = state.devAccuracy.map((p) => ({ x: p.step, y: p.value }));
    if (!this.chart) {
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
            x: { type: 'linear', title: { display: true, text: 'step' }, min: 0, suggestedMax: state.totalSteps },
            loss: { type: 'linear', position: 'left', title: { display: true, text: 'loss' } },
            acc: { type: 'linear', position: 'right', min: 0, max: 1, grid: { drawOnChartArea: false }, title: { display: true, text: 'dev accuracy' } },
          },
        },
      }, (chart) => {
        const [b, o] = palette();
        Object.assign(chart.data.datasets[0], { borderColor: b, backgroundColor: b });
        Object.assign(chart.data.datasets[1], { borderColor: o, backgroundColor: o });
      });
    } else {
      this.chart.data.datasets[0].data = loss;
      this.chart.data.datasets[1].data = acc;
      const x = this.chart.options.scales?.x;
      if (x) x.suggestedMax = state.totalSteps;
      this.chart.update('none');
    }
    this.canvas.setAttribute('data-points', String(loss.length));
  }
}

function stat(label: string, value: string, id?: string): HTMLElement {
  return el('div', { class: 'stat' }, el('span', { class: 'label' }, label), el('span', { class: 'value', attrs: { id } }, value));
}
