/** The questions several commands ask: which prompt file, which dataset, which soft prompt, which model. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { isPromptDocument } from '../language/promptDocuments';
import { displayPath } from '../paths';
import type { PromptFile } from '../../prompts';
import { ROLE_DESCRIPTIONS, type DatasetRole } from '../datasets/roles';
import { offerToStart } from '../onboarding/flows';
import { downloadModel, selectModel } from './model';
import { askOne, cancelFlow, type StepInput } from './multiStep';

const DATA_GLOB = '**/*.{jsonl,ndjson,json,csv,tsv}';
const DATA_EXCLUDE = '{**/node_modules/**,**/.vscode/**,**/package.json,**/package-lock.json,**/tsconfig*.json,**/adapter_config.json,**/ptune_training.json,**/report.json,**/predictions*.jsonl}';

/** The prompt document to act on: the one given, the active editor's, or one the user picks. */
export async function pickPromptDocument(ctx: Ctx, uri?: vscode.Uri): Promise<vscode.TextDocument | undefined> {
  if (uri) return vscode.workspace.openTextDocument(uri);
  const active = vscode.window.activeTextEditor?.document;
  if (isPromptDocument(active)) return active;
  if (ctx.preview.current) return ctx.preview.current;
  const files = await vscode.workspace.findFiles('**/*.prompt', '**/node_modules/**', 500);
  if (files.length === 0) {
    void offerToStart();
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    files.map((f) => ({ label: path.basename(f.fsPath), description: displayPath(path.dirname(f.fsPath)), uri: f })),
    { title: vscode.l10n.t('Which prompt file?'), matchOnDescription: true });
  return picked ? vscode.workspace.openTextDocument(picked.uri) : undefined;
}

export interface DatasetQuestion {
  /** Offer "None" (answered with null). */
  optional?: boolean;
  title?: string;
}

/**
 * The dataset of `role` for a prompt file: the remembered one unless `ask`, else the user picks one from
 * the workspace's data files (or browses) and it is remembered for next time.
 */
export async function pickDataset(ctx: Ctx, promptFile: string, role: DatasetRole,
  options: DatasetQuestion & { ask?: boolean } = {}): Promise<string | null | undefined> {
  const remembered = rememberedDataset(ctx, promptFile, role);
  if (remembered && !options.ask) return remembered;
  return askOne((input) => askDataset(input, ctx, promptFile, role, options));
}

/** The dataset of `role` remembered for a prompt file, when that file still exists. */
export function rememberedDataset(ctx: Ctx, promptFile: string, role: DatasetRole): string | undefined {
  const remembered = ctx.state.datasetsFor(promptFile)[role];
  return remembered && fs.existsSync(remembered) ? remembered : undefined;
}

/**
 * The dataset question as one step of a flow: the workspace's data files (the remembered one highlighted),
 * None when optional, Browse…; the answer is remembered for the prompt file at once. Null for None.
 */
export async function askDataset(input: StepInput, ctx: Ctx, promptFile: string, role: DatasetRole, options: DatasetQuestion = {}): Promise<string | null> {
  const remembered = ctx.state.datasetsFor(promptFile)[role];
  const files = await vscode.workspace.findFiles(DATA_GLOB, DATA_EXCLUDE, 2000);
  type Item = vscode.QuickPickItem & { file?: string; action?: 'browse' | 'none' };
  const items: Item[] = files
    .map((f) => f.fsPath)
    .sort((a, b) => a.localeCompare(b))
    .map((file) => ({ label: displayPath(file), file, description: file === remembered ? vscode.l10n.t({ message: 'current', comment: ['Marks the current choice in a list'] }) : undefined }));
  if (options.optional) items.unshift({ label: `$(circle-slash) ${vscode.l10n.t({ message: 'None', comment: ['No dev dataset'] })}`, action: 'none', description: vscode.l10n.t('train without a dev set') });
  items.push({ label: `$(folder-opened) ${vscode.l10n.t('Browse…')}`, action: 'browse' });
  const roleName = ROLE_DESCRIPTIONS[role].name;
  const picked = await input.pick({
    items,
    active: items.find((item) => item.file !== undefined && item.file === remembered),
    title: options.title ?? vscode.l10n.t({ message: 'Which {0} dataset for {1}?', args: [roleName, path.basename(promptFile)], comment: ['{0}: a dataset role, e.g. "training"; {1}: a prompt file name'] }),
    placeholder: vscode.l10n.t({ message: 'JSON Lines, JSON, CSV or TSV; used for {0}', args: [ROLE_DESCRIPTIONS[role].use], comment: ['{0}: what the dataset role is used for, e.g. "training soft prompts and drawing few-shot examples"'] }),
  });
  if (picked.action === 'none') return null;
  let file = picked.file;
  if (picked.action === 'browse') {
    const chosen = await vscode.window.showOpenDialog({
      canSelectMany: false, openLabel: vscode.l10n.t('Use dataset'), title: vscode.l10n.t({ message: '{0} dataset', args: [roleName], comment: ['{0}: a dataset role, e.g. "training"'] }),
      filters: { [vscode.l10n.t('Datasets')]: ['jsonl', 'ndjson', 'json', 'csv', 'tsv'] },
    });
    file = chosen?.[0]?.fsPath;
  }
  if (!file) cancelFlow();
  await ctx.state.setDatasetFor(promptFile, role, file);
  ctx.diagnostics.refreshAll();
  ctx.preview.refresh();
  return file;
}

/**
 * The training file a few-shot prompt (`shots` in its front matter) draws its examples from: the prompt file's
 * remembered training dataset, else one the user picks now, remembered for next time (Choose Few-Shot
 * Examples File changes it; the prompt view shows it). `{}` for a prompt without shots; undefined when the
 * user cancels. The output channel names the file each time it is used.
 */
export async function shotsFileFor(ctx: Ctx, promptFile: string, prompt: Pick<PromptFile, 'shots'>): Promise<{ shotsFrom?: string } | undefined> {
  if (prompt.shots === 0) return {};
  const file = await pickDataset(ctx, promptFile, 'train', { title: shotsPickerTitle(promptFile, prompt.shots) });
  if (!file) return undefined;
  ctx.output.info(`${path.basename(promptFile)}: few-shot examples drawn from ${file}`);
  return { shotsFrom: file };
}

export function shotsPickerTitle(promptFile: string, shots: number): string {
  const name = path.basename(promptFile);
  return shots === 1 ? vscode.l10n.t('{0} uses 1 few-shot example: which training file is it drawn from?', name)
    : vscode.l10n.t('{0} uses {1} few-shot examples: which training file are they drawn from?', name, shots);
}

/** Choose Few-Shot Examples File: picks (again) the training file a prompt file's few-shot examples come from. */
export async function chooseShotsFile(ctx: Ctx, uri?: vscode.Uri): Promise<void> {
  const document = await pickPromptDocument(ctx, uri);
  if (!document) return;
  const analysis = await ctx.diagnostics.analysis(document);
  const shots = analysis.prompt?.shots ?? 0;
  const file = await pickDataset(ctx, document.uri.fsPath, 'train', { ask: true, title: shotsPickerTitle(document.uri.fsPath, Math.max(1, shots)) });
  if (!file) return;
  ctx.output.info(`${path.basename(document.uri.fsPath)}: few-shot examples will be drawn from ${file}`);
  ctx.preview.refresh();
}

/** The selected model folder; downloads a hub id that is not cached yet, or asks the user to select a model. */
export async function requireModel(ctx: Ctx): Promise<string | undefined> {
  const dir = ctx.config.modelDir;
  if (dir && fs.existsSync(path.join(dir, 'config.json'))) return dir;
  const setting = ctx.config.modelSetting;
  if (ctx.config.modelHubId) {
    const download = vscode.l10n.t('Download');
    const choice = await vscode.window.showWarningMessage(vscode.l10n.t('The model {0} is not downloaded yet.', setting), download, vscode.l10n.t('Select Model'));
    if (choice === download) {
      try {
        return await downloadModel(ctx, setting);
      } catch (e) {
        void vscode.window.showErrorMessage((e as Error).message);
        return undefined;
      }
    }
    return choice ? selectModel(ctx) : undefined;
  }
  const message = dir ? vscode.l10n.t('The model folder {0} has no config.json. Select a model to continue.', dir) : vscode.l10n.t('No model is selected. Select a model to continue.');
  const choice = await vscode.window.showWarningMessage(message, vscode.l10n.t('Select Model'));
  return choice ? selectModel(ctx) : undefined;
}

/**
 * A soft prompt (PEFT adapter folder): the one selected in the Soft Prompts view first, then the last trained
 * or opened, then the view's others (the workspace's adapters and those trained here), or browse.
 */
export async function pickSoftPrompt(ctx: Ctx, title: string): Promise<string | undefined> {
  const selected = ctx.softPrompts.selected;
  const last = ctx.state.lastSoftPrompt;
  const known = ctx.softPrompts.list();
  const exists = (dir: string | undefined): dir is string => dir !== undefined && fs.existsSync(path.join(dir, 'adapter_config.json'));
  const dirs = [...new Set([...[selected, last].filter(exists), ...known.map((info) => info.dir)])];
  type Item = vscode.QuickPickItem & { dir?: string };
  const items: Item[] = dirs.map((dir) => ({
    label: path.basename(dir), description: displayPath(dir),
    detail: dir === selected ? vscode.l10n.t('selected in the Soft Prompts view') : dir === last ? vscode.l10n.t('last trained or opened') : known.find((k) => k.dir === dir)?.baseModel,
    dir,
  }));
  items.push({ label: `$(folder-opened) ${vscode.l10n.t('Browse…')}` });
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder: vscode.l10n.t('A soft prompt folder (adapter_config.json + adapter_model.safetensors)') });
  if (!picked) return undefined;
  if (picked.dir) return picked.dir;
  const chosen = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: vscode.l10n.t('Use soft prompt'), title });
  return chosen?.[0]?.fsPath;
}

/** Saves a dirty prompt document, so the worker (which reads files) sees what the editor shows. */
export async function saveIfDirty(document: vscode.TextDocument): Promise<boolean> {
  return !document.isDirty || document.save();
}
