/**
 * Training options as the CLI and the extension give them (TrainParams), checked and completed with
 * defaults before anything is loaded or written, so a bad option costs nothing and leaves nothing behind.
 */
import type { LossKind } from '../engine/api';
import { UserError } from '../engine/errors';
import type { PromptFile } from '../prompts';
import type { TrainParams, TuningParams } from './train-params';
import { checkOutputPlace, type Note } from '../common/output-guard';
import { checkOutputFolder } from './adapter';
import { parseInitSpec, type InitSpec } from './init';
import { parseMethodName, tuningMethod, type MethodName } from './methods/index';
import { parseOptimizerName, type OptimizerName } from './optimizers';
import { parseScheduleName } from './schedule';
import { KEEP_BEST_CHOICES, type KeepBestBy, type TrainerConfig } from './trainer';

export const DEFAULT_EPOCHS = 3;
export const DEFAULT_BATCH_SIZE = 8;

/** Checked options: the trainer's settings as TrainerConfig names them, plus what is settled before training starts. */
export interface TrainOptions extends Pick<TrainerConfig, 'lr' | 'schedule' | 'epochs' | 'steps' | 'batchSize' | 'clip' | 'seed' | 'shuffle' | 'stratify' | 'evalEvery' | 'patience' | 'keepBest'> {
  method: MethodName;
  /** P-tuning only; undefined: the method's default. */
  encoderHiddenSize?: number;
  /** P-tuning only; undefined: the method's default (residual). */
  encoderResidual?: boolean;
  /** Undefined: text init from the prompt's instruction, or vocab when it has none. */
  init?: InitSpec;
  virtualTokens?: number;
  /** Undefined: chosen from the prompt file's task (see lossFor). */
  loss?: LossKind;
  optimizer: OptimizerName;
  weightDecay: number;
  /** Warmup steps. */
  warmup: number;
  maxLength?: number;
  limit?: number;
  evalLimit?: number;
}

export function resolveTrainOptions(p: Omit<TuningParams, 'eval'>): TrainOptions {
  const method = parseMethodName(p.method);
  const defaults = tuningMethod(method).defaults;
  const optimizer = parseOptimizerName(p.optimizer ?? 'adamw');
  if (method !== 'p-tuning') {
    if (p.encoderHiddenSize !== undefined) throw new UserError(`--encoder-hidden-size applies to --method p-tuning only, not ${method}`);
    if (p.encoderResidual === false) throw new UserError(`--no-encoder-residual applies to --method p-tuning only, not ${method}`);
  }
  const init = p.init === undefined && p.initText === undefined ? undefined : parseInitSpec(p.init ?? 'text', p.initText);
  if (init && !tuningMethod(method).inits.includes(init.kind)) {
    throw new UserError(`--init ${init.kind === 'adapter' ? 'adapter:' : init.kind} is not available for ${method}: use ${tuningMethod(method).inits.map((k) => (k === 'adapter' ? 'adapter:DIR' : k)).join(', ')}`);
  }
  if (p.loss !== undefined && p.loss !== 'lm' && p.loss !== 'verbalizer') throw new UserError(`unknown --loss "${String(p.loss)}": use lm or verbalizer`);
  if (p.epochs !== undefined && p.steps !== undefined) throw new UserError('give --epochs or --steps, not both');
  if (p.weightDecay !== undefined && optimizer !== 'adamw') {
    throw new UserError(`--weight-decay applies to adamw only (adafactor uses Lester et al.'s 1e-5, sgd none)`);
  }
  const warmup = integer('--warmup', p.warmup, 0) ?? 0;
  const steps = integer('--steps', p.steps, 1);
  const epochs = steps === undefined ? integer('--epochs', p.epochs, 1) ?? DEFAULT_EPOCHS : undefined;
  return {
    method,
    encoderHiddenSize: integer('--encoder-hidden-size', p.encoderHiddenSize, 1),
    encoderResidual: p.encoderResidual,
    init,
    virtualTokens: integer('--virtual-tokens', p.virtualTokens, 1),
    loss: p.loss,
    optimizer,
    lr: positive('--lr', p.lr) ?? defaults.lr[optimizer],
    weightDecay: nonNegative('--weight-decay', p.weightDecay) ?? 0,
    schedule: parseScheduleName(p.schedule ?? 'constant'),
    warmup,
    epochs,
    steps,
    batchSize: integer('--batch-size', p.batchSize, 1) ?? DEFAULT_BATCH_SIZE,
    clip: positive('--clip', p.clip),
    seed: integer('--seed', p.seed, 0) ?? 0,
    shuffle: p.shuffle ?? true,
    stratify: p.stratify ?? true,
    maxLength: integer('--max-length', p.maxLength, 1),
    evalEvery: integer('--eval-every', p.evalEvery, 1),
    patience: integer('--patience', p.patience, 1),
    keepBest: parseKeepBest(p.keepBest),
    limit: integer('--limit', p.limit, 1),
    evalLimit: integer('--eval-limit', p.evalLimit, 1),
  };
}

/**
 * Checks `--out` before anything is loaded: not an input of the run (model, data, prompt file, init
 * adapter) nor a folder holding one, and not something other than ptune's own adapter (see
 * checkOutputFolder). Repairs of an interrupted earlier save go to `note`.
 */
export function checkTrainOutput(p: Pick<TrainParams, 'model' | 'train' | 'eval' | 'template' | 'out' | 'overwrite'>, options: Pick<TrainOptions, 'init'>, note: Note): void {
  checkOutputPlace({ flag: '--out', path: p.out }, [
    { flag: '--model', path: p.model },
    { flag: '--train', path: p.train },
    p.eval === undefined ? undefined : { flag: '--eval', path: p.eval },
    { flag: '--template', path: p.template },
    options.init?.kind === 'adapter' ? { flag: '--init adapter:', path: options.init.dir } : undefined,
  ], note);
  checkOutputFolder(p.out, p.overwrite ?? false);
}

/** The loss to train with: the one given, else verbalizer for classification prompts and lm for generation. */
export function lossFor(options: Pick<TrainOptions, 'loss'>, task: PromptFile['task']): LossKind {
  return options.loss ?? (task === 'classification' ? 'verbalizer' : 'lm');
}

/** The trainer's settings for these options, with the loss already chosen for the prompt's task. */
export function trainerConfig(options: TrainOptions, loss: LossKind): TrainerConfig {
  return {
    loss,
    optimizer: { name: options.optimizer, weightDecay: options.weightDecay },
    lr: options.lr,
    schedule: options.schedule,
    warmupSteps: options.warmup,
    epochs: options.epochs,
    steps: options.steps,
    batchSize: options.batchSize,
    clip: options.clip,
    seed: options.seed,
    shuffle: options.shuffle,
    stratify: options.stratify,
    evalEvery: options.evalEvery,
    patience: options.patience,
    keepBest: options.keepBest,
  };
}

function parseKeepBest(value: string | undefined): KeepBestBy {
  if (value === undefined) return 'loss';
  if (!(KEEP_BEST_CHOICES as readonly string[]).includes(value)) throw new UserError(`unknown --keep-best "${value}": use ${KEEP_BEST_CHOICES.join(' or ')}`);
  return value as KeepBestBy;
}

function integer(flag: string, value: number | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min) throw new UserError(`${flag} must be a whole number ≥ ${min}, got ${value}`);
  return value;
}

function positive(flag: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value <= 0) throw new UserError(`${flag} must be a positive number, got ${value}`);
  return value;
}

function nonNegative(flag: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value < 0) throw new UserError(`${flag} must be a number ≥ 0, got ${value}`);
  return value;
}
