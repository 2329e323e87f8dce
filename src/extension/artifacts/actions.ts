/**
 * The Soft Prompts and Runs views' actions. Each also works from the Command Palette: without a node it uses
 * the view's selection, else asks.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { benchmark, openReport } from '../flows/benchmark';
import { pickSoftPrompt } from '../flows/pickers';
import { runOnDataset, testPrompt } from '../flows/test';
import { trainSoftPrompt } from '../flows/train';
import { isPromptDocument } from '../language/promptDocuments';
import { displayPath } from '../paths';
import type { TrainingViewState } from '../views/protocol';
import { METHOD_LABELS, peftSnippet, softPromptCurve, type SoftPromptInfo } from './softPrompts';
import { isSoftPromptNode } from './softPromptsView';
import { outputFolder, RUN_KIND_NAMES, RUN_STATUS_LABELS, type RunRecord } from './runHistory';
import { isRunNode } from './runsView';

/** The soft prompt a command acts on: the view node, a folder URI or path, the view's selection, or one the user picks. */
async function softPromptArg(ctx: Ctx, value: unknown, title: string): Promise<SoftPromptInfo | undefined> {
  const dir = isSoftPromptNode(value) ? value.dir
    : value instanceof vscode.Uri ? value.fsPath
    : typeof value === 'string' ? value
    : ctx.softPrompts.selected ?? (await pickSoftPrompt(ctx, title));
  if (!dir) return undefined;
  const info = ctx.softPrompts.info(dir);
  if (!info) void vscode.window.showErrorMessage(vscode.l10n.t('{0} holds no soft prompt (adapter_config.json with peft_type PROMPT_TUNING, P_TUNING or PREFIX_TUNING).', displayPath(dir)));
  return info;
}

/**
 * The prompt file to use a soft prompt with: the one it was trained with (its training record names it) when
 * that file is still there, else the active prompt editor; undefined lets the flow ask.
 */
function promptFileFor(ctx: Ctx, info: SoftPromptInfo): vscode.Uri | undefined {
  if (info.promptFile && fs.existsSync(info.promptFile)) return vscode.Uri.file(info.promptFile);
  if (info.promptFile) ctx.output.warn(`${info.name} was trained with ${info.promptFile}, which is not there any more: using the active prompt file`);
  const active = vscode.window.activeTextEditor?.document;
  return isPromptDocument(active) ? active.uri : ctx.preview.current?.uri;
}

export async function testWithSoftPrompt(ctx: Ctx, value: unknown): Promise<void> {
  const info = await softPromptArg(ctx, value, vscode.l10n.t('Test with which soft prompt?'));
  if (info) await testPrompt(ctx, await showPromptFile(promptFileFor(ctx, info)), info.dir);
}

export async function runOnDatasetWithSoftPrompt(ctx: Ctx, value: unknown): Promise<void> {
  const info = await softPromptArg(ctx, value, vscode.l10n.t('Run on a dataset with which soft prompt?'));
  if (info) await runOnDataset(ctx, await showPromptFile(promptFileFor(ctx, info)), info.dir);
}

/** Opens the prompt file in an editor (from the view, it may not be open), so the inline result shows. */
async function showPromptFile(uri: vscode.Uri | undefined): Promise<vscode.Uri | undefined> {
  if (uri) await vscode.window.showTextDocument(uri, { preview: false, preserveFocus: true });
  return uri;
}

export async function continueTraining(ctx: Ctx, value: unknown): Promise<void> {
  const info = await softPromptArg(ctx, value, vscode.l10n.t('Continue training which soft prompt?'));
  if (!info) return;
  if (info.method === 'prefix-tuning') {
    void vscode.window.showErrorMessage(vscode.l10n.t("{0} is a prefix-tuning adapter: training cannot continue from one (PEFT's prefix has no input vectors to start from); train a new one.", info.name));
    return;
  }
  await trainSoftPrompt(ctx, promptFileFor(ctx, info), { from: info });
}

export async function benchmarkSoftPrompt(ctx: Ctx, value: unknown): Promise<void> {
  const info = await softPromptArg(ctx, value, vscode.l10n.t('Benchmark which soft prompt against its template?'));
  if (info) await benchmark(ctx, { soft: info.dir, hard: info.promptFile });
}

export async function copyPeftSnippet(ctx: Ctx, value: unknown): Promise<void> {
  const info = await softPromptArg(ctx, value, vscode.l10n.t('Copy the Python snippet of which soft prompt?'));
  if (!info) return;
  const base = info.baseModel ?? ctx.config.modelSetting;
  if (!base) {
    void vscode.window.showErrorMessage(vscode.l10n.t('{0}: its adapter_config.json names no base model (base_model_name_or_path) and no model is selected; select the model it was trained on first.', info.name));
    return;
  }
  await vscode.env.clipboard.writeText(peftSnippet(info.dir, base));
  void vscode.window.showInformationMessage(vscode.l10n.t({
    message: 'Copied the Python (PEFT) code that loads {0} ({1}) on {2}.',
    args: [info.name, METHOD_LABELS[info.method], base],
    comment: ['{0}: a soft prompt folder name, {1}: its method (Prompt tuning, P-tuning, Prefix tuning), {2}: the base model id'],
  }));
}

/** The curve and result its training record holds, in the Studio's training view. */
export async function showSoftPromptCurve(ctx: Ctx, value: unknown): Promise<void> {
  const info = await softPromptArg(ctx, value, vscode.l10n.t('Show the training curve of which soft prompt?'));
  if (!info) return;
  const record = info.record;
  if (!record) {
    void vscode.window.showInformationMessage(info.recordProblem
      ? vscode.l10n.t('{0} has no ptune training record that reads ({1}): no curve to show.', info.name, info.recordProblem)
      : vscode.l10n.t('{0} has no ptune training record (it was trained elsewhere): no curve to show.', info.name));
    return;
  }
  const curve = softPromptCurve(record);
  const saved = record.checkpoint?.step;
  showTraining(ctx, {
    jobId: '',
    title: `${info.name} (${METHOD_LABELS[info.method]})`,
    status: record.result?.stopReason === 'cancelled' ? 'cancelled' : 'done',
    step: record.result?.steps ?? curve.loss.at(-1)?.step ?? 0,
    totalSteps: record.training?.totalSteps ?? 0,
    elapsedSeconds: record.timings?.seconds ?? 0,
    ...curve,
    message: record.result?.stopMessage,
    outputFile: saved === undefined ? displayPath(info.dir) : vscode.l10n.t('{0} (step {1})', displayPath(info.dir), saved),
  });
}

export async function revealSoftPrompt(ctx: Ctx, value: unknown): Promise<void> {
  const info = await softPromptArg(ctx, value, vscode.l10n.t('Reveal which soft prompt?'));
  if (info) await revealFolder(info.dir);
}

/** The Explorer when the folder is in the workspace, else the system's file manager. */
async function revealFolder(dir: string): Promise<void> {
  const uri = vscode.Uri.file(dir);
  if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', uri);
  else await vscode.commands.executeCommand('revealFileInOS', uri);
}

/** A run from a view node, else one the user picks. */
async function runArg(ctx: Ctx, value: unknown, title: string, filter: (run: RunRecord) => boolean = () => true): Promise<RunRecord | undefined> {
  if (isRunNode(value)) return ctx.runsView.run(value.id);
  const runs = ctx.runs.list().filter(filter);
  if (runs.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No runs recorded in this workspace yet: train, run on a dataset, benchmark or find a hard prompt first.'));
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(runs.map((run) => ({ label: run.title, description: `${RUN_KIND_NAMES[run.kind]} · ${RUN_STATUS_LABELS[run.status]} · ${new Date(run.startedAt).toLocaleString()}`, run })), { title });
  return picked?.run;
}

/** Opens a run: a training's curve, a benchmark's report, an evaluation's predictions, a discovery's prompt file. */
export async function openRun(ctx: Ctx, value: unknown): Promise<void> {
  const run = await runArg(ctx, value, vscode.l10n.t('Open which run?'));
  if (!run) return;
  if (run.kind === 'training') {
    showTraining(ctx, trainingView(run));
    return;
  }
  if (run.kind === 'benchmark' && run.outputs.report && fs.existsSync(run.outputs.report)) {
    await openReport(ctx, vscode.Uri.file(run.outputs.report));
    return;
  }
  const file = run.outputs.prompt ?? run.outputs.predictions;
  if (file && fs.existsSync(file)) {
    await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true });
    return;
  }
  const status = RUN_STATUS_LABELS[run.status];
  const said = run.message ? vscode.l10n.t('{0} ({1}): {2}', run.title, status, run.message) : vscode.l10n.t('{0} ({1})', run.title, status);
  void vscode.window.showInformationMessage(file || run.outputs.report ? vscode.l10n.t('{0} Its output is no longer there.', said) : said);
}

/** Overlays the curves of the selected trainings (or, from the palette, the ones picked) in the training view. */
export async function compareCurves(ctx: Ctx, value: unknown): Promise<void> {
  const hasCurve = (run: RunRecord) => run.kind === 'training' && (run.curve?.loss.length ?? 0) > 0;
  let runs = ctx.runsView.selectedRuns(value).filter(hasCurve);
  if (runs.length < 2) {
    const choices = ctx.runs.list().filter(hasCurve);
    if (choices.length < 2) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Compare Curves needs two trainings with a recorded curve.'));
      return;
    }
    const picked = await vscode.window.showQuickPick(
      choices.map((run) => ({ label: run.title, description: `${RUN_STATUS_LABELS[run.status]} · ${new Date(run.startedAt).toLocaleString()}`, picked: runs.some((r) => r.id === run.id), run })),
      { title: vscode.l10n.t('Compare the curves of which trainings?'), canPickMany: true });
    if (!picked || picked.length === 0) return;
    runs = picked.map((p) => p.run);
  }
  const first = trainingView(runs[0]);
  showTraining(ctx, {
    ...first,
    title: vscode.l10n.t('Comparing {0} trainings', runs.length),
    message: undefined,
    outputFile: undefined,
    compare: runs.map((run) => ({ label: `${run.title} · ${new Date(run.startedAt).toLocaleString()}`, loss: run.curve?.loss ?? [], devAccuracy: run.curve?.devAccuracy ?? [], status: run.status })),
  });
}

export async function revealRunOutput(ctx: Ctx, value: unknown): Promise<void> {
  const run = await runArg(ctx, value, vscode.l10n.t('Reveal the output of which run?'), (r) => outputFolder(r) !== undefined);
  if (!run) return;
  const folder = outputFolder(run);
  if (!folder || !fs.existsSync(folder)) {
    void vscode.window.showInformationMessage(folder
      ? vscode.l10n.t('{0}: its output ({1}) is no longer there.', run.title, displayPath(folder))
      : vscode.l10n.t('{0}: its output was not written.', run.title));
    return;
  }
  await revealFolder(folder);
}

/** A recorded training as the training view shows it. */
export function trainingView(run: RunRecord): TrainingViewState {
  const loss = run.curve?.loss ?? [];
  const seconds = run.endedAt ? (Date.parse(run.endedAt) - Date.parse(run.startedAt)) / 1000 : 0;
  return {
    jobId: '',
    title: run.title,
    status: run.status,
    step: run.metrics?.steps ?? loss.at(-1)?.step ?? 0,
    // An interrupted training has no result: its planned length is the steps it was started with, if given.
    totalSteps: run.metrics?.totalSteps ?? (typeof run.parameters.steps === 'number' ? run.parameters.steps : 0),
    elapsedSeconds: Math.max(0, seconds),
    loss,
    devAccuracy: run.curve?.devAccuracy ?? [],
    message: run.message,
    outputFile: run.outputs.adapter && run.checkpointStep !== undefined ? vscode.l10n.t('{0} (step {1})', displayPath(run.outputs.adapter), run.checkpointStep) : undefined,
  };
}

/** Shows a recorded training; a training that is running keeps the view. */
function showTraining(ctx: Ctx, view: TrainingViewState): boolean {
  const live = ctx.store.state.training;
  if (live?.status === 'running' && live.jobId && ctx.jobs.list.some((j) => j.id === live.jobId)) {
    void vscode.window.showInformationMessage(vscode.l10n.t('{0} is running: its dashboard stays until it ends.', live.title));
    return false;
  }
  ctx.store.update({ training: view });
  ctx.studio.show('training');
  return true;
}
