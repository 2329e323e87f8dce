/** Test Prompt (one row or a typed input) and Run Prompt on Dataset; results inline and in the output channel. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { CancelledError, errorMessage } from '../jobs';
import { promptRow } from '../views/promptPreview';
import { describeEval, describeTest } from './describe';
import { pickDataset } from './pickers';
import { prepare, type Runnable } from './runnable';

export async function testPrompt(ctx: Ctx, uri?: vscode.Uri): Promise<void> {
  const runnable = await prepare(ctx, uri);
  if (!runnable) return;
  const { document, model } = runnable;
  const row = await pickInput(ctx, runnable);
  if (!row) return;
  const prompt = runnable.analysis.prompt;
  const name = path.basename(document.uri.fsPath);
  try {
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Testing ${name}` },
      () => ctx.jobs.run('testPrompt', { model, template: document.uri.fsPath, row }, { title: `Test ${name}`, long: false }));
    const { inline, detail } = describeTest(result);
    const line = (await ctx.diagnostics.analysis(document)).lastBodyLine ?? document.lineCount - 1;
    ctx.inline.show(document.uri, line, inline, detail);
    ctx.output.info(`Test ${name} on ${JSON.stringify(pickColumns(row, prompt.inputs))}\n${detail}`);
  } catch (error) {
    report(ctx, `Test ${name}`, error);
  }
}

export async function runOnDataset(ctx: Ctx, uri?: vscode.Uri): Promise<void> {
  const runnable = await prepare(ctx, uri);
  if (!runnable) return;
  const { document, model } = runnable;
  const data = await pickDataset(ctx, document.uri.fsPath, 'dev');
  if (!data) return;
  const name = path.basename(document.uri.fsPath);
  try {
    const result = await ctx.jobs.run('eval', { model, data, template: document.uri.fsPath }, {
      title: `Run ${name} on ${path.basename(data)}`,
      long: true,
      describe: (p) => p.type === 'eval' ? { message: `${p.done} / ${p.total} rows`, fraction: p.total > 0 ? p.done / p.total : undefined } : { message: p.message },
    });
    const { inline, detail } = describeEval(result, data);
    const line = (await ctx.diagnostics.analysis(document)).lastBodyLine ?? document.lineCount - 1;
    ctx.inline.show(document.uri, line, inline, detail);
    ctx.output.info(`Run ${name} on ${data}\n${detail}`);
  } catch (error) {
    report(ctx, `Run ${name}`, error);
  }
}

/** A dataset row (the one the prompt view shows first) or typed text for each input column. */
async function pickInput(ctx: Ctx, { document, analysis }: Runnable): Promise<Record<string, string> | undefined> {
  const prompt = analysis.prompt;
  type Item = vscode.QuickPickItem & { row?: Record<string, string>; action?: 'type' | 'dataset' };
  const typeItem: Item = { label: '$(edit) Type an input…', action: 'type', description: prompt.inputs.join(', ') };
  const rows = analysis.dataset?.rows ?? [];
  const items: Item[] = [];
  if (rows.length === 0) {
    items.push(typeItem, { label: '$(database) Choose a dataset…', action: 'dataset' });
  } else {
    const selected = Math.min(ctx.preview.selectedRow(document), rows.length - 1);
    const order = [selected, ...rows.keys()].filter((i, k, all) => all.indexOf(i) === k).slice(0, 500);
    const rowItem = (i: number): Item => {
      const row = promptRow(prompt, rows[i]);
      return {
        label: truncate(prompt.inputs.map((c) => row[c] ?? '').join(' · '), 120),
        description: prompt.task === 'classification' ? row[prompt.labelColumn] : undefined,
        detail: `row ${i}`,
        row,
      };
    };
    items.push(rowItem(order[0]), typeItem, ...order.slice(1).map(rowItem));
  }
  const picked = await vscode.window.showQuickPick(items, { title: `Test ${path.basename(document.uri.fsPath)} on…`, matchOnDescription: true });
  if (!picked) return undefined;
  if (picked.row) return picked.row;
  if (picked.action === 'dataset') {
    const data = await pickDataset(ctx, document.uri.fsPath, 'dev', { ask: true });
    if (!data) return undefined;
    return pickInput(ctx, { document, analysis: (await ctx.diagnostics.analysis(document)) as Runnable['analysis'], model: '' });
  }
  const row: Record<string, string> = {};
  for (const column of prompt.inputs) {
    const value = await vscode.window.showInputBox({ title: `Test ${path.basename(document.uri.fsPath)}`, prompt: `Text for {{ ${column} }}`, ignoreFocusOut: true });
    if (value === undefined) return undefined;
    row[column] = value;
  }
  return row;
}

export function report(ctx: Ctx, what: string, error: unknown): void {
  if (error instanceof CancelledError) {
    void vscode.window.showInformationMessage(`${what} was cancelled.`);
    return;
  }
  ctx.output.error(`${what}: ${errorMessage(error)}`);
  void vscode.window.showErrorMessage(`${what}: ${errorMessage(error)}`, 'Show Output').then((choice) => {
    if (choice) ctx.output.show(true);
  });
}

function pickColumns(row: Record<string, string>, columns: string[]): Record<string, string> {
  return Object.fromEntries(columns.filter((c) => c in row).map((c) => [c, row[c]]));
}

function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
