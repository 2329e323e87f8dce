/**
 * Show Soft Prompt Projection: each virtual token's nearest vocabulary tokens and the 2-D map (a `project`
 * job in the worker), plus "Copy as hard prompt" and "Save as .prompt" (a new prompt file whose soft-prompt
 * position holds the nearest-token text).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { UserError } from '../../engine/errors';
import { readTrainingRecord, type TrainingRecord } from '../../tuning/training-record';
import { PROJECTION_GAP_NOTE } from '../../bench/report/format';
import { CancelledError, errorMessage } from '../jobs';
import type { ProjectionGapView } from '../views/protocol';
import { checkOutputPlace } from '../../common/output-guard';
import type { Ctx } from '../ctx';
import { displayPath } from '../paths';
import { hardPromptFile } from './hardPromptFile';
import { toProjectionView } from '../views/projectionState';
import { pickSoftPrompt, requireModel } from './pickers';
import { reportError } from '../errors';

export async function showProjection(ctx: Ctx, dir?: string): Promise<void> {
  const soft = dir ?? (await pickSoftPrompt(ctx, vscode.l10n.t('Show the projection of which soft prompt?')));
  if (!soft) return;
  const model = await requireModel(ctx);
  if (!model) return;
  try {
    const result = await ctx.jobs.run('project', { model, soft }, {
      title: vscode.l10n.t('Project {0}', path.basename(soft)),
      long: true,
      describe: (p) => ({ message: p.message }),
    });
    ctx.flows.projectedAdapter = soft;
    ctx.store.update({ projection: toProjectionView(result, displayPath(soft)) });
    await ctx.state.setLastSoftPrompt(soft);
    ctx.studio.show('projection');
    await measureGap(ctx, model, soft, result.projectedText);
  } catch (error) {
    reportError(ctx, vscode.l10n.t('Projection of {0}', path.basename(soft)), error);
  }
}

/** Dev rows the projection gap is measured on: enough for a few points' resolution, quick on a laptop. */
export const PROJECTION_GAP_ROWS = 300;

/**
 * The soft prompt's and its projection's accuracy on the dev set it was trained with (its record names it; else
 * the prompt's remembered dev set), both from prompt files written to the scratch folder (the projection as Save
 * as .prompt would write it), so the view shows what a user gets by keeping the tokens.
 */
async function measureGap(ctx: Ctx, model: string, adapter: string, projectedText: string): Promise<void> {
  const show = (gap: Omit<ProjectionGapView, 'note'>) => {
    const current = ctx.store.state.projection;
    if (current && ctx.flows.projectedAdapter === adapter) ctx.store.update({ projection: { ...current, gap: { ...gap, note: PROJECTION_GAP_NOTE } } });
  };
  let record: TrainingRecord | undefined;
  try {
    record = readTrainingRecord(adapter);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
  }
  if (!record) return show({ status: 'unavailable', message: vscode.l10n.t('no training record: save the projection as a .prompt file and run both on a dev set to compare') });
  const promptFile = record.prompt.file;
  const dev = [record.data.eval?.file, ctx.state.datasetsFor(promptFile).dev].find((f): f is string => typeof f === 'string' && fs.existsSync(f));
  if (!dev) return show({ status: 'unavailable', message: vscode.l10n.t('the dev set it was trained with is not on this machine: save the projection as a .prompt file and run both on a dev set') });
  const scratch = path.join(ctx.scratchDir, 'projection-gap');
  fs.mkdirSync(scratch, { recursive: true });
  const name = path.basename(adapter);
  const trained = path.join(scratch, `${name}.prompt`);
  const projected = path.join(scratch, `${name}-projection.prompt`);
  fs.writeFileSync(trained, record.prompt.source);
  fs.writeFileSync(projected, hardPromptFile(record.prompt.source, projectedText, `${name}-projection`, `Nearest-token projection of ${name}.`));
  show({ status: 'running', data: displayPath(dev) });
  const shotsFrom = fs.existsSync(record.data.train.file) ? record.data.train.file : undefined;
  const common = { model, data: dev, limit: PROJECTION_GAP_ROWS, seed: 0, ...(shotsFrom ? { shotsFrom } : {}) };
  try {
    const title = vscode.l10n.t('Projection gap of {0}', name);
    const soft = await ctx.jobs.run('eval', { ...common, template: trained, soft: adapter }, { title, long: true });
    const hard = await ctx.jobs.run('eval', { ...common, template: projected }, { title, long: true });
    if (soft.task === 'generation' || hard.task === 'generation') {
      return show({ status: 'unavailable', message: vscode.l10n.t('the gap is measured for classification prompts') });
    }
    show({ status: 'done', data: displayPath(dev), rows: soft.n, soft: soft.accuracy, projected: hard.accuracy });
  } catch (error) {
    if (error instanceof CancelledError) return show({ status: 'unavailable', message: vscode.l10n.t('cancelled') });
    show({ status: 'failed', data: displayPath(dev), message: errorMessage(error) });
  }
}

export async function copyHardPrompt(ctx: Ctx): Promise<void> {
  const projection = ctx.store.state.projection;
  if (!projection) return;
  await vscode.env.clipboard.writeText(projection.hardPrompt);
  void vscode.window.showInformationMessage(vscode.l10n.t('Copied the nearest-token text of {0} ({1} tokens).', projection.source, projection.tokens.length));
}

/** Writes `<adapter name>-projection.prompt` beside the prompt the soft prompt was trained with, and opens it. */
export async function saveAsPrompt(ctx: Ctx): Promise<void> {
  const projection = ctx.store.state.projection;
  const shownAdapter = ctx.flows.projectedAdapter;
  if (!projection || !shownAdapter) return;
  const trained = trainedPrompt(ctx, shownAdapter);
  let source = trained?.source;
  let templateFile = trained?.file;
  if (source === undefined) {
    const files = await vscode.workspace.findFiles('**/*.prompt', '**/node_modules/**', 500);
    const picked = await vscode.window.showQuickPick(files.map((f) => ({ label: path.basename(f.fsPath), description: displayPath(f.fsPath), file: f.fsPath })),
      { title: vscode.l10n.t('{0} has no training record: which prompt file was it trained with?', path.basename(shownAdapter)) });
    if (!picked) return;
    templateFile = picked.file;
    source = fs.readFileSync(picked.file, 'utf8');
  }
  const name = `${path.basename(shownAdapter)}-projection`;
  const text = hardPromptFile(source, projection.hardPrompt, name, `Nearest-token projection of the soft prompt ${displayPath(shownAdapter)}.`);
  const suggested = vscode.Uri.file(path.join(templateFile ? path.dirname(templateFile) : ctx.outputRoot, `${name}.prompt`));
  const target = await vscode.window.showSaveDialog({ defaultUri: suggested, filters: { [vscode.l10n.t('Prompt files')]: ['prompt'] }, title: vscode.l10n.t('Save the projection as a prompt file') });
  if (!target) return;
  try {
    // The save dialog's own "replace?" is not enough: the prompt it was trained with, or the adapter, is never the target.
    checkOutputPlace({ flag: 'Save as', path: target.fsPath }, [templateFile ? { flag: 'the prompt file', path: templateFile } : undefined, { flag: 'the soft prompt', path: shownAdapter }], (note) => ctx.output.warn(note));
  } catch (error) {
    void vscode.window.showErrorMessage(error instanceof Error ? error.message : String(error));
    return;
  }
  await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
  await vscode.window.showTextDocument(target);
}

/** The prompt file a soft prompt was trained with, from its ptune_training.json (a record that does not check out is reported and ignored). */
function trainedPrompt(ctx: Ctx, adapterDir: string): { file?: string; source: string } | undefined {
  try {
    const record = readTrainingRecord(adapterDir);
    return record && { file: record.prompt.file, source: record.prompt.source };
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    ctx.output.warn(`${error.message}; asking for the prompt file instead`);
    return undefined;
  }
}
