/** The side panel: model, running jobs, the active prompt's preview, and shortcuts into the Studio. */
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { UiState } from '../src/extension/views/protocol';
import { JobList, ModelLine, SliceMemo } from './lib/common';
import { button, el, replaceChildren } from './lib/dom';
import { onHostMessage, post } from './lib/host';
import { PromptView } from './views/prompt';

const prompt = new PromptView();
const modelLine = new ModelLine();
const jobList = new JobList();
const top = el('div', { class: 'top-bar' }, modelLine.root, jobList.root);
const shortcuts = el('div', { class: 'actions shortcuts' },
  button('Open Studio', () => post({ type: 'runCommand', command: 'promptTuning.openStudio' })),
  button('Train…', () => post({ type: 'runCommand', command: 'promptTuning.trainSoftPrompt' }), { secondary: true }),
  button('Find a hard prompt…', () => post({ type: 'runCommand', command: 'promptTuning.findHardPrompt' }), { secondary: true }),
  button('Export for GPU cluster…', () => post({ type: 'runCommand', command: 'promptTuning.exportForCluster' }), { secondary: true }),
  button('Benchmark…', () => post({ type: 'runCommand', command: 'promptTuning.benchmark' }), { secondary: true }),
  button('Open report…', () => post({ type: 'runCommand', command: 'promptTuning.openReport' }), { secondary: true }));
replaceChildren(document.getElementById('app')!, top, shortcuts, prompt.root);

const memo = new SliceMemo();

function render(state: UiState): void {
  modelLine.render(state.model);
  jobList.render(state.jobs);
  const promptChanged = memo.changed('prompt', state.prompt);
  if (promptChanged) prompt.render(state.prompt);
  if (memo.changed('generation', state.generation) || promptChanged) prompt.renderGeneration(state.generation);
}

onHostMessage((message) => {
  if (message.type === 'state') render(message.state);
});
post({ type: 'ready' });
