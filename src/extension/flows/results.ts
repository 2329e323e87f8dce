/** The results grid: opened by Run on dataset and Benchmark, reopened from a report; a clicked row opens in the preview. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { looksLikeReport, readReport } from '../../bench/report/parse';
import type { BenchReport } from '../../bench/report/schema';
import { datasetOptionsFor, loadPromptFile, type PromptFile } from '../../prompts';
import type { Ctx } from '../ctx';
import { readBenchmarkRows, readRowAt, readRowTexts, rowText } from '../results/model';
import type { Row } from '../../data/types';
import { errorMessage } from '../jobs';
import type { ResultsRun } from '../views/resultsGrid';
import { reportError } from '../errors';

/** After Run on dataset: that run's rows. */
export async function showRunResults(ctx: Ctx, run: { promptFile: string; prompt: PromptFile; dataFile: string; predictions: string }): Promise<void> {
  const name = path.basename(run.promptFile);
  // The eval job read every row the prompt's columns accept, in file order: row i is the i-th such record.
  const spec = datasetOptionsFor(run.prompt);
  await ctx.results.open({
    title: vscode.l10n.t('{0} on {1}', name, path.basename(run.dataFile)),
    runs: [{ id: run.promptFile, name, predictionsFile: run.predictions }],
    dataFile: run.dataFile,
    readTexts: (indices) => readRowTexts(run.dataFile, spec, indices),
    readRow: (index) => readRowAt(run.dataFile, spec, index),
    promptFile: run.promptFile,
  });
  ctx.studio.show('results');
}

/**
 * A benchmark report's rows: the best-known comparison first (the first hard prompt against the first soft
 * prompt and its projection), any prompts of the report selectable in the grid.
 */
export async function showBenchmarkResults(ctx: Ctx, reportFile: string, report: BenchReport = readReport(reportFile)): Promise<void> {
  const folder = path.dirname(reportFile);
  const runs: ResultsRun[] = report.prompts.map((p) => ({ id: p.id, name: `${p.name} (${p.kind})`, predictionsFile: path.resolve(folder, p.predictionsFile) }));
  const missing = runs.find((r) => !fs.existsSync(r.predictionsFile));
  if (missing) throw new Error(vscode.l10n.t("{0} is missing: the report's per-row predictions were moved or deleted", missing.predictionsFile));
  const hard = report.prompts.find((p) => p.kind === 'hard');
  const dataFile = path.resolve(folder, report.dataset.file);
  const promptFile = hard && fs.existsSync(hard.source) ? hard.source : undefined;
  const prompt = promptFile ? await loadPromptFile(promptFile) : undefined;
  // The rows the benchmark scored (a seeded sample with --limit), read once and checked against the report's hash.
  let note: string | undefined;
  let rows: Promise<Row[]> | undefined;
  const benchRows = () => (rows ??= readBenchmarkRows(dataFile, report.dataset, prompt ? datasetOptionsFor(prompt) : {}).catch((error: unknown) => {
    note = errorMessage(error);
    return [];
  }));
  const ids = (['hard', 'soft', 'projection'] as const).map((kind) => report.prompts.find((p) => p.kind === kind)?.id).filter((id): id is string => id !== undefined);
  const inputs = prompt?.inputs ?? [];
  await ctx.results.open({
    title: vscode.l10n.t('Benchmark on {0}', path.basename(dataFile)),
    runs,
    dataFile,
    readTexts: async (indices) => {
      const all = await benchRows();
      return new Map([...indices].filter((i) => all[i]).map((i) => [i, rowText(all[i], inputs)]));
    },
    readRow: async (index) => (await benchRows())[index],
    promptFile,
    get note() {
      return fs.existsSync(dataFile) ? note : vscode.l10n.t('The dataset {0} is not on this machine: rows show without their text.', dataFile);
    },
  }, ids.length > 0 ? ids : [runs[0].id]);
  ctx.studio.show('results');
}

/** Open Results Grid: a report.json's rows (given, the active editor's, or the last report), or the grid already loaded. */
export async function openResults(ctx: Ctx, uri?: vscode.Uri): Promise<void> {
  const active = vscode.window.activeTextEditor?.document.uri;
  const activeReport = active?.scheme === 'file' && path.basename(active.fsPath) === 'report.json' && looksLikeReport(active.fsPath) ? active.fsPath : undefined;
  const file = uri?.fsPath ?? activeReport ?? (ctx.results.current ? undefined : ctx.state.lastReport);
  if (!file) {
    if (ctx.results.current) ctx.studio.show('results');
    else void vscode.window.showInformationMessage(vscode.l10n.t('No results yet: Run Prompt on Dataset or Benchmark Prompts first, or open a benchmark report.'));
    return;
  }
  try {
    await showBenchmarkResults(ctx, file);
  } catch (error) {
    reportError(ctx, vscode.l10n.t('Open results of {0}', path.basename(file)), error);
  }
}

/** A grid row clicked: the whole dataset row, shown in the prompt view of the grid's prompt file. */
export async function openResultsRow(ctx: Ctx, index: number): Promise<void> {
  const source = ctx.results.current;
  if (!source) return;
  if (!source.promptFile) {
    void vscode.window.showInformationMessage(vscode.l10n.t('This grid has no prompt file on this machine to preview the row with.'));
    return;
  }
  const row = await source.readRow(index);
  if (!row) {
    void vscode.window.showWarningMessage(vscode.l10n.t('{0} has no row {1} any more: the file changed since the run.', path.basename(source.dataFile), index));
    return;
  }
  const document = await vscode.workspace.openTextDocument(source.promptFile);
  ctx.preview.showRow(document, row, index, vscode.l10n.t('row {0} of {1}, from the results grid', index, path.basename(source.dataFile)));
  ctx.studio.show('prompt');
}
