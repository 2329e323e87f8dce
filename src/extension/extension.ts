/** Entry point of the VS Code extension: wires the language features, commands, views and status bar. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { configureSharedL10n } from '../common/sharedL10n';
import { trainingView } from './artifacts/actions';
import type { RunRecord } from './artifacts/runHistory';
import { RunsView } from './artifacts/runsView';
import { SoftPromptsView } from './artifacts/softPromptsView';
import { handleWebviewMessage, registerCommands } from './commands';
import { Config } from './config';
import { Ctx } from './ctx';
import { restoreLastReport } from './flows/benchmark';
import { offerCudaProvider } from './flows/cudaProvider';
import { registerCodeLens } from './language/codeLens';
import { registerCompletion } from './language/completion';
import { registerHover } from './language/hover';
import { registerQuickFixes } from './language/quickFixes';
import { STRINGS } from './strings';
import { registerPromptTests } from './testing/promptTests';
import { PROMPT_LANGUAGE_ID } from './language/promptDocuments';
import { SIDE_PANEL_VIEW_ID, SidePanelProvider } from './views/sidePanel';
import { StudioPanel } from './views/studioPanel';
import type { TrainingViewState } from './views/protocol';
import type { WebviewDeps } from './views/webviewHost';

export function activate(context: vscode.ExtensionContext): void {
  // Texts of modules the webviews share (dataset role names) translate through @vscode/l10n: same bundle.
  configureSharedL10n(vscode.l10n.bundle);
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
  modelItem.name = vscode.l10n.t('Prompt Tuning model');
  modelItem.command = 'promptTuning.selectModel';

  const showModel = () => {
    const name = ctx.config.modelLabel;
    ctx.store.update({ model: { name } });
    modelItem.text = `$(hubot) ${name ?? vscode.l10n.t('No model')}`;
    const modelDir = ctx.config.modelDir;
    modelItem.tooltip = !name ? vscode.l10n.t('Select a model for Prompt Tuning')
      : modelDir ? vscode.l10n.t('Prompt Tuning model: {0}\n{1}\nClick to change', ctx.config.modelSetting, modelDir)
      : vscode.l10n.t('Prompt Tuning model: {0} (not downloaded yet)\nClick to change', ctx.config.modelSetting);
  };
  showModel();
  // The Soft Prompts and Runs views; runs left running by a window that was reloaded are marked interrupted.
  ctx.softPrompts = new SoftPromptsView(ctx.state);
  ctx.runsView = new RunsView(ctx.runs, ctx.state.runsGrouping);
  // In Restricted Mode nothing is written to the workspace: the history is updated once it is trusted.
  if (vscode.workspace.isTrusted) ctx.runs.markInterrupted();
  const lastTraining = ctx.state.lastTraining;
  if (lastTraining) ctx.store.update({ training: lastTraining.status === 'running' ? interruptedTraining(lastTraining, ctx.runs.list()) : lastTraining });
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
    // Closing the Studio stops the dataset grid's indexing or scan.
    ctx.studio.onDidClose(() => ctx.datasets.close()),
    sidePanel,
    modelItem,
    vscode.window.registerWebviewViewProvider(SIDE_PANEL_VIEW_ID, sidePanel, { webviewOptions: { retainContextWhenHidden: true } }),
    registerCompletion(ctx.diagnostics),
    registerCodeLens(),
    registerHover(),
    registerQuickFixes(ctx.diagnostics),
    ...registerCommands(ctx),
    ctx.diagnostics.onDidAnalyze(({ document, analysis }) => {
      if (analysis.dotprompt) void hintDotpromptOnce(context, document, analysis.dotprompt.reasons[0]);
    }),
    ctx.softPrompts,
    ctx.runsView,
    ...registerPromptTests(ctx),
    // Previews were refused and the run history left alone in Restricted Mode: catch up once the workspace is trusted.
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      ctx.preview.refresh();
      ctx.runs.markInterrupted();
    }),
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

const DOTPROMPT_HINT_KEY = 'promptTuning.dotpromptHintShown';

/** The first Dotprompt (Genkit) file seen says, once, why this extension leaves it alone. */
async function hintDotpromptOnce(context: vscode.ExtensionContext, document: vscode.TextDocument, reason: string): Promise<void> {
  if (context.globalState.get<boolean>(DOTPROMPT_HINT_KEY)) return;
  await context.globalState.update(DOTPROMPT_HINT_KEY, true);
  const choice = await vscode.window.showInformationMessage(STRINGS.dotpromptHint(path.basename(document.uri.fsPath), reason), STRINGS.openAsHandlebars);
  if (choice) await vscode.languages.setTextDocumentLanguage(document, 'handlebars');
}

/** The training dashboard of a run the window reload interrupted: its recorded checkpoint and curve. */
function interruptedTraining(last: TrainingViewState, runs: RunRecord[]): TrainingViewState {
  const run = runs.find((r) => r.id === last.runId && r.status === 'interrupted');
  const recorded = run && trainingView(run);
  return {
    ...last,
    status: 'interrupted',
    message: run?.message ?? vscode.l10n.t('Interrupted: the window was reloaded while it ran.'),
    ...(recorded && recorded.loss.length > last.loss.length ? { loss: recorded.loss, devAccuracy: recorded.devAccuracy } : {}),
    ...(recorded?.outputFile ? { outputFile: recorded.outputFile } : {}),
  };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
