/**
 * Train Soft Prompt: one guided quick pick showing every `ptune train` option with its default (from the
 * settings); pick "Start training" to go, or an option to change it. The run feeds the training dashboard.
 */
import type { OptimizerName } from '../../tuning/optimizers';
import { DEFAULT_METHOD, METHOD_CHOICES, TUNING_METHODS, type MethodName } from '../../tuning/methods/index';
import { DEFAULT_ENCODER_HIDDEN_SIZE } from '../../tuning/methods/p-tuning';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainJobProgress, TrainParams, TrainResult } from '../../worker/protocol';
import type { Ctx } from '../ctx';
import { CancelledError, errorMessage } from '../jobs';
import { displayPath } from '../language/promptDocuments';
import type { TrainingViewState } from '../views/protocol';
import { pickDataset } from './pickers';
import { prepareTraining } from './runnable';
import { report } from './test';

type Options = Required<Pick<TrainParams, 'virtualTokens' | 'init' | 'optimizer' | 'batchSize' | 'seed' | 'out'>>
  & Pick<TrainParams, 'lr' | 'epochs' | 'steps' | 'evalEvery' | 'evalLimit' | 'eval' | 'encoderHiddenSize'> & { train: string; method: MethodName };


export async function trainSoftPrompt(ctx: Ctx, uri?: vscode.Uri): Promise<void> {
  const run = await prepareTraining(ctx, uri);
  if (!run) return;
  const { model, promptFile, train, dev } = run;
  const name = path.basename(promptFile, '.prompt');
  const options: Options = { ...tuningFromSettings(ctx), method: DEFAULT_METHOD, train, eval: dev, out: path.join(ctx.outputRoot, 'soft-prompts', `${name}-${timestamp()}`) };
  if (!(await confirmOptions(ctx, promptFile, options))) return;
  await runTraining(ctx, { model, template: promptFile, ...options });
}

/** The tuning options of the promptTuning.training.* settings (Train and Export for a GPU Cluster share them). */
export function tuningFromSettings(ctx: Ctx): Omit<Options, 'train' | 'eval' | 'out' | 'method'> {
  const d = ctx.config.training;
  return {
    virtualTokens: d.virtualTokens, init: d.init, optimizer: d.optimizer, lr: d.lr,
    epochs: d.steps ? undefined : d.epochs, steps: d.steps, batchSize: d.batchSize, evalEvery: d.evalEvery,
    evalLimit: d.evalLimit, seed: d.seed,
  };
}

/** The guided quick pick; resolves true on "Start training", false when dismissed. */
async function confirmOptions(ctx: Ctx, promptFile: string, o: Options): Promise<boolean> {
  type Item = vscode.QuickPickItem & { edit?: () => Promise<void> };
  for (;;) {
    const length = o.steps ? `${o.steps} steps` : `${o.epochs ?? 3} epochs`;
    const defaultLr = TUNING_METHODS[o.method].defaults.lr[o.optimizer as OptimizerName];
    const items: Item[] = [
      { label: '$(rocket) Start training', description: `${o.method} · ${o.virtualTokens} virtual tokens · ${length} · ${o.optimizer} lr ${o.lr ?? defaultLr}` },
      { label: '', kind: vscode.QuickPickItemKind.Separator },
      { label: 'Method', description: o.method, detail: TUNING_METHODS[o.method].summary, edit: async () => {
        const picked = await pickMethod(o.method);
        if (!picked || picked === o.method) return;
        // A length left at the old method's default follows the new method's default.
        if (o.virtualTokens === TUNING_METHODS[o.method].defaults.virtualTokens) o.virtualTokens = TUNING_METHODS[picked].defaults.virtualTokens;
        if (picked !== 'p-tuning') o.encoderHiddenSize = undefined;
        if (picked === 'prefix-tuning' && o.init !== 'vocab' && o.init !== 'random') o.init = 'text';
        o.method = picked;
      } },
      { label: 'Training data', description: displayPath(o.train), edit: async () => { o.train = (await pickDataset(ctx, promptFile, 'train', { ask: true })) ?? o.train; } },
      { label: 'Dev data', description: o.eval ? displayPath(o.eval) : 'none', edit: async () => {
        const picked = await pickDataset(ctx, promptFile, 'dev', { ask: true, optional: true });
        if (picked !== undefined) o.eval = picked ?? undefined;
      } },
      { label: o.method === 'prefix-tuning' ? 'Prefix length' : 'Virtual tokens', description: String(o.virtualTokens), edit: async () => { o.virtualTokens = await askInt(o.method === 'prefix-tuning' ? 'Prefix length (virtual tokens)' : 'Virtual tokens', o.virtualTokens, 1) ?? o.virtualTokens; } },
      ...(o.method === 'p-tuning' ? [{ label: 'Encoder hidden size', description: String(o.encoderHiddenSize ?? DEFAULT_ENCODER_HIDDEN_SIZE), edit: async () => {
        o.encoderHiddenSize = await askInt('Hidden size of the prompt encoder\'s MLP', o.encoderHiddenSize ?? DEFAULT_ENCODER_HIDDEN_SIZE, 1) ?? o.encoderHiddenSize;
      } }] : []),
      { label: 'Initialization', description: o.init, edit: async () => { o.init = (await askChoice('Initialization', ['text', 'vocab', 'random'], o.init)) ?? o.init; } },
      { label: 'Optimizer', description: o.optimizer, edit: async () => { o.optimizer = (await askChoice('Optimizer', ['adamw', 'adafactor', 'sgd'], o.optimizer)) ?? o.optimizer; } },
      { label: 'Learning rate', description: o.lr === undefined ? `${defaultLr} (default for ${o.method} with ${o.optimizer})` : String(o.lr), edit: async () => { o.lr = await askNumber('Learning rate', o.lr ?? defaultLr) ?? o.lr; } },
      { label: 'Steps', description: o.steps ? String(o.steps) : `${o.epochs ?? 3} epochs`, detail: 'A step count replaces the epoch count', edit: async () => {
        const steps = await askInt('Optimizer steps (empty: train by epochs)', o.steps, 1, true);
        if (steps === null) { o.steps = undefined; o.epochs = o.epochs ?? 3; } else if (steps !== undefined) { o.steps = steps; o.epochs = undefined; }
      } },
      { label: 'Batch size', description: String(o.batchSize), edit: async () => { o.batchSize = await askInt('Batch size', o.batchSize, 1) ?? o.batchSize; } },
      { label: 'Evaluate every', description: o.evalEvery ? `${o.evalEvery} steps` : 'once per epoch (at most every 100 steps)', edit: async () => {
        const every = await askInt('Evaluate on the dev set every N steps (empty: default)', o.evalEvery, 1, true);
        if (every !== undefined) o.evalEvery = every ?? undefined;
      } },
      { label: 'Dev rows per evaluation', description: o.evalLimit ? String(o.evalLimit) : 'all', edit: async () => {
        const limit = await askInt('Dev rows per evaluation (empty: all)', o.evalLimit, 1, true);
        if (limit !== undefined) o.evalLimit = limit ?? undefined;
      } },
      { label: 'Seed', description: String(o.seed), edit: async () => { o.seed = await askInt('Seed', o.seed, 0) ?? o.seed; } },
      { label: 'Output folder', description: displayPath(o.out), edit: async () => {
        const value = await vscode.window.showInputBox({ title: 'Output folder for the soft prompt', value: o.out, ignoreFocusOut: true });
        if (value) o.out = path.resolve(ctx.outputRoot, value);
      } },
    ];
    const picked = await vscode.window.showQuickPick(items, { title: `Train a soft prompt for ${path.basename(promptFile)}`, placeHolder: 'Start, or pick an option to change it', ignoreFocusOut: true });
    if (!picked) return false;
    if (!picked.edit) return true;
    await picked.edit();
  }
}

async function runTraining(ctx: Ctx, params: TrainParams): Promise<void> {
  const title = `Train ${path.basename(params.template)}`;
  const started = Date.now();
  let view: TrainingViewState = {
    jobId: '', title, status: 'running', step: 0, totalSteps: params.steps ?? 0, elapsedSeconds: 0, loss: [], devAccuracy: [],
    message: 'Loading the model…',
  };
  const publish = (patch: Partial<TrainingViewState>) => {
    view = { ...view, ...patch, elapsedSeconds: (Date.now() - started) / 1000 };
    ctx.store.update({ training: view });
  };
  ctx.studio.show('training');
  const promise = ctx.jobs.run('train', params, {
    title,
    long: true,
    onStart: (jobId) => publish({ jobId }),
    onProgress: (p) => publish(trainingPatch(view, p)),
    describe: (p) => p.type === 'step' ? { message: `step ${p.step}/${p.totalSteps} · loss ${p.loss.toFixed(3)}`, fraction: p.step / Math.max(1, p.totalSteps) }
      : p.type === 'status' ? { message: p.message } : undefined,
  });
  ctx.output.info(`${title}: ${JSON.stringify(params)}`);
  try {
    const result = await promise;
    publish(finishedPatch(result));
    if (result.saved) await ctx.state.setLastSoftPrompt(result.out);
    ctx.output.info(`${title}: ${result.stopReason} after ${result.steps}/${result.totalSteps} steps in ${result.seconds.toFixed(1)} s; ` +
      (result.saved ? `saved step ${result.savedStep} to ${result.out}` : 'nothing saved') + (result.stopMessage ? ` (${result.stopMessage})` : ''));
    for (const warning of result.warnings) ctx.output.warn(`${title}: ${warning}`);
    const done = result.stopReason === 'cancelled' ? 'cancelled' : 'finished';
    const choice = await vscode.window.showInformationMessage(
      `${title} ${done}${result.saved ? `: the prompt from step ${result.savedStep} is in ${displayPath(result.out)}` : ' before anything was saved'}.`,
      ...(result.saved ? ['Show Projection'] : []));
    if (choice) await vscode.commands.executeCommand('promptTuning.showProjection', result.out);
  } catch (error) {
    publish(error instanceof CancelledError ? { status: 'cancelled', message: 'Cancelled before anything was saved.' } : { status: 'failed', message: errorMessage(error) });
    report(ctx, title, error);
  } finally {
    await ctx.state.setLastTraining(view);
  }
}

function trainingPatch(view: TrainingViewState, p: TrainJobProgress): Partial<TrainingViewState> {
  switch (p.type) {
    case 'step':
      return { step: p.step, totalSteps: p.totalSteps, etaSeconds: p.etaSeconds, loss: [...view.loss, { step: p.step, value: p.loss }], message: undefined };
    case 'eval':
      return p.accuracy === undefined ? {} : { devAccuracy: [...view.devAccuracy, { step: p.step, value: p.accuracy }] };
    case 'checkpoint':
      return {};
    case 'status':
      return { message: p.message };
  }
}

function finishedPatch(result: TrainResult): Partial<TrainingViewState> {
  const status = result.stopReason === 'cancelled' ? 'cancelled' : 'done';
  const best = result.bestEvalAccuracy === null ? undefined : `Kept step ${result.savedStep}: dev accuracy ${(100 * result.bestEvalAccuracy).toFixed(1)}%.`;
  return {
    status, step: result.steps, totalSteps: result.totalSteps, etaSeconds: undefined,
    message: [sentence(result.stopMessage), result.saved ? undefined : 'Nothing was saved.', best].filter(Boolean).join(' '),
    outputFile: result.saved ? `${displayPath(result.out)} (step ${result.savedStep})` : undefined,
  };
}

/** "cancelled at step 8" → "Cancelled at step 8." */
function sentence(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const trimmed = text.trim();
  return trimmed.charAt(0).toUpperCase() + trimmed.slice(1) + (/[.!?]$/.test(trimmed) ? '' : '.');
}

async function askInt(title: string, value: number | undefined, min: number, allowEmpty = false): Promise<number | null | undefined> {
  const text = await vscode.window.showInputBox({
    title, value: value === undefined ? '' : String(value), ignoreFocusOut: true,
    validateInput: (v) => (allowEmpty && v.trim() === '') || (/^\d+$/.test(v.trim()) && Number(v) >= min) ? undefined : `a whole number ≥ ${min}${allowEmpty ? ', or empty' : ''}`,
  });
  if (text === undefined) return undefined;
  return text.trim() === '' ? null : Number(text);
}

async function askNumber(title: string, value: number): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({
    title, value: String(value), ignoreFocusOut: true,
    validateInput: (v) => Number.isFinite(Number(v)) && Number(v) > 0 ? undefined : 'a positive number',
  });
  return text === undefined ? undefined : Number(text);
}

/** The tuning methods, each with its one-line summary. */
async function pickMethod(current: MethodName): Promise<MethodName | undefined> {
  const picked = await vscode.window.showQuickPick(
    METHOD_CHOICES.map((name) => ({ label: name, description: name === current ? 'current' : undefined, detail: TUNING_METHODS[name].summary, name })),
    { title: 'Tuning method', ignoreFocusOut: true },
  );
  return picked?.name;
}

async function askChoice<T extends string>(title: string, choices: readonly T[], current: T): Promise<T | undefined> {
  const picked = await vscode.window.showQuickPick(choices.map((c) => ({ label: c, description: c === current ? 'current' : undefined })), { title });
  return picked?.label as T | undefined;
}

export function timestamp(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}
