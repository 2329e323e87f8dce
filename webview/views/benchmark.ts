/** Benchmark view: the tables and charts of a report.json (already validated by the extension host). */
import * as l10n from '@vscode/l10n';
import type { BenchReport, PromptResult } from '../../src/bench/report/schema';
import * as fmt from '../../src/bench/report/format';
import { GENERATION_HEADLINE, GENERATION_METRICS } from '../../src/eval/metrics';
import { perClassTable, resultsTable, tableTree, type ElementFactory, type TableModel } from '../../src/bench/report/table';
import type { BenchmarkViewState } from '../../src/extension/views/protocol';
import { chartFigure, createChart, palette, type Chart } from '../lib/charts';
import { button, el, replaceChildren } from '../lib/dom';
import { post } from '../lib/host';

export class BenchmarkView {
  readonly root = el('section', { class: 'view benchmark-view', attrs: { 'data-view': 'benchmark' } });
  private charts: Chart[] = [];

  render(state: BenchmarkViewState | undefined): void {
    for (const chart of this.charts) chart.destroy();
    this.charts = [];
    if (!state) {
      replaceChildren(this.root, el('p', { class: 'empty' }, l10n.t('No benchmark report open.')),
        el('div', { class: 'actions' },
          button(l10n.t('Open report.json…'), () => post({ type: 'runCommand', command: 'promptTuning.openReport' })),
          button(l10n.t('Benchmark Prompts…'), () => post({ type: 'runCommand', command: 'promptTuning.benchmark' }), { secondary: true })));
      return;
    }
    const report = state.report as BenchReport;
    const generation = report.task === 'generation';
    const accuracyCanvas = el('canvas', { attrs: { id: 'accuracy-chart', 'aria-label': l10n.t('Accuracy per prompt with bootstrap interval') } });
    const curves = report.prompts.filter((p) => p.trainingCurve && p.trainingCurve.length > 0);
    const curveCanvas = curves.length > 0 ? el('canvas', { attrs: { id: 'curve-chart', 'aria-label': l10n.t('Training curves') } }) : undefined;
    replaceChildren(this.root,
      el('header', { class: 'view-header' },
        el('h2', {}, l10n.t('Benchmark'), ' ', el('code', {}, state.file)),
        el('p', { class: 'muted' },
          [l10n.t('Model {0}', report.model.nameOrPath),
            report.dataset.skipped
              ? l10n.t({ message: '{0} rows of {1} ({2} skipped)', args: [report.dataset.n, report.dataset.file, report.dataset.skipped], comment: ['{1}: a dataset file; {2}: rows that could not be read.'] })
              : l10n.t({ message: '{0} rows of {1}', args: [report.dataset.n, report.dataset.file], comment: ['{1}: a dataset file.'] }),
            report.createdAt].join(' · ')),
        el('p', { class: 'muted' }, el('code', {}, report.command))),
      el('div', { class: 'actions' },
        button(l10n.t('Open another report…'), () => post({ type: 'runCommand', command: 'promptTuning.openReport' }), { secondary: true })),
      el('h3', {}, l10n.t('Results')),
      ...resultsSection(report),
      el('h3', {}, generation ? fmt.headlineName(report) : l10n.t('Accuracy')),
      chartFigure(accuracyCanvas),
      curveCanvas ? el('h3', {}, l10n.t('Training curves')) : null,
      curveCanvas ? chartFigure(curveCanvas) : null,
      el('h3', {}, generation ? l10n.t('Outputs') : l10n.t('Confusion matrices')),
      generation ? outputs(report) : el('div', { class: 'confusion-grid' }, ...report.prompts.map(confusion)));
    this.charts.push(accuracyChart(accuracyCanvas, report.prompts));
    if (curveCanvas) this.charts.push(curveChart(curveCanvas, curves));
  }
}

function table(header: string[], rows: (string | Node)[][], options: { id?: string; numeric?: boolean[] } = {}): HTMLElement {
  return el('table', { class: 'data', attrs: { id: options.id } },
    el('thead', {}, el('tr', {}, ...header.map((h) => el('th', {}, h)))),
    el('tbody', {}, ...rows.map((cells) => el('tr', {}, ...cells.map((c, i) => el('td', { class: options.numeric?.[i] ? 'num' : '' }, c))))));
}

/** A table model (src/bench/report/table.ts: the one definition every rendering shares) as elements; text stays text. */
function modelTable(model: TableModel, attrs: Record<string, string>): HTMLElement {
  const element: ElementFactory<HTMLElement> = (tag, a, children) => el(tag, { attrs: a }, ...children);
  return tableTree(model, element, attrs);
}

/** The results table and its notes. */
function resultsSection(report: BenchReport): HTMLElement[] {
  const results = resultsTable(report);
  const notes = results.notes.length > 0 ? [el('div', { class: 'comparison', attrs: { id: 'results-notes' } }, ...results.notes.map((line) => el('p', {}, line)))] : [];
  return [modelTable(results, { id: 'results-table', class: 'data' }), ...notes];
}

/** The first rows' gold answers and each prompt's output (text nodes: model output is never markup). */
function outputs(report: BenchReport): HTMLElement {
  const rows = Math.max(0, ...report.prompts.map((p) => p.samples?.length ?? 0));
  const cards: HTMLElement[] = [];
  for (let r = 0; r < rows; r++) {
    const target = report.prompts.find((p) => p.samples?.[r])?.samples?.[r].target ?? '';
    cards.push(el('div', { class: 'confusion-card' },
      el('h4', {}, l10n.t({ message: 'Row {0} · gold: {1}', args: [r + 1, target], comment: ['{1}: the expected answer of dataset row {0}.'] })),
      table([l10n.t('prompt'), l10n.t('output'), 'EM', l10n.t('contains'), 'F1', 'ROUGE-L'], report.prompts.filter((p) => p.samples?.[r]).map((p) => {
        const s = p.samples![r];
        return [p.name, el('pre', { class: 'output' }, s.output), String(s.exact), String(s.contains), fmt.fixed(s.f1), fmt.fixed(s.rougeL)];
      }), { numeric: [false, false, true, true, true, true] })));
  }
  return el('div', { class: 'outputs-grid', attrs: { id: 'outputs' } }, ...cards);
}

function confusion(p: PromptResult): HTMLElement {
  const metrics = p.metrics!;
  const labels = metrics.labels;
  return el('div', { class: 'confusion-card' },
    el('h4', {}, p.name),
    table([l10n.t({ message: 'gold \\ predicted', comment: ['The corner of a confusion matrix: rows are gold labels, columns predicted ones.'] }), ...labels], metrics.confusion.map((row, i) => [labels[i] ?? String(i), ...row.map(String)])),
    modelTable(perClassTable(metrics.perClass), { class: 'data' }));
}

function accuracyChart(canvas: HTMLCanvasElement, prompts: PromptResult[]): Chart {
  const colors = () => prompts.map((p) => palette()[p.kind === 'hard' ? 0 : p.kind === 'soft' ? 1 : 2]);
  return createChart(canvas, {
    type: 'bar',
    data: {
      labels: prompts.map((p) => p.name),
      datasets: [
        // A lower `order` is drawn on top: the interval is a thin floating bar over the accuracy bar.
        { label: prompts[0]?.metrics ? l10n.t('accuracy') : GENERATION_METRICS.find((m) => m.id === GENERATION_HEADLINE)!.name, data: prompts.map((p) => fmt.headline(p).value), backgroundColor: colors(), order: 1 },
        { label: l10n.t('95% bootstrap interval'), data: prompts.map((p) => [fmt.headline(p).ci.low, fmt.headline(p).ci.high]), backgroundColor: 'rgba(128,128,128,0.75)', barPercentage: 0.12, grouped: false, order: 0 },
      ],
    },
    // The x title is not drawn (the bars are labelled); it names the categories in the chart's data table.
    options: { scales: { x: { title: { display: false, text: l10n.t('prompt') } }, y: { min: 0, max: 1, title: { display: true, text: prompts[0]?.metrics ? l10n.t('accuracy') : GENERATION_METRICS.find((m) => m.id === GENERATION_HEADLINE)!.name } } } },
  }, (chart) => { chart.data.datasets[0].backgroundColor = colors(); });
}

function curveChart(canvas: HTMLCanvasElement, prompts: PromptResult[]): Chart {
  const datasets = () => prompts.map((p, i) => {
    const color = palette()[i % palette().length];
    return { label: l10n.t({ message: '{0} loss', args: [p.name], comment: ['A chart series: the training loss of prompt {0}.'] }), data: (p.trainingCurve ?? []).map((c) => ({ x: c.step, y: c.loss })), borderColor: color, backgroundColor: color, pointRadius: 0, borderWidth: 2 };
  });
  return createChart(canvas, {
    type: 'line',
    data: { datasets: datasets() },
    options: { parsing: false, scales: { x: { type: 'linear', title: { display: true, text: l10n.t({ message: 'step', comment: ['A chart axis: training steps.'] }) } }, y: { title: { display: true, text: l10n.t('loss') } } } },
  }, (chart) => {
    const fresh = datasets();
    chart.data.datasets.forEach((d, i) => Object.assign(d, { borderColor: fresh[i].borderColor, backgroundColor: fresh[i].backgroundColor }));
  });
}
