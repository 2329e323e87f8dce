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
import { displayPath, isPromptDocument } from '../language/promptDocuments';
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
        label: `${ROLE_DESCRIPTIONS[r].name[0].toUpperCase()}${ROLE_DESCRIPTIONS[r].name.slice(1)}`,
        description: chosen[r] ? displayPath(chosen[r]) : 'not chosen',
        detail: `For ${ROLE_DESCRIPTIONS[r].use}`,
        role: r,
      }));
      items.push({ label: '$(split-horizontal) Split a dataset into train, dev and test files…', split: true });
      const picked = await input.pick({ title: `Select Dataset for ${path.basename(promptFile)}: which role?`, items, active: items.find((i) => i.role !== undefined && i.role === answers.role) });
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
      canSelectMany: false, openLabel: 'Split', title: 'Split Dataset: which file?',
      filters: { Datasets: ['jsonl', 'ndjson', 'json', 'csv', 'tsv'] },
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    });
    file = chosen?.[0]?.fsPath;
  }
  if (!file) return;
  const ratioItems = [[0.8, 0.1, 0.1], [0.7, 0.15, 0.15], [0.6, 0.2, 0.2]].map(([train, dev, test]) => ({
    label: [train, dev, test].map((r) => Math.round(r * 100)).join(' / '), description: 'train / dev / test', ratios: { train, dev, test },
  }));
  const prompt = promptFile ?? (ctx.preview.current ? ctx.preview.current.uri.fsPath : undefined);
  const answers: { ratios?: typeof ratioItems[number]; stratify?: { column: string | undefined } } = {};
  const name = path.basename(file);
  const done = await runSteps(answers, [
    { run: async (input) => {
      answers.ratios = await input.pick({ title: `Split ${name}: proportions`, items: ratioItems, active: ratioItems.find((r) => r.label === answers.ratios?.label) });
    } },
    { run: async (input) => {
      let columns: string[];
      try {
        columns = await firstRecordColumns(file);
      } catch (error) {
        void vscode.window.showErrorMessage(`Split ${name}: ${errorMessage(error)}`);
        cancelFlow();
      }
      const parsed = prompt ? (await ctx.diagnostics.analysis(await vscode.workspace.openTextDocument(prompt))).prompt : undefined;
      // A classifier's label column keeps each label's share in every split; a generation target is free text.
      const preferred = parsed?.task === 'classification' ? parsed.labelColumn : undefined;
      const columnItems = [
        ...columns.map((c) => ({ label: c, description: c === preferred ? 'the prompt\'s label column' : undefined, column: c as string | undefined })),
        { label: '$(circle-slash) Do not stratify', description: 'a plain seeded shuffle', column: undefined },
      ].sort((a, b) => Number(b.label === preferred) - Number(a.label === preferred));
      const earlier = answers.stratify;
      answers.stratify = await input.pick({
        title: `Split ${name}: keep the proportions of which column?`, items: columnItems,
        active: earlier ? columnItems.find((c) => c.column === earlier.column) : undefined,
      });
    } },
  ]);
  if (!done || !answers.ratios || !answers.stratify) return;
  const ratios = answers.ratios;
  const stratify = answers.stratify;
  try {
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Splitting ${path.basename(file)}` },
      () => splitDatasetFile(file, ratios.ratios, SPLIT_SEED, { stratifyBy: stratify.column }));
    const counts = SPLIT_NAMES.map((s) => `${path.basename(result.files[s])} (${result.rows[s]} rows)`).join(', ');
    ctx.output.info(`split ${file} (seed ${SPLIT_SEED}${stratify.column ? `, stratified by ${stratify.column}` : ''}): ${counts}${result.invalidRows ? `; ${result.invalidRows} unreadable rows left out` : ''}`);
    const use = prompt ? `Use for ${path.basename(prompt)}` : undefined;
    const choice = await vscode.window.showInformationMessage(`Wrote ${counts}.${result.invalidRows ? ` ${result.invalidRows} unreadable rows were left out.` : ''}`, ...(use ? [use] : []));
    if (choice && prompt) {
      await ctx.state.setDatasetsFor(prompt, { train: result.files.train, dev: result.files.dev, test: result.files.test });
      ctx.diagnostics.refreshAll();
      ctx.preview.refresh();
    }
  } catch (error) {
    void vscode.window.showErrorMessage(`Split ${path.basename(file)}: ${errorMessage(error)}`);
  }
}

/** The columns of a dataset's first readable record (the split offers them for stratification). */
async function firstRecordColumns(file: string): Promise<string[]> {
  if (!fs.existsSync(file)) throw new Error(`${file} does not exist`);
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
  if (!columns) throw new Error(`${file} has no readable rows`);
  return columns;
}
