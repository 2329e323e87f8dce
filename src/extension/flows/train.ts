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
import { pickDataset, pickSoftPrompt } from './pickers';
import type { RunDataFile } from '../artifacts/runHistory';
import { describeSoftPrompt, type SoftPromptInfo } from '../artifacts/softPrompts';
import { readTrainingRecord, type DataRecord, type TrainingRecord } from '../../tuning/training-record';
import { prepare, trainingDataChosen, trainingDataSteps, type TrainingData } from './runnable';
import { cancelFlow, runSteps, type StepInput } from './multiStep';
import { report } from './test';

type Options = Required<Pick<TrainParams, 'virtualTokens' | 'init' | 'optimizer' | 'batchSize' | 'seed' | 'out'>>
  & Pick<TrainParams, 'lr' | 'epochs' | 'steps' | 'evalEvery' | 'evalLimit' | 'eval' | 'encoderHiddenSize'> & { train: string; method: MethodName };


/** `continueFrom`: a prompt-tuning or P-tuning adapter to start from (`--init adapter:DIR`, its method and length). */
export async function trainSoftPrompt(ctx: Ctx, uri?: vscode.Uri, continueFrom?: { from: SoftPromptInfo }): Promise<void> {
  const runnable = await prepare(ctx, uri);
  if (!runnable) return;
  const { model } = runnable;
  const promptFile = runnable.document.uri.fsPath;
  const name = path.basename(promptFile, '.prompt');
  const data: TrainingData = {};
  let options: Options | undefined;
  // Training file → dev file → the options (each question only when needed); Back from the options returns to the files.
  const done = await runSteps(data, [...trainingDataSteps(ctx, promptFile, data), { run: async (input) => {
    const chosen = trainingDataChosen(ctx, promptFile, data);
    if (!chosen) cancelFlow();
    if (!options) {
      options = { ...tuningFromSettings(ctx), method: DEFAULT_METHOD, train: chosen.train, eval: chosen.dev, out: path.join(ctx.outputRoot, 'soft-prompts', `${name}-${timestamp()}`) };
      if (continueFrom) continueFromAdapter(options, continueFrom.from);
    } else {
      options.train = chosen.train;
      options.eval = chosen.dev;
    }
    await confirmOptions(input, ctx, promptFile, options, data);
  } }]);
  if (!done || !options) return;
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

/**
 * The guided quick pick (the flow's last step): resolves on "Start training"; Escape and Back leave through the
 * flow. Changing the training or dev file here updates `data`, the answers of the flow's earlier steps.
 */
async function confirmOptions(input: StepInput, ctx: Ctx, promptFile: string, o: Options, data: TrainingData): Promise<void> {
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
      { label: 'Training data', description: displayPath(o.train), edit: async () => { o.train = data.train = (await pickDataset(ctx, promptFile, 'train', { ask: true })) ?? o.train; } },
      { label: 'Dev data', description: o.eval ? displayPath(o.eval) : 'none', edit: async () => {
        const picked = await pickDataset(ctx, promptFile, 'dev', { ask: true, optional: true });
        if (picked !== undefined) o.eval = picked ?? undefined;
        if (picked !== undefined) Object.assign(data, { dev: o.eval, devAsked: true });
      } },
      { label: o.method === 'prefix-tuning' ? 'Prefix length' : 'Virtual tokens', description: String(o.virtualTokens), edit: async () => { o.virtualTokens = await askInt(o.method === 'prefix-tuning' ? 'Prefix length (virtual tokens)' : 'Virtual tokens', o.virtualTokens, 1) ?? o.virtualTokens; } },
      ...(o.method === 'p-tuning' ? [{ label: 'Encoder hidden size', description: String(o.encoderHiddenSize ?? DEFAULT_ENCODER_HIDDEN_SIZE), edit: async () => {
        o.encoderHiddenSize = await askInt('Hidden size of the prompt encoder\'s MLP', o.encoderHiddenSize ?? DEFAULT_ENCODER_HIDDEN_SIZE, 1) ?? o.encoderHiddenSize;
      } }] : []),
      { label: 'Initialization', description: o.init, edit: async () => {
        const choices = o.method === 'prefix-tuning' ? ['text', 'vocab', 'random'] as const : ['text', 'vocab', 'random', CONTINUE_CHOICE] as const;
        const picked = await askChoice('Initialization', choices, o.init.startsWith(ADAPTER_INIT) ? CONTINUE_CHOICE : o.init as typeof choices[number]);
        if (picked !== CONTINUE_CHOICE) {
          o.init = picked ?? o.init;
          return;
        }
        const dir = await pickSoftPrompt(ctx, 'Continue training from which soft prompt?');
        const info = dir ? describeSoftPrompt(dir) : undefined;
        if (dir && !info) void vscode.window.showErrorMessage(`${displayPath(dir)} holds no soft prompt (adapter_config.json).`);
        else if (info?.method === 'prefix-tuning') void vscode.window.showErrorMessage(`${info.name} is a prefix-tuning adapter: training cannot continue from one.`);
        else if (info) continueFromAdapter(o, info);
      } },
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
    const picked = await input.pick({ items, title: `Train a soft prompt for ${path.basename(promptFile)}`, placeholder: 'Start, or pick an option to change it', ignoreFocusOut: true });
    if (!picked.edit) return;
    await picked.edit();
  }
}

/** `--init adapter:DIR`: the adapter's method and length (P-tuning: its encoder's size, from its training record). */
function continueFromAdapter(o: Options, info: SoftPromptInfo): void {
  o.init = `${ADAPTER_INIT}${info.dir}`;
  o.method = info.method;
  if (info.virtualTokens !== undefined) o.virtualTokens = info.virtualTokens;
  const method = info.record?.method;
  o.encoderHiddenSize = method?.name === 'p-tuning' ? method.encoderHiddenSize : undefined;
}

const ADAPTER_INIT = 'adapter:';
const CONTINUE_CHOICE = 'continue from a soft prompt…';

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
  const run = ctx.runs.begin({
    kind: 'training', title, model: params.model, promptFiles: [params.template],
    data: [{ role: 'train', file: params.train }, ...(params.eval ? [{ role: 'dev' as const, file: params.eval }] : [])],
    parameters: { ...params }, outputs: { adapter: params.out },
  });
  // Saved now, not only at the end: after a window reload the dashboard shows this run as interrupted.
  view = { ...view, runId: run.id };
  void ctx.state.setLastTraining(view);
  const curve = () => ({ loss: view.loss, devAccuracy: view.devAccuracy });
  const promise = ctx.jobs.run('train', params, {
    title,
    long: true,
    onStart: (jobId) => publish({ jobId }),
    onProgress: (p) => {
      publish(trainingPatch(view, p));
      // The curve so far goes with each checkpoint, so a run interrupted by a reload keeps it.
      if (p.type === 'checkpoint') {
        run.update({ checkpointStep: p.step, curve: curve() });
        // The folder is replaced by a rename, which file watchers may not report: show it now.
        ctx.softPrompts.touch(params.out);
      }
    },
    describe: (p) => p.type === 'step' ? { message: `step ${p.step}/${p.totalSteps} · loss ${p.loss.toFixed(3)}`, fraction: p.step / Math.max(1, p.totalSteps) }
      : p.type === 'status' ? { message: p.message } : undefined,
  });
  ctx.output.info(`${title}: ${JSON.stringify(params)}`);
  try {
    const result = await promise;
    publish(finishedPatch(result));
    await run.done({
      status: result.stopReason === 'cancelled' ? 'cancelled' : 'done', curve: curve(), message: view.message,
      metrics: trainingMetrics(result), ...(result.saved ? { checkpointStep: result.savedStep, data: trainedData(result.out, params) } : {}),
    });
    if (result.saved) {
      await ctx.state.setLastSoftPrompt(result.out);
      await ctx.softPrompts.addTrained(result.out);
    }
    ctx.output.info(`${title}: ${result.stopReason} after ${result.steps}/${result.totalSteps} steps in ${result.seconds.toFixed(1)} s; ` +
      (result.saved ? `saved step ${result.savedStep} to ${result.out}` : 'nothing saved') + (result.stopMessage ? ` (${result.stopMessage})` : ''));
    for (const warning of result.warnings) ctx.output.warn(`${title}: ${warning}`);
    const done = result.stopReason === 'cancelled' ? 'cancelled' : 'finished';
    const choice = await vscode.window.showInformationMessage(
      `${title} ${done}${result.saved ? `: the prompt from step ${result.savedStep} is in ${displayPath(result.out)}` : ' before anything was saved'}.`,
      ...(result.saved ? ['Show Projection'] : []));
    if (choice) await vscode.commands.executeCommand('promptTuning.showProjection', result.out);
  } catch (error) {
    // The window is being reloaded or closed: the run history records it as interrupted; the dashboard stays "running" for the next window to mark.
    if (ctx.runs.closing) return;
    publish(error instanceof CancelledError ? { status: 'cancelled', message: 'Cancelled before anything was saved.' } : { status: 'failed', message: errorMessage(error) });
    await run.failed(error, { curve: curve(), message: view.message });
    report(ctx, title, error);
  } finally {
    if (!ctx.runs.closing) await ctx.state.setLastTraining(view);
  }
}

function trainingMetrics(result: TrainResult): Record<string, number> {
  const all: Record<string, number | null> = {
    steps: result.steps, totalSteps: result.totalSteps, seconds: result.seconds, initialLoss: result.initialLoss, finalLoss: result.finalLoss,
    bestDevAccuracy: result.bestEvalAccuracy, bestDevLoss: result.bestEvalLoss, trainRows: result.trainRows,
  };
  return Object.fromEntries(Object.entries(all).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])));
}

/** The datasets with the hashes the adapter's training record holds (the worker read them); without a record, without hashes. */
function trainedData(adapter: string, params: TrainParams): RunDataFile[] {
  let record: TrainingRecord | undefined;
  try {
    record = readTrainingRecord(adapter);
  } catch {
    record = undefined;
  }
  const entry = (role: 'train' | 'dev', file: string, r?: DataRecord): RunDataFile => ({ role, file, ...(r ? { hash: r.hash, rows: r.rows } : {}) });
  return [entry('train', params.train, record?.data.train), ...(params.eval ? [entry('dev', params.eval, record?.data.eval)] : [])];
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
