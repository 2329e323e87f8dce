/**
 * Open Playground: a prompt file's input through the hard prompt, the hard prompt + a chosen soft prompt and
 * the projected hard prompt, side by side in the Studio's Playground tab (the `playground` job streams the
 * columns). The inputs are the prompt's variables, editable in the view, or a dataset row.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PromptFile } from '../../prompts';
import type { Ctx } from '../ctx';
import { CancelledError, errorMessage } from '../jobs';
import { displayPath } from '../paths';
import { PlaygroundRun, waitingColumns } from '../views/playgroundRun';
import { promptRow } from '../views/promptPreview';
import { PLAYGROUND_LIMITS, type PlaygroundSettings, type PlaygroundViewState } from '../views/protocol';
import { pickPromptDocument, pickSoftPrompt, requireModel, saveIfDirty, shotsFileFor } from './pickers';
import { reportError } from '../errors';

/** Sampling the Playground starts with where neither the settings nor the prompt file say: a little randomness, so seeds matter. */
export const PLAYGROUND_DEFAULTS = { temperature: 0.7, topP: 0.95, seed: 0 } as const;

function clamp(x: number, limits: { min: number; max: number }): number {
  return Math.min(limits.max, Math.max(limits.min, x));
}

export async function openPlayground(ctx: Ctx, uri?: vscode.Uri): Promise<void> {
  const document = await pickPromptDocument(ctx, uri);
  if (!document) return;
  const analysis = await ctx.diagnostics.analysis(document);
  const prompt = analysis.prompt;
  if (!prompt) {
    void vscode.window.showErrorMessage(vscode.l10n.t('{0} does not parse: fix its problems to open it in the Playground.', path.basename(document.uri.fsPath)));
    return;
  }
  const file = document.uri.fsPath;
  const last = ctx.state.lastSoftPrompt;
  const open = ctx.flows.playground;
  const soft = open?.file === file ? open.soft : last && fs.existsSync(path.join(last, 'adapter_config.json')) ? last : undefined;
  ctx.flows.playground = { file, soft };
  const rows = analysis.dataset?.rows ?? [];
  const index = Math.min(ctx.preview.selectedRow(document), Math.max(0, rows.length - 1));
  const configured = ctx.config.generationSampling;
  const previous = ctx.store.state.playground;
  const settings: PlaygroundSettings = previous?.settings ?? {
    temperature: clamp(configured.temperature ?? PLAYGROUND_DEFAULTS.temperature, PLAYGROUND_LIMITS.temperature),
    topP: clamp(configured.topP ?? PLAYGROUND_DEFAULTS.topP, PLAYGROUND_LIMITS.topP),
    maxNewTokens: clamp(prompt.maxNewTokens, PLAYGROUND_LIMITS.maxNewTokens),
    seed: configured.seed ?? PLAYGROUND_DEFAULTS.seed,
  };
  const state: PlaygroundViewState = {
    file: displayPath(file),
    task: prompt.task,
    inputs: [...prompt.inputs],
    values: inputValues(prompt, rows[index]),
    rowCount: rows.length,
    ...(soft ? { softPrompt: displayPath(soft) } : {}),
    settings,
    jobId: '',
    columns: waitingColumns(soft !== undefined),
  };
  ctx.store.update({ playground: state });
  ctx.studio.show('playground');
}

/** The prompt's inputs from a dataset row (empty text where the row has none). */
function inputValues(prompt: PromptFile, row: Record<string, string> | undefined): Record<string, string> {
  const picked = row ? promptRow(prompt, row) : {};
  return Object.fromEntries(prompt.inputs.map((input) => [input, picked[input] ?? '']));
}

/** Loads dataset row `index` of the prompt's dataset into the inputs. */
export async function playgroundRow(ctx: Ctx, index: number): Promise<void> {
  const current = ctx.store.state.playground;
  const session = ctx.flows.playground;
  if (!session || !current) return;
  const analysis = await ctx.diagnostics.analysis(await vscode.workspace.openTextDocument(session.file));
  const rows = analysis.dataset?.rows ?? [];
  if (!analysis.prompt || rows.length === 0) return;
  const row = rows[Math.min(index, rows.length - 1)];
  ctx.store.update({ playground: { ...current, values: inputValues(analysis.prompt, row), rowCount: rows.length } });
}

/** Chooses the soft prompt of the second and third columns. */
export async function playgroundSoftPrompt(ctx: Ctx): Promise<void> {
  const current = ctx.store.state.playground;
  const session = ctx.flows.playground;
  if (!session || !current) return;
  const dir = await pickSoftPrompt(ctx, vscode.l10n.t('Playground: which soft prompt?'));
  if (!dir) return;
  ctx.flows.playground = { ...session, soft: dir };
  ctx.store.update({ playground: { ...current, softPrompt: displayPath(dir), columns: current.jobId ? current.columns : waitingColumns(true) } });
}

/** Runs the three columns with the view's inputs and settings (already validated by the message protocol). */
export async function playgroundRun(ctx: Ctx, values: Record<string, string>, settings: PlaygroundSettings): Promise<void> {
  const current = ctx.store.state.playground;
  const session = ctx.flows.playground;
  if (!session || !current) return;
  if (current.jobId) return; // one run at a time: the view shows Cancel while one runs
  const { file, soft } = session;
  const title = vscode.l10n.t('Playground: {0}', path.basename(file));
  const document = await vscode.workspace.openTextDocument(file);
  const analysis = await ctx.diagnostics.analysis(document);
  const prompt = analysis.prompt;
  if (!prompt) {
    void vscode.window.showErrorMessage(vscode.l10n.t('{0} does not parse: fix its problems first.', path.basename(file)));
    return;
  }
  const model = await requireModel(ctx);
  if (!model || !(await saveIfDirty(document))) return;
  const shots = await shotsFileFor(ctx, file, prompt);
  if (!shots) return;
  const row = Object.fromEntries(prompt.inputs.map((input) => [input, values[input] ?? '']));
  const isLatest = ctx.flows.beginRun('playground');
  const stream = new PlaygroundRun({ ...current, values: row, settings }, (view) => {
    if (isLatest()) ctx.store.update({ playground: view });
  });
  try {
    const result = await ctx.jobs.run('playground', {
      model,
      template: file,
      row,
      ...(soft ? { soft } : {}),
      ...shots,
      sampling: { temperature: settings.temperature, topP: settings.topP, seed: settings.seed },
      maxNewTokens: settings.maxNewTokens,
    }, {
      title,
      long: true,
      onStart: (jobId) => stream.started(jobId),
      onProgress: (p) => stream.progress(p),
    });
    stream.done(result);
    for (const warning of result.warnings) ctx.output.warn(`${title}: ${warning}`);
  } catch (error) {
    if (error instanceof CancelledError) {
      stream.stopped('cancelled');
      return;
    }
    stream.stopped('failed', errorMessage(error));
    reportError(ctx, title, error);
  }
}
