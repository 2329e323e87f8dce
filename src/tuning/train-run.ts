/**
 * The train use case that `ptune train` (through the worker's train job), `ptune bench --tune` and
 * `ptune export-peft` share: set the chosen method up on a loaded model (init, loss, trainer settings), run
 * the trainer on it, save the result as the method's PEFT adapter, and keep the training record.
 */
import * as path from 'path';
import type { LossKind, ModelEngine, ModelInfo, SoftPrompt } from '../engine/api';
import { UserError } from '../engine/errors';
import type { PromptFile } from '../prompts';
import { saveAdapter } from './adapter';
import type { InitSpec } from './init';
import { defaultInitSpec, instructionText } from './instruction';
import { tuningMethod, type MethodName, type PreparedMethod } from './methods/index';
import { isPrefixPrompt, type PromptParams } from '../engine/api';
import { lossFor, trainerConfig, type TrainOptions } from './train-options';
import { trainPrompt, type Checkpoint, type TrainerConfig, type TrainerInput, type TrainOutcome } from './trainer';
import { TRAINING_RECORD_FORMAT_VERSION, type DataRecord, type TrainingRecord, type TrainingRecordWriter } from './training-record';

export interface TrainingSetup {
  methodName: MethodName;
  method: PreparedMethod;
  initSpec: InitSpec;
  loss: LossKind;
  config: TrainerConfig;
  warnings: string[];
}

/**
 * Refuses a prompt file the method cannot train with: prefix tuning's keys/values come before the whole
 * sequence (as PEFT's past key/values do), so a {{ soft_prompt }} marker inside the prompt has no meaning.
 */
export function checkMethodFitsPrompt(method: MethodName, prompt: Pick<PromptFile, 'file' | 'softPrompt'>): void {
  if (method === 'prefix-tuning' && prompt.softPrompt === 'marker') {
    throw new UserError(`${prompt.file}: prefix tuning puts its keys and values before the whole prompt, so the {{ soft_prompt }} marker has no place to go: use soft_prompt: prefix, or another --method`, prompt.file);
  }
}

/** The method's starting parameters and the trainer's settings for `options` on `engine` (the model is loaded). */
export async function setUpTraining(engine: ModelEngine, prompt: PromptFile, options: TrainOptions): Promise<TrainingSetup> {
  checkMethodFitsPrompt(options.method, prompt);
  const instruction = instructionText(prompt);
  const warnings: string[] = [];
  // Without --init, start from the instruction text, or from vocabulary rows when there is none.
  const initSpec: InitSpec = options.init ?? defaultInitSpec(prompt);
  if (!options.init && !instruction) warnings.push(`${prompt.file} has no instruction text to initialise from; using --init vocab`);
  const method = await tuningMethod(options.method).prepare(engine, {
    init: initSpec,
    numVirtual: options.virtualTokens,
    seed: options.seed,
    defaultText: instruction,
    encoderHiddenSize: options.encoderHiddenSize,
    encoderResidual: options.encoderResidual,
  });
  warnings.push(...method.warnings);
  const loss = lossFor(options, prompt.task);
  return { methodName: options.method, method, initSpec, loss, config: trainerConfig(options, loss), warnings };
}

/** Runs the trainer on the set-up method. */
export function runTraining(setup: TrainingSetup, input: Omit<TrainerInput, 'trainable' | 'config'>): Promise<TrainOutcome> {
  return trainPrompt({ ...input, trainable: setup.method.trainable, config: setup.config });
}

/** The set-up method's starting prompt as a soft prompt (prompt tuning and P-tuning; not prefixes). */
export function initialSoftPrompt(method: PreparedMethod): SoftPrompt {
  const prompt = method.trainable.materialize(Float32Array.from(method.trainable.initial));
  if (isPrefixPrompt(prompt)) throw new Error('initialSoftPrompt: the method trains key/value prefixes, not a soft prompt');
  return prompt;
}

/** Saves a trained prompt as the method's PEFT adapter (atomically), with its training record. */
export function saveTrainedAdapter(dir: string, info: ModelInfo, method: PreparedMethod, prompt: PromptParams, record: TrainingRecord): void {
  saveAdapter(dir, { info, soft: prompt, origin: method.origin, record, method: method.adapter });
}

/** What the record says about the run before training starts. */
export interface RecordStart {
  writtenBy: TrainingRecordWriter;
  engineVersion: string;
  startedAt?: string;
  info?: ModelInfo;
  prompt: PromptFile;
  train: DataRecord;
  eval?: DataRecord;
  seed: number;
  setup: Pick<TrainingSetup, 'method' | 'initSpec'>;
  maxLength?: number;
}

export function startTrainingRecord(s: RecordStart): TrainingRecord {
  const { info, prompt, setup } = s;
  return {
    tool: 'ptune',
    formatVersion: TRAINING_RECORD_FORMAT_VERSION,
    writtenBy: s.writtenBy,
    engineVersion: s.engineVersion,
    ...(s.startedAt ? { startedAt: s.startedAt } : {}),
    method: setup.method.record,
    ...(info ? { model: { dir: info.dir, nameOrPath: info.nameOrPath, hiddenSize: info.hiddenSize, numLayers: info.numLayers, vocabSize: info.vocabSize } } : {}),
    prompt: { file: path.resolve(prompt.file), name: prompt.name, task: prompt.task, softPrompt: prompt.softPrompt, source: prompt.source },
    data: { train: s.train, ...(s.eval ? { eval: s.eval } : {}) },
    seed: s.seed,
    init: { ...describeInit(setup.initSpec), description: setup.method.description },
    numVirtualTokens: setup.method.numVirtual,
    ...(s.maxLength !== undefined ? { maxLength: s.maxLength } : {}),
    curve: [],
    evals: [],
  };
}

/** The record of a checkpoint: the start, the curve so far, and with `outcome` the run's result and timings. */
export function checkpointRecord(start: TrainingRecord, p: { config: TrainerConfig; checkpoint: Checkpoint; curve: TrainingRecord['curve']; evals: TrainingRecord['evals']; outcome?: TrainOutcome }): TrainingRecord {
  const { checkpoint, outcome } = p;
  return {
    ...start,
    savedAt: new Date().toISOString(),
    training: { ...p.config, totalSteps: outcome?.totalSteps },
    checkpoint: { step: checkpoint.step, reason: checkpoint.reason, eval: checkpoint.eval },
    curve: p.curve,
    evals: p.evals,
    ...(outcome ? { result: outcomeRecord(outcome), timings: { seconds: outcome.seconds, examplesPerSecond: outcome.examplesPerSecond } } : {}),
  };
}

export function outcomeRecord(outcome: TrainOutcome): NonNullable<TrainingRecord['result']> {
  return {
    initialLoss: Number.isFinite(outcome.initialLoss) ? outcome.initialLoss : null,
    finalLoss: outcome.finalLoss ?? null,
    bestEval: outcome.bestEval ?? null,
    steps: outcome.steps,
    stopReason: outcome.stopReason,
    stopMessage: outcome.stopMessage,
  };
}

function describeInit(spec: InitSpec): { kind: string; text?: string; adapter?: string } {
  switch (spec.kind) {
    case 'text':
      return { kind: 'text', text: spec.text };
    case 'adapter':
      return { kind: 'adapter', adapter: path.resolve(spec.dir) };
    default:
      return { kind: spec.kind };
  }
}
