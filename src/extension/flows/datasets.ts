/** Select Dataset… (a prompt file's train / dev / test files) and Split Dataset… (seeded, stratified, never overwriting). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { resolveFormat } from '../../data/formats';
import { forEachRecord } from '../../data/records';
import { DEFAULT_SPLIT_RATIOS, splitDatasetFile, SPLIT_NAMES } from '../../data/split-file';
import type { Ctx } from '../ctx';
import { DATASET_ROLES, ROLE_DESCRIPTIONS, type DatasetRole } from '../datasets/roles';
import { errorMessage } from '../jobs';
import { isPromptDocument } from '../language/promptDocuments';
import { displayPath } from '../paths';
import { askDataset, pickPromptDocument } from './pickers';
import { cancelFlow, runSteps } from './multiStep';

/** The seed of Split Dataset… (the same file always splits the same way). */
export const SPLIT_SEED = 0;

/**
 * Select Dataset…: which role to change (each shows its current file), then the file. `role` skips the
 * first question (the prompt view's buttons).
 */
export async function selectDataset(ctx: Ctx, uri?: vscode.Uri, role?: DatasetRole): Promise<void> {
  const document = await pickPromptDocument(ctx, uri);
  if (!document) return;
  const promptFile = document.uri.fsPath;
  const answers: { role?: DatasetRole; split?: boolean; file?: string } = { role };
  const done = await runSteps(answers, [
    { skip: () => role !== undefined, run: async (input) => {
      const chosen = ctx.state.datasetsFor(promptFile);
      type Item = vscode.QuickPickItem & { role?: DatasetRole; split?: true };
      const items: Item[] = DATASET_ROLES.map((r) => ({
        label: ROLE_DESCRIPTIONS[r].label,
        description: chosen[r] ? displayPath(chosen[r]) : vscode.l10n.t('not chosen'),
        detail: vscode.l10n.t({ message: 'For {0}', args: [ROLE_DESCRIPTIONS[r].use], comment: ['{0}: what a dataset role is used for, e.g. "training soft prompts and drawing few-shot examples"'] }),
        role: r,
      }));
      items.push({ label: `$(split-horizontal) ${vscode.l10n.t('Split a dataset into train, dev and test files…')}`, split: true });
      const picked = await input.pick({ title: vscode.l10n.t('Select Dataset for {0}: which role?', path.basename(promptFile)), items, active: items.find((i) => i.role !== undefined && i.role === answers.role) });
      answers.split = picked.split;
      answers.role = picked.role;
    } },
    { skip: () => answers.split === true, run: async (input) => {
      answers.file = await askDataset(input, ctx, promptFile, answers.role!) ?? undefined;
    } },
  ]);
  if (!done) return;
  if (answers.split) return splitDataset(ctx, undefined, promptFile);
  if (!answers.file || !answers.role) return;
  ctx.output.info(`${path.basename(promptFile)}: ${ROLE_DESCRIPTIONS[answers.role].name} dataset ${answers.file}`);
  if (isPromptDocument(document)) ctx.preview.follow(document);
}

/**
 * Split Dataset…: a dataset file (the explorer's, or one picked) into `NAME.train.jsonl`, `NAME.dev.jsonl` and
 * `NAME.test.jsonl` beside it, stratified by a column the user picks (the prompt's label column first). The
 * split files can then become the prompt's three roles.
 */
export async function splitDataset(ctx: Ctx, uri?: vscode.Uri, promptFile?: string): Promise<void> {
  let file = uri?.fsPath;
  if (!file) {
    const chosen = await vscode.window.showOpenDialog({
      canSelectMany: false, openLabel: vscode.l10n.t({ message: 'Split', comment: ['The open dialog\'s button: split the chosen dataset file'] }), title: vscode.l10n.t('Split Dataset: which file?'),
      filters: { [vscode.l10n.t('Datasets')]: ['jsonl', 'ndjson', 'json', 'csv', 'tsv'] },
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    });
    file = chosen?.[0]?.fsPath;
  }
  if (!file) return;
  const ratioItems = [[0.8, 0.1, 0.1], [0.7, 0.15, 0.15], [0.6, 0.2, 0.2]].map(([train, dev, test]) => ({
    label: [train, dev, test].map((r) => Math.round(r * 100)).join(' / '), description: vscode.l10n.t('train / dev / test'), ratios: { train, dev, test },
  }));
  const prompt = promptFile ?? (ctx.preview.current ? ctx.preview.current.uri.fsPath : undefined);
  const answers: { ratios?: typeof ratioItems[number]; stratify?: { column: string | undefined } } = {};
  const name = path.basename(file);
  const done = await runSteps(answers, [
    { run: async (input) => {
      answers.ratios = await input.pick({ title: vscode.l10n.t('Split {0}: proportions', name), items: ratioItems, active: ratioItems.find((r) => r.label === answers.ratios?.label) });
    } },
    { run: async (input) => {
      let columns: string[];
      try {
        columns = await firstRecordColumns(file);
      } catch (error) {
        void vscode.window.showErrorMessage(vscode.l10n.t({ message: 'Split {0}: {1}', args: [name, errorMessage(error)], comment: ['{0}: a dataset file name; {1}: why it cannot be split'] }));
        cancelFlow();
      }
      const parsed = prompt ? (await ctx.diagnostics.analysis(await vscode.workspace.openTextDocument(prompt))).prompt : undefined;
      // A classifier's label column keeps each label's share in every split; a generation target is free text.
      const preferred = parsed?.task === 'classification' ? parsed.labelColumn : undefined;
      const columnItems = [
        ...columns.map((c) => ({ label: c, description: c === preferred ? vscode.l10n.t('the prompt\'s label column') : undefined, column: c as string | undefined })),
        { label: `$(circle-slash) ${vscode.l10n.t('Do not stratify')}`, description: vscode.l10n.t('a plain seeded shuffle'), column: undefined },
      ].sort((a, b) => Number(b.label === preferred) - Number(a.label === preferred));
      const earlier = answers.stratify;
      answers.stratify = await input.pick({
        title: vscode.l10n.t('Split {0}: keep the proportions of which column?', name), items: columnItems,
        active: earlier ? columnItems.find((c) => c.column === earlier.column) : undefined,
      });
    } },
  ]);
  if (!done || !answers.ratios || !answers.stratify) return;
  const ratios = answers.ratios;
  const stratify = answers.stratify;
  try {
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Splitting {0}', path.basename(file)) },
      () => splitDatasetFile(file, ratios.ratios, SPLIT_SEED, { stratifyBy: stratify.column }));
    const counts = SPLIT_NAMES.map((s) => result.rows[s] === 1 ? vscode.l10n.t('{0} (1 row)', path.basename(result.files[s])) : vscode.l10n.t('{0} ({1} rows)', path.basename(result.files[s]), result.rows[s])).join(', ');
    ctx.output.info(`split ${file} (seed ${SPLIT_SEED}${stratify.column ? `, stratified by ${stratify.column}` : ''}): ${counts}${result.invalidRows ? `; ${result.invalidRows} unreadable rows left out` : ''}`);
    const use = prompt ? vscode.l10n.t('Use for {0}', path.basename(prompt)) : undefined;
    const wrote = vscode.l10n.t({ message: 'Wrote {0}.', args: [counts], comment: ['{0}: the files written, e.g. "reviews.train.jsonl (80 rows), reviews.dev.jsonl (10 rows), reviews.test.jsonl (10 rows)"'] });
    const leftOut = !result.invalidRows ? '' : result.invalidRows === 1 ? vscode.l10n.t('1 unreadable row was left out.') : vscode.l10n.t('{0} unreadable rows were left out.', result.invalidRows);
    const choice = await vscode.window.showInformationMessage(leftOut ? `${wrote} ${leftOut}` : wrote, ...(use ? [use] : []));
    if (choice && prompt) {
      await ctx.state.setDatasetsFor(prompt, { train: result.files.train, dev: result.files.dev, test: result.files.test });
      ctx.diagnostics.refreshAll();
      ctx.preview.refresh();
    }
  } catch (error) {
    void vscode.window.showErrorMessage(vscode.l10n.t({ message: 'Split {0}: {1}', args: [path.basename(file), errorMessage(error)], comment: ['{0}: a dataset file name; {1}: why it cannot be split'] }));
  }
}

/** The columns of a dataset's first readable record (the split offers them for stratification). */
async function firstRecordColumns(file: string): Promise<string[]> {
  if (!fs.existsSync(file)) throw new Error(vscode.l10n.t('{0} does not exist', file));
  let columns: string[] | undefined;
  const stop = new Error('first record read');
  try {
    await forEachRecord(file, resolveFormat(file), (record) => {
      if ('error' in record || record.value === null || typeof record.value !== 'object' || Array.isArray(record.value)) return;
      columns = Object.keys(record.value);
      throw stop;
    });
  } catch (e) {
    if (e !== stop) throw e;
  }
  if (!columns) throw new Error(vscode.l10n.t('{0} has no readable rows', file));
  return columns;
}
