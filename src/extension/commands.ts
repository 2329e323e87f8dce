/** Every command of the extension, registered in one place, and the handler of webview requests. */
import * as vscode from 'vscode';
import { benchmarkSoftPrompt, compareCurves, continueTraining, copyPeftSnippet, openRun, revealRunOutput, revealSoftPrompt, runOnDatasetWithSoftPrompt, showSoftPromptCurve, testWithSoftPrompt } from './artifacts/actions';
import type { RunsGrouping } from './artifacts/runsView';
import { isSoftPromptNode } from './artifacts/softPromptsView';
import type { Ctx } from './ctx';
import { benchmark, openReport } from './flows/benchmark';
import { downloadCudaProvider } from './flows/cudaProvider';
import { findHardPrompt } from './flows/discover';
import { exportForCluster } from './flows/export';
import { selectModel } from './flows/model';
import { chooseShotsFile } from './flows/pickers';
import { openPlayground, playgroundRow, playgroundRun, playgroundSoftPrompt } from './flows/playground';
import { copyHardPrompt, saveAsPrompt, showProjection } from './flows/projection';
import { runOnDataset, testPrompt } from './flows/test';
import { trainSoftPrompt } from './flows/train';
import { confirmCancel } from './jobs';
import { newPromptFile, openSamples, openWalkthrough } from './onboarding/flows';
import { requireTrust } from './trust';
import { selectDataset, splitDataset } from './flows/datasets';
import { openResults, openResultsRow } from './flows/results';
import { openDataset, openDatasetRole } from './flows/openDataset';
import type { WebviewMessage } from './views/protocol';

export function registerCommands(ctx: Ctx): vscode.Disposable[] {
  /** Commands that run a model: in Restricted Mode they show the one Restricted Mode message instead. */
  const trusted = (run: (...args: unknown[]) => unknown) => async (...args: unknown[]) => ((await requireTrust()) ? run(...args) : undefined);
  const commands: Record<string, (...args: unknown[]) => unknown> = {
    // In Restricted Mode the workspace's model setting is ignored and no model runs: choosing one there would mislead.
    'promptTuning.selectModel': trusted(() => selectModel(ctx)),
    'promptTuning.testPrompt': trusted((uri) => testPrompt(ctx, asUri(uri))),
    'promptTuning.runOnDataset': trusted((uri) => runOnDataset(ctx, asUri(uri))),
    'promptTuning.trainSoftPrompt': trusted((uri) => trainSoftPrompt(ctx, asUri(uri))),
    'promptTuning.exportForCluster': trusted((uri) => exportForCluster(ctx, asUri(uri))),
    'promptTuning.findHardPrompt': trusted((uri) => findHardPrompt(ctx, asUri(uri))),
    'promptTuning.showProjection': trusted((dir) => showProjection(ctx, typeof dir === 'string' ? dir : isSoftPromptNode(dir) ? dir.dir : asUri(dir)?.fsPath)),
    'promptTuning.benchmark': trusted(() => benchmark(ctx)),
    'promptTuning.openReport': (uri) => openReport(ctx, asUri(uri)),
    'promptTuning.openStudio': () => ctx.studio.show('prompt'),
    'promptTuning.cancelJob': (options) => cancelJob(ctx, isConfirmOption(options)),
    'promptTuning.downloadCudaProvider': () => downloadCudaProvider(ctx),
    'promptTuning.chooseShotsFile': (uri) => chooseShotsFile(ctx, asUri(uri)),
    'promptTuning.openPlayground': trusted((uri) => openPlayground(ctx, asUri(uri))),
    'promptTuning.openSamples': () => openSamples(ctx),
    'promptTuning.newPromptFile': () => newPromptFile(),
    'promptTuning.openWalkthrough': () => openWalkthrough(ctx),
    // Datasets and per-row results (issue 15).
    'promptTuning.selectDataset': (uri) => selectDataset(ctx, asUri(uri)),
    'promptTuning.splitDataset': (uri) => splitDataset(ctx, asUri(uri)),
    'promptTuning.openResults': (uri) => openResults(ctx, asUri(uri)),
    'promptTuning.openDataset': (uri) => openDataset(ctx, asUri(uri)),
    // The Soft Prompts and Runs views (src/extension/artifacts).
    'promptTuning.testWithSoftPrompt': trusted((node) => testWithSoftPrompt(ctx, node)),
    'promptTuning.runOnDatasetWithSoftPrompt': trusted((node) => runOnDatasetWithSoftPrompt(ctx, node)),
    'promptTuning.continueTraining': trusted((node) => continueTraining(ctx, node)),
    'promptTuning.benchmarkSoftPrompt': trusted((node) => benchmarkSoftPrompt(ctx, node)),
    'promptTuning.copyPeftSnippet': (node) => copyPeftSnippet(ctx, node),
    'promptTuning.revealSoftPrompt': (node) => revealSoftPrompt(ctx, node),
    'promptTuning.showSoftPromptCurve': (node) => showSoftPromptCurve(ctx, node),
    'promptTuning.refreshSoftPrompts': () => ctx.softPrompts.rescan(),
    'promptTuning.openRun': (node) => openRun(ctx, node),
    'promptTuning.compareCurves': (node) => compareCurves(ctx, node),
    'promptTuning.revealRunOutput': (node) => revealRunOutput(ctx, node),
    'promptTuning.refreshRuns': () => ctx.runsView.refresh(),
    'promptTuning.groupRunsByDay': () => setRunsGrouping(ctx, 'day'),
    'promptTuning.groupRunsByKind': () => setRunsGrouping(ctx, 'kind'),
  };
  return Object.entries(commands).map(([id, run]) => vscode.commands.registerCommand(id, run));
}

function setRunsGrouping(ctx: Ctx, grouping: RunsGrouping): void {
  ctx.runsView.setGrouping(grouping);
  void ctx.state.setRunsGrouping(grouping);
}

/** Cancel Running Job: the only running job, or the one the user picks; from the status bar, after asking. */
async function cancelJob(ctx: Ctx, confirm: boolean): Promise<void> {
  const jobs = ctx.jobs.list;
  if (jobs.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No Prompt Tuning job is running.'));
    return;
  }
  const job = jobs.length === 1 ? jobs[0] : (await vscode.window.showQuickPick(
    jobs.map((j) => ({ label: j.title, description: j.message, id: j.id })), { title: vscode.l10n.t('Cancel which job?') }));
  const summary = job && jobs.find((j) => j.id === job.id);
  if (!summary) return;
  if (confirm && !(await confirmCancel(summary))) return;
  ctx.jobs.cancel(summary.id);
}

function isConfirmOption(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { confirm?: unknown }).confirm === true;
}

/** Requests from the webviews (already validated against the protocol). */
export async function handleWebviewMessage(ctx: Ctx, message: Exclude<WebviewMessage, { type: 'ready' }>): Promise<void> {
  switch (message.type) {
    case 'selectRow':
      ctx.preview.selectRow(message.index);
      return;
    case 'cancelJob':
      ctx.jobs.cancel(message.id);
      return;
    case 'copyHardPrompt':
      return copyHardPrompt(ctx);
    case 'saveAsPrompt':
      return saveAsPrompt(ctx);
    case 'runCommand':
      await vscode.commands.executeCommand(message.command);
      return;
    case 'playgroundRun':
      return playgroundRun(ctx, message.values, message.settings);
    case 'playgroundRow':
      return playgroundRow(ctx, message.index);
    case 'playgroundSoftPrompt':
      return playgroundSoftPrompt(ctx);
    case 'resultsQuery':
      ctx.results.setQuery(message.query);
      return;
    case 'resultsShow':
      return ctx.results.show(message.ids);
    case 'resultsOpenRow':
      return openResultsRow(ctx, message.index);
    case 'selectDatasetRole':
      return selectDataset(ctx, ctx.preview.current?.uri, message.role);
    case 'openDatasetRole':
      return openDatasetRole(ctx, message.role);
    case 'datasetQuery':
      return ctx.datasets.setQuery(message.query);
    case 'closeDataset':
      ctx.datasets.close();
      return;
  }
}

function asUri(value: unknown): vscode.Uri | undefined {
  return value instanceof vscode.Uri ? value : undefined;
}
