/** Open Dataset: a dataset file as a grid in the Studio (from the explorer, the palette, or a prompt's dataset role). */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { gridFormat } from '../datasets/datasetIndex';
import type { DatasetSource } from '../datasets/datasetGrid';
import { DATASET_ROLES, ROLE_DESCRIPTIONS, type DatasetRole } from '../datasets/roles';
import { errorMessage } from '../jobs';
import { displayPath } from '../paths';

/** The explorer's file, or one picked in a file dialog; a prompt in the preview that uses it lends its label column. */
export async function openDataset(ctx: Ctx, uri?: vscode.Uri): Promise<void> {
  let file = uri?.fsPath;
  if (!file) {
    const chosen = await vscode.window.showOpenDialog({
      canSelectMany: false, openLabel: vscode.l10n.t('Open'), title: vscode.l10n.t('Open Dataset: which file?'),
      filters: { [vscode.l10n.t('Datasets')]: ['jsonl', 'ndjson', 'csv', 'tsv', 'tab'] },
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    });
    file = chosen?.[0]?.fsPath;
  }
  if (!file) return;
  const document = ctx.preview.current;
  const chosen = document ? ctx.state.datasetsFor(document.uri.fsPath) : {};
  const role = DATASET_ROLES.find((r) => chosen[r] === file);
  if (document && role) return openDatasetRole(ctx, role);
  await show(ctx, { file, displayName: displayPath(file) });
}

/** The prompt view's Open button of a dataset role: that file, with the prompt's label column and label names. */
export async function openDatasetRole(ctx: Ctx, role: DatasetRole): Promise<void> {
  const document = ctx.preview.current;
  const file = document && ctx.state.datasetsFor(document.uri.fsPath)[role];
  if (!document || !file) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No {0} dataset is chosen for this prompt: choose one with Select Dataset… first.', ROLE_DESCRIPTIONS[role].name));
    return;
  }
  const prompt = (await ctx.diagnostics.analysis(document)).prompt;
  const classifier = prompt?.task === 'classification';
  await show(ctx, {
    file,
    displayName: displayPath(file),
    ...(classifier ? { labelColumn: prompt.labelColumn, ...(prompt.labelNames ? { labelNames: prompt.labelNames } : {}) } : {}),
    origin: vscode.l10n.t('the {0} dataset of {1}', ROLE_DESCRIPTIONS[role].name, path.basename(document.uri.fsPath)),
  });
}

async function show(ctx: Ctx, source: DatasetSource): Promise<void> {
  try {
    gridFormat(source.file);
  } catch (error) {
    void vscode.window.showErrorMessage(errorMessage(error));
    return;
  }
  ctx.studio.show('dataset');
  await ctx.datasets.open(source);
}
