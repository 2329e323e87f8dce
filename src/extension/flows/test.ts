/** Test Prompt (one row or a typed input) and Run Prompt on Dataset; results inline and in the output channel. */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { CancelledError, errorMessage } from '../jobs';
import { reportError } from '../errors';
import { displayPath } from '../paths';
import { promptRow } from '../views/promptPreview';
import { describeEval, describeGeneration, describeTest } from './describe';
import { GenerationStream } from './generationStream';
import { pickDataset, shotsFileFor } from './pickers';
import { prepare, type Runnable } from './runnable';
import { showRunResults } from './results';
import type { RunHandle } from '../artifacts/runs';
import type { EvalJobResult } from '../../worker/protocol';

/** `soft`: an adapter folder to test the prompt with (the Soft Prompts view's Test with This Soft Prompt). */
export async function testPrompt(ctx: Ctx, uri?: vscode.Uri, soft?: string): Promise<void> {
  const runnable = await prepare(ctx, uri);
  if (!runnable) return;
  const { document, model } = runnable;
  const input = await pickInput(ctx, runnable);
  if (!input) return;
  const prompt = runnable.analysis.prompt;
  const shots = await shotsFileFor(ctx, document.uri.fsPath, prompt);
  if (!shots) return;
  if (prompt.task === 'generation') return testGeneration(ctx, runnable, input, shots.shotsFrom, soft);
  const { row } = input;
  const name = path.basename(document.uri.fsPath);
  const withSoft = soft ? ` with ${path.basename(soft)}` : '';
  try {
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Testing {0}', name) },
      () => ctx.jobs.run('testPrompt', { model, template: document.uri.fsPath, row, ...shots, ...(soft ? { soft } : {}) }, { title: testTitle(name, soft), long: false }));
    const described = describeTest(result);
    const inline = `${described.inline}${soft ? ` · ${withSoftPrompt(soft)}` : ''}`;
    const detail = soft ? `${described.detail}\n\n${vscode.l10n.t('With the soft prompt {0}.', displayPath(soft))}` : described.detail;
    const line = (await ctx.diagnostics.analysis(document)).lastBodyLine ?? document.lineCount - 1;
    ctx.inline.show(document.uri, line, inline, detail);
    ctx.output.info(`Test ${name}${withSoft} on ${JSON.stringify(pickColumns(row, prompt.inputs))}\n${detail}`);
  } catch (error) {
    reportError(ctx, vscode.l10n.t('Test {0}', name), error);
  }
}

/** `soft`: an adapter folder to evaluate the prompt with. Each run is recorded in the run history. */
export async function runOnDataset(ctx: Ctx, uri?: vscode.Uri, soft?: string): Promise<void> {
  const runnable = await prepare(ctx, uri);
  if (!runnable) return;
  const { document, model } = runnable;
  const data = await pickDataset(ctx, document.uri.fsPath, 'dev');
  if (!data) return;
  const shots = await shotsFileFor(ctx, document.uri.fsPath, runnable.analysis.prompt);
  if (!shots) return;
  const name = path.basename(document.uri.fsPath);
  const withSoft = soft ? ` with ${path.basename(soft)}` : '';
  let run: RunHandle | undefined;
  try {
    // Every row's prediction (a generation prompt: its output) goes to a file the output channel names.
    const predictions = path.join(ctx.scratchDir, 'predictions', `${path.basename(name, '.prompt')}.${path.basename(data).replace(/\.[^.]+$/, '')}.jsonl`);
    await fs.mkdir(path.dirname(predictions), { recursive: true });
    const params = { model, data, template: document.uri.fsPath, predictions, ...shots, ...(soft ? { soft } : {}) };
    run = ctx.runs.begin({
      kind: 'evaluation', title: runTitle(name, soft, data), model, promptFiles: [document.uri.fsPath],
      ...(soft ? { softPrompts: [soft] } : {}), data: [{ role: 'dev', file: data }], parameters: params, outputs: { predictions },
    });
    const result = await ctx.jobs.run('eval', params, {
      title: runTitle(name, soft, data),
      long: true,
      describe: (p) => p.type === 'eval' ? { message: vscode.l10n.t('{0} / {1} rows', p.done, p.total), fraction: p.total > 0 ? p.done / p.total : undefined } : { message: p.message },
    });
    void run.done({ metrics: evalMetrics(result) });
    const { inline, detail } = describeEval(result, data);
    const line = (await ctx.diagnostics.analysis(document)).lastBodyLine ?? document.lineCount - 1;
    ctx.inline.show(document.uri, line, `${inline}${soft ? ` · ${withSoftPrompt(soft)}` : ''}`, detail);
    ctx.output.info(`Run ${name}${withSoft} on ${data}\n${detail}\nevery row's ${runnable.analysis.prompt.task === 'generation' ? 'output' : 'prediction'}: ${predictions}`);
    await showRunResults(ctx, { promptFile: document.uri.fsPath, prompt: runnable.analysis.prompt, dataFile: data, predictions });
  } catch (error) {
    void run?.failed(error);
    reportError(ctx, vscode.l10n.t('Run {0}', name), error);
  }
}

function testTitle(name: string, soft: string | undefined): string {
  return soft ? vscode.l10n.t('Test {0} with {1}', name, path.basename(soft)) : vscode.l10n.t('Test {0}', name);
}

function runTitle(name: string, soft: string | undefined, data: string): string {
  return soft ? vscode.l10n.t('Run {0} with {1} on {2}', name, path.basename(soft), path.basename(data)) : vscode.l10n.t('Run {0} on {1}', name, path.basename(data));
}

function withSoftPrompt(soft: string): string {
  return vscode.l10n.t({ message: 'with {0}', args: [path.basename(soft)], comment: ['{0}: a soft prompt folder name, after a test result'] });
}

/** The numbers of an eval result worth keeping in the run history. */
function evalMetrics(result: EvalJobResult): Record<string, number> {
  const { n, accuracy, macroF1, ece, seconds } = result;
  const all: Record<string, number> = { n, seconds, ...(result.task === 'generation' ? { ...result.generation } : { accuracy, macroF1, ece }) };
  return Object.fromEntries(Object.entries(all).filter(([, v]) => typeof v === 'number' && Number.isFinite(v)));
}

/**
 * ▶ Test on a generation prompt: the `generate` job for the chosen input, its text streamed into the inline
 * result and the prompt view (which has Cancel). Sampling: the promptTuning.generation.* settings, else the
 * model's generation_config.json; max_new_tokens from the prompt file. A cancelled answer stays, marked so.
 */
async function testGeneration(ctx: Ctx, { document, analysis, model }: Runnable, input: PickedInput, shotsFrom: string | undefined, soft?: string): Promise<void> {
  const prompt = analysis.prompt;
  const file = document.uri.fsPath;
  const name = path.basename(file);
  const title = testTitle(name, soft);
  try {
    const sampling = ctx.config.generationSampling;
    const line = (await ctx.diagnostics.analysis(document)).lastBodyLine ?? document.lineCount - 1;
    // The inline result describes the text as it was; after an edit it is gone and stays gone.
    const version = document.version;
    const isLatest = ctx.flows.beginRun('generationTest');
    const source = soft ? vscode.l10n.t('{0} with the soft prompt {1}', input.source, path.basename(soft)) : input.source;
    const stream = new GenerationStream({ file: displayPath(file), source }, (view) => {
      if (view.jobId === '' || !isLatest()) return;
      ctx.store.update({ generation: view });
      if (document.version !== version) return;
      if (view.status === 'failed' && view.text === '') {
        ctx.inline.clear(document.uri); // the error message says it all
        return;
      }
      const { inline, detail } = describeGeneration(view);
      ctx.inline.show(document.uri, line, inline, detail);
    });
    ctx.sidePanel.reveal();
    try {
      const result = await ctx.jobs.run('generate', { model, template: file, row: input.row, sampling, shotsFrom, ...(soft ? { soft } : {}) }, {
        title,
        long: true,
        onStart: (jobId) => stream.started(jobId),
        onProgress: (p) => stream.text(p.text, p.tokens),
        // No `describe`: a described progress event republishes the job list (all of the UI state) on every token.
      });
      stream.done(result);
      ctx.output.info(`${title} on ${input.source} ${JSON.stringify(pickColumns(input.row, prompt.inputs))}\n${stream.state.message}\n${result.text}`);
      for (const warning of result.warnings) ctx.output.warn(`${title}: ${warning}`);
    } catch (error) {
      if (!(error instanceof CancelledError)) {
        stream.stopped('failed', errorMessage(error));
        throw error;
      }
      stream.stopped('cancelled');
      ctx.output.info(`${title}: cancelled after ${stream.state.tokens} tokens; the text so far:\n${stream.state.text}`);
    }
  } catch (error) {
    reportError(ctx, title, error);
  }
}

interface PickedInput {
  row: Record<string, string>;
  /** Where the row came from, in words ("row 3", "typed input"). */
  source: string;
}

/** A dataset row (the one the prompt view shows first) or typed text for each input column. */
async function pickInput(ctx: Ctx, { document, analysis }: Runnable): Promise<PickedInput | undefined> {
  const prompt = analysis.prompt;
  type Item = vscode.QuickPickItem & { row?: PickedInput; action?: 'type' | 'dataset' };
  const typeItem: Item = { label: `$(edit) ${vscode.l10n.t('Type an input…')}`, action: 'type', description: prompt.inputs.join(', ') };
  const rows = analysis.dataset?.rows ?? [];
  const items: Item[] = [];
  if (rows.length === 0) {
    items.push(typeItem, { label: `$(database) ${vscode.l10n.t('Choose a dataset…')}`, action: 'dataset' });
  } else {
    const selected = Math.min(ctx.preview.selectedRow(document), rows.length - 1);
    const order = [selected, ...rows.keys()].filter((i, k, all) => all.indexOf(i) === k).slice(0, 500);
    const rowItem = (i: number): Item => {
      const row = promptRow(prompt, rows[i]);
      return {
        label: truncate(prompt.inputs.map((c) => row[c] ?? '').join(' · '), 120),
        description: prompt.task === 'classification' ? row[prompt.labelColumn] : undefined,
        detail: vscode.l10n.t('row {0}', i),
        row: { row, source: vscode.l10n.t('row {0}', i) },
      };
    };
    items.push(rowItem(order[0]), typeItem, { label: `$(database) ${vscode.l10n.t('Change dataset…')}`, action: 'dataset', description: analysis.dataset ? displayPath(analysis.dataset.file) : undefined }, ...order.slice(1).map(rowItem));
  }
  const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Test {0} on…', path.basename(document.uri.fsPath)), matchOnDescription: true });
  if (!picked) return undefined;
  if (picked.row) return picked.row;
  if (picked.action === 'dataset') {
    const data = await pickDataset(ctx, document.uri.fsPath, 'dev', { ask: true });
    if (!data) return undefined;
    return pickInput(ctx, { document, analysis: (await ctx.diagnostics.analysis(document)) as Runnable['analysis'], model: '' });
  }
  const row: Record<string, string> = {};
  for (const column of prompt.inputs) {
    const value = await vscode.window.showInputBox({ title: vscode.l10n.t('Test {0}', path.basename(document.uri.fsPath)), prompt: vscode.l10n.t('Text for {0}', `{{ ${column} }}`), ignoreFocusOut: true });
    if (value === undefined) return undefined;
    row[column] = value;
  }
  return { row, source: vscode.l10n.t('typed input') };
}

function pickColumns(row: Record<string, string>, columns: string[]): Record<string, string> {
  return Object.fromEntries(columns.filter((c) => c in row).map((c) => [c, row[c]]));
}

function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
