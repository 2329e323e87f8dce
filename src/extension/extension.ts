/** Entry point of the VS Code extension: wires the language features, commands, views and status bar. */
import * as vscode from 'vscode';
import { handleWebviewMessage, registerCommands } from './commands';
import { Config } from './config';
import { Ctx } from './ctx';
import { restoreLastReport } from './flows/benchmark';
import { offerCudaProvider } from './flows/cudaProvider';
import { registerCodeLens } from './language/codeLens';
import { registerCompletion } from './language/completion';
import { PROMPT_LANGUAGE_ID } from './language/promptDocuments';
import { SIDE_PANEL_VIEW_ID, SidePanelProvider } from './views/sidePanel';
import { StudioPanel } from './views/studioPanel';
import type { WebviewDeps } from './views/webviewHost';

export function activate(context: vscode.ExtensionContext): void {
  const ctx = new Ctx(context);
  const deps: WebviewDeps = {
    extensionUri: context.extensionUri,
    store: ctx.store,
    output: ctx.output,
    onMessage: (message) => handleWebviewMessage(ctx, message),
  };
  ctx.studio = new StudioPanel(deps);
  const sidePanel = new SidePanelProvider(deps);
  ctx.sidePanel = sidePanel;
  const modelItem = vscode.window.createStatusBarItem('promptTuning.model', vscode.StatusBarAlignment.Right, 100);
  modelItem.name = 'Prompt Tuning model';
  modelItem.command = 'promptTuning.selectModel';

  const showModel = () => {
    const name = ctx.config.modelLabel;
    ctx.store.update({ model: { name } });
    modelItem.text = `$(hubot) ${name ?? 'No model'}`;
    modelItem.tooltip = name ? `Prompt Tuning model: ${ctx.config.modelSetting}${ctx.config.modelDir ? `\n${ctx.config.modelDir}` : ' (not downloaded yet)'}\nClick to change` : 'Select a model for Prompt Tuning';
  };
  showModel();
  const lastTraining = ctx.state.lastTraining;
  if (lastTraining) ctx.store.update({ training: lastTraining.status === 'running' ? { ...lastTraining, status: 'cancelled', message: 'Interrupted by a window reload.' } : lastTraining });
  restoreLastReport(ctx);

  const updateModelItemVisibility = () => {
    const promptOpen = vscode.window.visibleTextEditors.some((e) => e.document.languageId === PROMPT_LANGUAGE_ID);
    if (promptOpen || ctx.studio.isOpen) modelItem.show();
    else modelItem.hide();
  };
  updateModelItemVisibility();

  const cudaOffer = { offered: false };
  context.subscriptions.push(
    ctx,
    ctx.studio,
    sidePanel,
    modelItem,
    vscode.window.registerWebviewViewProvider(SIDE_PANEL_VIEW_ID, sidePanel, { webviewOptions: { retainContextWhenHidden: true } }),
    registerCompletion(ctx.diagnostics),
    registerCodeLens(),
    ...registerCommands(ctx),
    vscode.window.onDidChangeVisibleTextEditors(updateModelItemVisibility),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (Config.affectsWorker(event)) {
        showModel();
        ctx.preview.refresh();
      }
      // The worker's threads and device are fixed when it starts: start a fresh one for the next job, unless one is running.
      if (['threads', 'device', 'weights'].some((key) => event.affectsConfiguration(`promptTuning.${key}`)) && ctx.jobs.list.length === 0) void ctx.jobs.restartWorker();
      if (event.affectsConfiguration('promptTuning.device')) void offerCudaProvider(ctx, cudaOffer);
    }),
  );
  void offerCudaProvider(ctx, cudaOffer);
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
