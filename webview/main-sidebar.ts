/** The side panel: model, running jobs, the active prompt's preview, and shortcuts into the Studio. */
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import * as l10n from '@vscode/l10n';
import { bundleFromAttribute, configureSharedL10n } from '../src/common/sharedL10n';
import type { UiState } from '../src/extension/views/protocol';
import { JobList, ModelLine, SliceMemo } from './lib/common';
import { button, el, replaceChildren } from './lib/dom';
import { onHostMessage, post } from './lib/host';
import { PromptView } from './views/prompt';

// Before the first text: the host's translations (none in English) from the page (src/extension/views/html.ts).
configureSharedL10n(bundleFromAttribute(document.body.dataset.l10n));

const prompt = new PromptView();
const modelLine = new ModelLine();
const jobList = new JobList();
const top = el('div', { class: 'top-bar' }, modelLine.root, jobList.root);
const shortcuts = el('div', { class: 'actions shortcuts' },
  button(l10n.t('Open Studio'), () => post({ type: 'runCommand', command: 'promptTuning.openStudio' })),
  button(l10n.t('Train…'), () => post({ type: 'runCommand', command: 'promptTuning.trainSoftPrompt' }), { secondary: true }),
  button(l10n.t('Find a hard prompt…'), () => post({ type: 'runCommand', command: 'promptTuning.findHardPrompt' }), { secondary: true }),
  button(l10n.t('Export for GPU cluster…'), () => post({ type: 'runCommand', command: 'promptTuning.exportForCluster' }), { secondary: true }),
  button(l10n.t('Benchmark…'), () => post({ type: 'runCommand', command: 'promptTuning.benchmark' }), { secondary: true }),
  button(l10n.t('Open report…'), () => post({ type: 'runCommand', command: 'promptTuning.openReport' }), { secondary: true }));
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
