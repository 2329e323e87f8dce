/**
 * The `train` job: prompt file + datasets → initial soft prompt → trainer → PEFT adapter folder, with the
 * training record (ptune_training.json) beside it. Every option is checked before the model is loaded, and
 * nothing is written before the first checkpoint.
 */
import * as path from 'path';
import type { ScoredExample } from '../../engine/api';
import { ENGINE_VERSION } from '../../engine/version';
import { UserError } from '../../engine/errors';
import type { LossKind, ModelEngine } from '../../engine/api';
import { drawShots, loadPromptFile, type PromptFile } from '../../prompts';
import { checkTrainOutput, resolveTrainOptions, type TrainOptions } from '../../tuning/train-options';
import { checkMethodFitsPrompt, checkpointRecord, outcomeRecord, runTraining, saveTrainedAdapter, setUpTraining, startTrainingRecord, type TrainingSetup } from '../../tuning/train-run';
import type { Checkpoint, TrainerConfig } from '../../tuning/trainer';
import type { TrainingRecord, TrainingRecordWriter } from '../../tuning/training-record';
import type { TrainParams, TrainResult } from '../protocol';
import type { JobContext } from './context';
import { buildExamples, loadExamples, readRows, type LoadedExamples } from './examples';

/** Everything a training run needs, checked, loaded and tokenized: what `train` runs and `exportPeft` writes out. */
export interface PreparedTraining {
  options: TrainOptions;
  prompt: PromptFile;
  loss: LossKind;
  engine: ModelEngine;
  /** The method set up on the model: its starting parameters, init and trainer settings. */
  setup: TrainingSetup;
  maxLength: number;
  train: LoadedExamples;
  dev?: LoadedExamples;
  truncatedRows: number;
  config: TrainerConfig;
  warnings: string[];
}

/**
 * Checks the options (before the model loads), loads the model, sets the method up (its initial parameters)
 * and builds the training and dev examples. `checkOut` checks the output folder before anything is loaded.
 */
export async function prepareTraining(
  params: Omit<TrainParams, 'out'>,
  ctx: Pick<JobContext<'train'>, 'progress' | 'engine' | 'signal'>,
  checkOut: (options: TrainOptions, note: (message: string) => void) => void,
): Promise<PreparedTraining> {
  for (const key of ['model', 'train', 'template'] as const) {
    if (typeof params[key] !== 'string' || params[key] === '') throw new UserError(`--${key} is required`);
  }
  const options = resolveTrainOptions(params);
  const warnings: string[] = [];
  checkOut(options, (note) => warnings.push(note));
  const prompt = await loadPromptFile(params.template);
  if (options.loss === 'verbalizer' && prompt.task !== 'classification') {
    throw new UserError(`--loss verbalizer needs a classification prompt file (with labels); ${params.template} is a generation prompt: use --loss lm`);
  }
  if (prompt.softPromptText !== undefined) throw new UserError(`${params.template}: the prompt has its soft-prompt position filled with text; nothing to train`);
  checkMethodFitsPrompt(options.method, prompt);

  ctx.progress({ type: 'status', message: `loading model ${params.model}` });
  const engine = await ctx.engine(params.model);
  const maxPositions = engine.info.maxPositions;
  const maxLength = options.maxLength ?? maxPositions;
  if (maxLength > maxPositions) throw new UserError(`--max-length ${maxLength} exceeds the ${maxPositions} positions of ${params.model}`);
  const setup = await setUpTraining(engine, prompt, options);
  warnings.push(...setup.warnings);
  const numVirtual = setup.method.numVirtual;

  ctx.progress({ type: 'status', message: `reading ${params.train}` });
  const reading = { skipInvalid: params.skipInvalid, warnings };
  const trainRows = await readRows(prompt, params.train, { ...reading, limit: options.limit, seed: options.seed, flag: '--train' });
  const shots = prompt.shots > 0 ? drawShots(prompt, trainRows.rows) : undefined;
  const train = await buildExamples(prompt, trainRows, engine.tokenizer, { maxLength, numVirtual, shots, flag: '--train', signal: ctx.signal });
  const dev = params.eval ? await loadExamples(prompt, params.eval, engine.tokenizer, { ...reading, maxLength, numVirtual, shots, limit: options.evalLimit, seed: options.seed, flag: '--eval', signal: ctx.signal }) : undefined;
  const unreachable = unreachableExamples(train.items.map((i) => i.example), numVirtual, engine.info.softPromptReach);
  if (unreachable > 0) {
    warnings.push(
      `${unreachable} of ${train.items.length} training rows have every virtual token more than ${engine.info.softPromptReach} positions before the tokens they predict; with ${engine.info.modelType}'s sliding window on every layer the soft prompt cannot reach them (zero gradient): put {{ soft_prompt }} closer to the end of the prompt, or use shorter inputs`,
    );
  }
  const truncatedRows = train.truncatedRows + (dev?.truncatedRows ?? 0);
  if (truncatedRows > 0) warnings.push(`${truncatedRows} row${truncatedRows === 1 ? '' : 's'} cut from the left to fit ${maxLength} tokens (${train.truncatedRows} train${dev ? `, ${dev.truncatedRows} eval` : ''})`);
  return { options, prompt, loss: setup.loss, engine, setup, maxLength, train, dev, truncatedRows, config: setup.config, warnings };
}

/** The training record as it stands before training starts (ptune_training.json; the export's job.json too). */
export function baseRecord(params: Omit<TrainParams, 'out'>, p: PreparedTraining, startedAt: string, writtenBy: TrainingRecordWriter): TrainingRecord {
  const { engine, prompt, train, dev, options } = p;
  return startTrainingRecord({
    writtenBy,
    engineVersion: ENGINE_VERSION,
    startedAt,
    info: engine.info,
    prompt,
    train: { file: path.resolve(params.train), hash: train.dataset.hash, rows: train.items.length, truncatedRows: train.truncatedRows },
    eval: dev && params.eval ? { file: path.resolve(params.eval), hash: dev.dataset.hash, rows: dev.items.length, truncatedRows: dev.truncatedRows } : undefined,
    seed: options.seed,
    setup: p.setup,
    maxLength: p.maxLength,
  });
}

export async function runTrainJob(params: TrainParams, ctx: JobContext<'train'>): Promise<TrainResult> {
  if (typeof params.out !== 'string' || params.out === '') throw new UserError('--out is required');
  const out = path.resolve(params.out);
  const prepared = await prepareTraining(params, ctx, (options, note) => checkTrainOutput(params, options, note));
  const { engine, setup, train, dev, loss, truncatedRows, warnings, config } = prepared;
  // Kept up to date from progress events, so every checkpoint's record has the curve up to it.
  const curve: TrainingRecord['curve'] = [];
  const evals: TrainingRecord['evals'] = [];
  let lastCheckpoint: Checkpoint | undefined;
  const start = baseRecord(params, prepared, new Date().toISOString(), 'ptune train');
  const save = (checkpoint: Checkpoint, outcome?: Parameters<typeof checkpointRecord>[1]['outcome']) =>
    saveTrainedAdapter(out, engine.info, setup.method, checkpoint.prompt, checkpointRecord(start, { config, checkpoint, curve, evals, outcome }));

  const outcome = await runTraining(setup, {
    engine,
    train: train.items.map((i) => i.example),
    dev: dev?.items.map((i) => i.example),
    signal: ctx.signal,
    onProgress: (p) => {
      if (p.type === 'step') curve.push({ step: p.step, loss: p.loss, lr: p.lr });
      if (p.type === 'eval') evals.push({ step: p.step, loss: p.loss, accuracy: p.accuracy });
      ctx.progress(p);
    },
    onCheckpoint: (checkpoint) => {
      lastCheckpoint = checkpoint;
      save(checkpoint);
    },
  });
  // The same prompt again, now with the complete record (curve, result, timings).
  if (lastCheckpoint) save(lastCheckpoint, outcome);

  const result = outcomeRecord(outcome);
  return {
    initialLoss: result.initialLoss ?? null,
    finalLoss: result.finalLoss ?? null,
    bestEvalAccuracy: outcome.bestEval?.accuracy ?? null,
    bestEvalLoss: outcome.bestEval?.loss ?? null,
    steps: outcome.steps,
    totalSteps: outcome.totalSteps,
    seconds: outcome.seconds,
    examplesPerSecond: outcome.examplesPerSecond,
    out,
    saved: lastCheckpoint !== undefined,
    savedStep: outcome.savedStep,
    stopReason: outcome.stopReason,
    stopMessage: outcome.stopMessage,
    method: setup.methodName,
    loss,
    trainRows: train.items.length,
    evalRows: dev?.items.length ?? 0,
    truncatedRows,
    warnings,
    evals: outcome.evals,
  };
}

/**
 * Rows no virtual token can influence: with a sliding window on every layer, a token reaches at most `reach`
 * positions ahead (layers × (window − 1)), and the last virtual token is the closest to the predicting rows.
 */
export function unreachableExamples(examples: readonly ScoredExample[], numVirtual: number, reach: number | undefined): number {
  if (reach === undefined) return 0;
  return examples.filter((e) => {
    const lastVirtual = (e.softPromptAt ?? 0) + numVirtual - 1;
    const firstPredicting = e.promptIds.length + numVirtual - 1;
    return firstPredicting - lastVirtual > reach;
  }).length;
}
