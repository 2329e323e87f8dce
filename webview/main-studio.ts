/** The Studio editor panel: prompt, training, projection, benchmark and playground views as tabs. */
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import * as l10n from '@vscode/l10n';
import { bundleFromAttribute, configureSharedL10n } from '../src/common/sharedL10n';
import { VIEW_NAMES, type UiState, type ViewName } from '../src/extension/views/protocol';
import { JobList, ModelLine, SliceMemo } from './lib/common';
import { el, replaceChildren } from './lib/dom';
import { loadUiState, onHostMessage, post, saveUiState } from './lib/host';
import { BenchmarkView } from './views/benchmark';
import { DatasetView } from './views/dataset';
import { PlaygroundView } from './views/playground';
import { ProjectionView } from './views/projection';
import { PromptView } from './views/prompt';
import { ResultsView } from './views/results';
import { TrainingView } from './views/training';

// Before the first text: the host's translations (none in English) from the page (src/extension/views/html.ts).
configureSharedL10n(bundleFromAttribute(document.body.dataset.l10n));

function tabTitle(view: ViewName): string {
  switch (view) {
    case 'prompt': return l10n.t({ message: 'Prompt', comment: ['A Studio tab.'] });
    case 'training': return l10n.t({ message: 'Training', comment: ['A Studio tab.'] });
    case 'projection': return l10n.t({ message: 'Projection', comment: ['A Studio tab.'] });
    case 'benchmark': return l10n.t({ message: 'Benchmark', comment: ['A Studio tab.'] });
    case 'playground': return l10n.t({ message: 'Playground', comment: ['A Studio tab.'] });
    case 'results': return l10n.t({ message: 'Results', comment: ['A Studio tab.'] });
    case 'dataset': return l10n.t({ message: 'Dataset', comment: ['A Studio tab.'] });
  }
}

const ui = loadUiState({ view: 'prompt' as ViewName, focusSeq: 0 });
const views = { prompt: new PromptView(), training: new TrainingView(), projection: new ProjectionView(), benchmark: new BenchmarkView(), playground: new PlaygroundView(), results: new ResultsView(), dataset: new DatasetView() };
const modelLine = new ModelLine();
const jobList = new JobList();
const top = el('div', { class: 'top-bar' }, modelLine.root, jobList.root);
const tabs = el('vscode-tabs', { attrs: { panel: true } },
  ...VIEW_NAMES.flatMap((name) => [
    el('vscode-tab-header', { attrs: { slot: 'header', 'data-view': name } }, tabTitle(name)),
    el('vscode-tab-panel', {}, views[name].root),
  ])) as HTMLElement & { selectedIndex: number };
tabs.addEventListener('vsc-tabs-select', (event) => {
  ui.view = VIEW_NAMES[(event as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex] ?? 'prompt';
  saveUiState(ui);
});
tabs.selectedIndex = VIEW_NAMES.indexOf(ui.view);
replaceChildren(document.getElementById('app')!, top, tabs);

function select(view: ViewName): void {
  ui.view = view;
  tabs.selectedIndex = VIEW_NAMES.indexOf(view);
  saveUiState(ui);
}

const memo = new SliceMemo();

function render(state: UiState): void {
  modelLine.render(state.model);
  jobList.render(state.jobs);
  const promptChanged = memo.changed('prompt', state.prompt);
  if (promptChanged) views.prompt.render(state.prompt);
  if (memo.changed('generation', state.generation) || promptChanged) views.prompt.renderGeneration(state.generation);
  const trainingJob = state.jobs.find((j) => j.id === state.training?.jobId);
  if (memo.changed('training', [state.training, trainingJob?.id])) views.training.render(state.training, trainingJob?.id);
  if (memo.changed('projection', state.projection)) views.projection.render(state.projection);
  if (memo.changed('benchmark', state.benchmark)) views.benchmark.render(state.benchmark);
  if (memo.changed('results', state.results)) views.results.render(state.results);
  if (memo.changed('dataset', state.dataset)) views.dataset.render(state.dataset);
  const playground = state.playground;
  const form = playground && { file: playground.file, task: playground.task, inputs: playground.inputs, values: playground.values, rowCount: playground.rowCount, softPrompt: playground.softPrompt, settings: playground.settings };
  const formChanged = memo.changed('playgroundForm', form);
  const runChanged = memo.changed('playgroundRun', playground && [playground.jobId, playground.columns, playground.projectedText, playground.message]);
  // The form is rebuilt only when what it shows changes, so typing is not lost while the columns stream.
  if (formChanged) views.playground.renderForm(playground);
  else if (runChanged) views.playground.renderRun(playground);
  if (state.focus && state.focus.seq !== ui.focusSeq) {
    ui.focusSeq = state.focus.seq;
    select(state.focus.view);
  }
}

onHostMessage((message) => {
  if (message.type === 'state') render(message.state);
});
post({ type: 'ready' });
