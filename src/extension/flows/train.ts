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
import { displayPath } from '../paths';
import type { TrainingViewState } from '../views/protocol';
import { pickDataset, pickSoftPrompt } from './pickers';
import type { RunDataFile } from '../artifacts/runHistory';
import { describeSoftPrompt, type SoftPromptInfo } from '../artifacts/softPrompts';
import { readTrainingRecord, type DataRecord, type TrainingRecord } from '../../tuning/training-record';
import { prepare, trainingDataChosen, trainingDataSteps, type TrainingData } from './runnable';
import { cancelFlow, runSteps, type StepInput } from './multiStep';
import { reportError } from '../errors';

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
    const length = o.steps ? countOf(o.steps, 'steps') : countOf(o.epochs ?? 3, 'epochs');
    const defaultLr = TUNING_METHODS[o.method].defaults.lr[o.optimizer as OptimizerName];
    const items: Item[] = [
      { label: `$(rocket) ${vscode.l10n.t('Start training')}`, description: vscode.l10n.t({
        message: '{0} · {1} · {2} · {3} lr {4}', args: [o.method, countOf(o.virtualTokens, 'virtualTokens'), length, o.optimizer, o.lr ?? defaultLr],
        comment: ['The training options in short: {0} the tuning method, {1} "20 virtual tokens", {2} "3 epochs" or "50 steps", {3} the optimizer, {4} the learning rate'],
      }) },
      { label: '', kind: vscode.QuickPickItemKind.Separator },
      { label: vscode.l10n.t({ message: 'Method', comment: ['The tuning method (prompt tuning, P-tuning, prefix tuning)'] }), description: o.method, detail: TUNING_METHODS[o.method].summary, edit: async () => {
        const picked = await pickMethod(o.method);
        if (!picked || picked === o.method) return;
        // A length left at the old method's default follows the new method's default.
        if (o.virtualTokens === TUNING_METHODS[o.method].defaults.virtualTokens) o.virtualTokens = TUNING_METHODS[picked].defaults.virtualTokens;
        if (picked !== 'p-tuning') o.encoderHiddenSize = undefined;
        if (picked === 'prefix-tuning' && o.init !== 'vocab' && o.init !== 'random') o.init = 'text';
        o.method = picked;
      } },
      { label: vscode.l10n.t('Training data'), description: displayPath(o.train), edit: async () => { o.train = data.train = (await pickDataset(ctx, promptFile, 'train', { ask: true })) ?? o.train; } },
      { label: vscode.l10n.t('Dev data'), description: o.eval ? displayPath(o.eval) : vscode.l10n.t({ message: 'none', comment: ['No dev dataset'] }), edit: async () => {
        const picked = await pickDataset(ctx, promptFile, 'dev', { ask: true, optional: true });
        if (picked !== undefined) o.eval = picked ?? undefined;
        if (picked !== undefined) Object.assign(data, { dev: o.eval, devAsked: true });
      } },
      { label: o.method === 'prefix-tuning' ? vscode.l10n.t('Prefix length') : vscode.l10n.t('Virtual tokens'), description: String(o.virtualTokens), edit: async () => { o.virtualTokens = await askInt(o.method === 'prefix-tuning' ? vscode.l10n.t('Prefix length (virtual tokens)') : vscode.l10n.t('Virtual tokens'), o.virtualTokens, 1) ?? o.virtualTokens; } },
      ...(o.method === 'p-tuning' ? [{ label: vscode.l10n.t('Encoder hidden size'), description: String(o.encoderHiddenSize ?? DEFAULT_ENCODER_HIDDEN_SIZE), edit: async () => {
        o.encoderHiddenSize = await askInt(vscode.l10n.t('Hidden size of the prompt encoder\'s MLP'), o.encoderHiddenSize ?? DEFAULT_ENCODER_HIDDEN_SIZE, 1) ?? o.encoderHiddenSize;
      } }] : []),
      { label: vscode.l10n.t('Initialization'), description: o.init, edit: async () => {
        const choices = o.method === 'prefix-tuning' ? ['text', 'vocab', 'random'] as const : ['text', 'vocab', 'random', CONTINUE_CHOICE] as const;
        const picked = await askChoice(vscode.l10n.t('Initialization'), choices, o.init.startsWith(ADAPTER_INIT) ? CONTINUE_CHOICE : o.init as typeof choices[number],
          (c) => c === CONTINUE_CHOICE ? vscode.l10n.t('continue from a soft prompt…') : c);
        if (picked !== CONTINUE_CHOICE) {
          o.init = picked ?? o.init;
          return;
        }
        const dir = await pickSoftPrompt(ctx, vscode.l10n.t('Continue training from which soft prompt?'));
        const info = dir ? describeSoftPrompt(dir) : undefined;
        if (dir && !info) void vscode.window.showErrorMessage(vscode.l10n.t('{0} holds no soft prompt (adapter_config.json).', displayPath(dir)));
        else if (info?.method === 'prefix-tuning') void vscode.window.showErrorMessage(vscode.l10n.t('{0} is a prefix-tuning adapter: training cannot continue from one.', info.name));
        else if (info) continueFromAdapter(o, info);
      } },
      { label: vscode.l10n.t('Optimizer'), description: o.optimizer, edit: async () => { o.optimizer = (await askChoice(vscode.l10n.t('Optimizer'), ['adamw', 'adafactor', 'sgd'], o.optimizer)) ?? o.optimizer; } },
      { label: vscode.l10n.t('Learning rate'), description: o.lr === undefined ? vscode.l10n.t({ message: '{0} (default for {1} with {2})', args: [defaultLr, o.method, o.optimizer], comment: ['{0}: a learning rate; {1}: the tuning method; {2}: the optimizer'] }) : String(o.lr), edit: async () => { o.lr = await askNumber(vscode.l10n.t('Learning rate'), o.lr ?? defaultLr) ?? o.lr; } },
      { label: vscode.l10n.t({ message: 'Steps', comment: ['Optimizer steps'] }), description: o.steps ? String(o.steps) : countOf(o.epochs ?? 3, 'epochs'), detail: vscode.l10n.t('A step count replaces the epoch count'), edit: async () => {
        const steps = await askInt(vscode.l10n.t('Optimizer steps (empty: train by epochs)'), o.steps, 1, true);
        if (steps === null) { o.steps = undefined; o.epochs = o.epochs ?? 3; } else if (steps !== undefined) { o.steps = steps; o.epochs = undefined; }
      } },
      { label: vscode.l10n.t('Batch size'), description: String(o.batchSize), edit: async () => { o.batchSize = await askInt(vscode.l10n.t('Batch size'), o.batchSize, 1) ?? o.batchSize; } },
      { label: vscode.l10n.t('Evaluate every'), description: o.evalEvery ? countOf(o.evalEvery, 'steps') : vscode.l10n.t('once per epoch (at most every 100 steps)'), edit: async () => {
        const every = await askInt(vscode.l10n.t('Evaluate on the dev set every N steps (empty: default)'), o.evalEvery, 1, true);
        if (every !== undefined) o.evalEvery = every ?? undefined;
      } },
      { label: vscode.l10n.t('Dev rows per evaluation'), description: o.evalLimit ? String(o.evalLimit) : vscode.l10n.t({ message: 'all', comment: ['All dev rows'] }), edit: async () => {
        const limit = await askInt(vscode.l10n.t('Dev rows per evaluation (empty: all)'), o.evalLimit, 1, true);
        if (limit !== undefined) o.evalLimit = limit ?? undefined;
      } },
      { label: vscode.l10n.t({ message: 'Seed', comment: ['The random seed'] }), description: String(o.seed), edit: async () => { o.seed = await askInt(vscode.l10n.t({ message: 'Seed', comment: ['The random seed'] }), o.seed, 0) ?? o.seed; } },
      { label: vscode.l10n.t('Output folder'), description: displayPath(o.out), edit: async () => {
        const value = await vscode.window.showInputBox({ title: vscode.l10n.t('Output folder for the soft prompt'), value: o.out, ignoreFocusOut: true });
        if (value) o.out = path.resolve(ctx.outputRoot, value);
      } },
    ];
    const picked = await input.pick({ items, title: vscode.l10n.t('Train a soft prompt for {0}', path.basename(promptFile)), placeholder: vscode.l10n.t('Start, or pick an option to change it'), ignoreFocusOut: true });
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
/** The Initialization choice that starts from an adapter (its label is translated, see confirmOptions). */
const CONTINUE_CHOICE = 'adapter';

/** "3 epochs", "1 step", "20 virtual tokens": a count with its unit, each plural its own message. */
function countOf(n: number, unit: 'steps' | 'epochs' | 'virtualTokens'): string {
  switch (unit) {
    case 'steps': return n === 1 ? vscode.l10n.t('1 step') : vscode.l10n.t('{0} steps', n);
    case 'epochs': return n === 1 ? vscode.l10n.t('1 epoch') : vscode.l10n.t('{0} epochs', n);
    case 'virtualTokens': return n === 1 ? vscode.l10n.t('1 virtual token') : vscode.l10n.t('{0} virtual tokens', n);
  }
}

async function runTraining(ctx: Ctx, params: TrainParams): Promise<void> {
  const title = vscode.l10n.t('Train {0}', path.basename(params.template));
  const started = Date.now();
  let view: TrainingViewState = {
    jobId: '', title, status: 'running', step: 0, totalSteps: params.steps ?? 0, elapsedSeconds: 0, loss: [], devAccuracy: [],
    message: vscode.l10n.t('Loading the model…'),
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
    describe: (p) => p.type === 'step' ? { message: vscode.l10n.t({ message: 'step {0}/{1} · loss {2}', args: [p.step, p.totalSteps, p.loss.toFixed(3)], comment: ['Training progress: step {0} of {1}, the training loss {2}'] }), fraction: p.step / Math.max(1, p.totalSteps) }
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
    const choice = await vscode.window.showInformationMessage(finishedMessage(title, result), ...(result.saved ? [vscode.l10n.t('Show Projection')] : []));
    if (choice) await vscode.commands.executeCommand('promptTuning.showProjection', result.out);
  } catch (error) {
    // The window is being reloaded or closed: the run history records it as interrupted; the dashboard stays "running" for the next window to mark.
    if (ctx.runs.closing) return;
    publish(error instanceof CancelledError ? { status: 'cancelled', message: vscode.l10n.t('Cancelled before anything was saved.') } : { status: 'failed', message: errorMessage(error) });
    await run.failed(error, { curve: curve(), message: view.message });
    reportError(ctx, title, error);
  } finally {
    if (!ctx.runs.closing) await ctx.state.setLastTraining(view);
  }
}

/** "Train a finished: the prompt from step 40 is in soft-prompts/a." and the like. */
function finishedMessage(title: string, result: TrainResult): string {
  const cancelled = result.stopReason === 'cancelled';
  if (!result.saved) return cancelled ? vscode.l10n.t('{0} cancelled before anything was saved.', title) : vscode.l10n.t('{0} finished before anything was saved.', title);
  const folder = displayPath(result.out);
  return cancelled
    ? vscode.l10n.t({ message: '{0} cancelled: the prompt from step {1} is in {2}.', args: [title, result.savedStep, folder], comment: ['{0}: the training job\'s title, e.g. "Train review.prompt"; {1}: a step number; {2}: a folder'] })
    : vscode.l10n.t({ message: '{0} finished: the prompt from step {1} is in {2}.', args: [title, result.savedStep, folder], comment: ['{0}: the training job\'s title, e.g. "Train review.prompt"; {1}: a step number; {2}: a folder'] });
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
  const best = result.bestEvalAccuracy === null ? undefined : vscode.l10n.t('Kept step {0}: dev accuracy {1}%.', result.savedStep, (100 * result.bestEvalAccuracy).toFixed(1));
  return {
    status, step: result.steps, totalSteps: result.totalSteps, etaSeconds: undefined,
    message: [sentence(result.stopMessage), result.saved ? undefined : vscode.l10n.t('Nothing was saved.'), best].filter(Boolean).join(' '),
    outputFile: result.saved ? vscode.l10n.t({ message: '{0} (step {1})', args: [displayPath(result.out), result.savedStep], comment: ['{0}: the soft prompt\'s folder; {1}: the training step it was saved from'] }) : undefined,
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
    validateInput: (v) => (allowEmpty && v.trim() === '') || (/^\d+$/.test(v.trim()) && Number(v) >= min) ? undefined
      : allowEmpty ? vscode.l10n.t('a whole number ≥ {0}, or empty', min) : vscode.l10n.t('a whole number ≥ {0}', min),
  });
  if (text === undefined) return undefined;
  return text.trim() === '' ? null : Number(text);
}

async function askNumber(title: string, value: number): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({
    title, value: String(value), ignoreFocusOut: true,
    validateInput: (v) => Number.isFinite(Number(v)) && Number(v) > 0 ? undefined : vscode.l10n.t('a positive number'),
  });
  return text === undefined ? undefined : Number(text);
}

/** The tuning methods, each with its one-line summary. */
async function pickMethod(current: MethodName): Promise<MethodName | undefined> {
  const picked = await vscode.window.showQuickPick(
    METHOD_CHOICES.map((name) => ({ label: name, description: name === current ? vscode.l10n.t({ message: 'current', comment: ['Marks the current choice in a list'] }) : undefined, detail: TUNING_METHODS[name].summary, name })),
    { title: vscode.l10n.t('Tuning method'), ignoreFocusOut: true },
  );
  return picked?.name;
}

/** `labelOf`: how a choice shows (default: as it is, a value such as `adamw`). */
async function askChoice<T extends string>(title: string, choices: readonly T[], current: T, labelOf: (choice: T) => string = (c) => c): Promise<T | undefined> {
  const picked = await vscode.window.showQuickPick(choices.map((c) => ({ label: labelOf(c), description: c === current ? vscode.l10n.t({ message: 'current', comment: ['Marks the current choice in a list'] }) : undefined, choice: c })), { title });
  return picked?.choice;
}

export function timestamp(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}
