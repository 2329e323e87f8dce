/**
 * The training loop of every tuning method: batches → engine.lossAndGrad on the method's materialized prompt
 * → the method's backward → (clip) → one optimiser step per parameter tensor, with warmup/decay, dev-set
 * evaluation every N steps, keep-best checkpoints, early stopping, NaN/Inf detection and cooperative
 * cancellation. Only the method's parameters change; the model is frozen inside the engine.
 *
 * Checkpoints are handed to `onCheckpoint` (which writes the adapter atomically), so the folder on disk
 * always holds the last good prompt: the best on the dev set, or without a dev set the latest one. The
 * untrained start (step 0) is handed over only when the run ends (completed or stopped early) with nothing
 * later: a run cancelled, diverged or killed before its first real checkpoint writes nothing, so whatever
 * was at the output (a previously trained adapter, say) stays as it was.
 */
import type { LossKind, ModelEngine, PromptParams, ScoredExample, SoftPrompt } from '../engine/api';
import { batchStream, isClassification } from './batching';
import { softPromptTrainable } from './methods/prompt-tuning';
import type { ParamTensor, Trainable } from './methods/types';
import { createOptimizer, type Optimizer, type OptimizerConfig } from './optimizers';
import { learningRateAt, type ScheduleName } from './schedule';

export interface TrainerConfig {
  loss: LossKind;
  optimizer: OptimizerConfig;
  /** Peak learning rate. */
  lr: number;
  schedule: ScheduleName;
  warmupSteps: number;
  /** Length of the run: `steps` when given, else `epochs` passes over the training set. */
  epochs?: number;
  steps?: number;
  batchSize: number;
  /** Clip the gradient to this global L2 norm; undefined: no clipping. */
  clip?: number;
  seed: number;
  shuffle: boolean;
  /** Stratify shuffled batches by gold label (classification examples only). Default true. */
  stratify?: boolean;
  /** Evaluate (or, without a dev set, checkpoint) every this many steps; default: once per epoch, at most every 100 steps. */
  evalEvery?: number;
  /** Stop after this many evaluations without improvement on the dev set; undefined: never. */
  patience?: number;
  /** What makes a dev evaluation the best so far; default 'loss'. */
  keepBest?: KeepBestBy;
}

/**
 * 'loss' (default): lowest dev loss. On a few hundred dev rows accuracy moves in steps of 1/n and swings
 * by points between neighbouring checkpoints, while the loss falls smoothly; picking the accuracy peak
 * mostly picks noise. 'accuracy': highest dev accuracy, ties broken by loss.
 */
export type KeepBestBy = 'loss' | 'accuracy';
export const KEEP_BEST_CHOICES: readonly KeepBestBy[] = ['loss', 'accuracy'];

export interface StepProgress {
  type: 'step';
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  lr: number;
  examplesPerSecond: number;
  etaSeconds: number;
}

export interface EvalPoint {
  step: number;
  loss: number;
  /** Dev accuracy through the verbalizer (classification only). */
  accuracy?: number;
}

export type TrainProgress =
  | StepProgress
  | ({ type: 'eval'; isBest: boolean } & EvalPoint)
  | { type: 'checkpoint'; step: number; reason: CheckpointReason };

export type CheckpointReason = 'initial' | 'best' | 'latest' | 'last-good';

export interface Checkpoint {
  /** The method's parameters (a private copy). */
  params: Float32Array;
  /** What the engine takes for them (the adapter's tensor). */
  prompt: PromptParams;
  step: number;
  reason: CheckpointReason;
  /** The dev evaluation that made it the best, when there is a dev set. */
  eval?: EvalPoint;
}

export type StopReason = 'completed' | 'early-stopped' | 'cancelled' | 'diverged';

export interface TrainOutcome {
  /** The prompt the run ends with: the last checkpoint handed to onCheckpoint (else the start). */
  prompt: PromptParams;
  params: Float32Array;
  savedStep: number;
  /** Training objective on the first batch before any update. */
  initialLoss: number;
  /** Training objective of `prompt` on that same first batch (undefined when cancelled). */
  finalLoss?: number;
  bestEval?: EvalPoint;
  steps: number;
  totalSteps: number;
  seconds: number;
  examplesPerSecond: number;
  stopReason: StopReason;
  /** Why the run stopped early, in words; undefined when completed. */
  stopMessage?: string;
  curve: { step: number; loss: number; lr: number; gradNorm: number }[];
  evals: EvalPoint[];
}

export interface TrainerInput {
  engine: Pick<ModelEngine, 'loss' | 'lossAndGrad'>;
  trainable: Trainable;
  train: readonly ScoredExample[];
  dev?: readonly ScoredExample[];
  config: TrainerConfig;
  signal?: AbortSignal;
  onProgress?: (progress: TrainProgress) => void;
  /** Persists a checkpoint (atomically); the parameters and prompt passed are private copies. */
  onCheckpoint?: (checkpoint: Checkpoint) => void | Promise<void>;
}

/** Dev examples per engine call, so that cancellation is noticed within an evaluation too. */
const EVAL_CHUNK = 64;

export function stepsPerEpoch(examples: number, batchSize: number): number {
  return Math.ceil(examples / batchSize);
}

export function defaultEvalEvery(perEpoch: number): number {
  return Math.max(1, Math.min(perEpoch, 100));
}

/** How long a run is and how often it evaluates, for `examples` training rows. */
export function runLength(config: Pick<TrainerConfig, 'steps' | 'epochs' | 'batchSize' | 'evalEvery'>, examples: number): { perEpoch: number; totalSteps: number; evalEvery: number } {
  const perEpoch = stepsPerEpoch(examples, config.batchSize);
  return { perEpoch, totalSteps: config.steps ?? (config.epochs ?? 1) * perEpoch, evalEvery: config.evalEvery ?? defaultEvalEvery(perEpoch) };
}

/** The dev loss: the verbalizer's on classification rows, else lm; undefined without dev rows. */
export function devLossKind(dev: readonly ScoredExample[] | undefined): LossKind | undefined {
  return dev && dev.length > 0 ? (isClassification(dev) ? 'verbalizer' : 'lm') : undefined;
}

export type SoftCheckpoint = Checkpoint & { soft: SoftPrompt };

/** Prompt tuning of one soft prompt: trainPrompt with the soft prompt itself as the parameters. */
export async function trainSoftPrompt(input: Omit<TrainerInput, 'trainable' | 'onCheckpoint'> & { init: SoftPrompt; onCheckpoint?: (c: SoftCheckpoint) => void | Promise<void> }): Promise<TrainOutcome & { soft: SoftPrompt }> {
  const { init, onCheckpoint, ...rest } = input;
  const outcome = await trainPrompt({ ...rest, trainable: softPromptTrainable(init), onCheckpoint: onCheckpoint && ((c) => onCheckpoint({ ...c, soft: c.prompt as SoftPrompt })) });
  return { ...outcome, soft: outcome.prompt as SoftPrompt };
}

/** One optimiser per parameter tensor, stepping on its slice of the flat vector. */
function tensorOptimizers(config: OptimizerConfig, tensors: readonly ParamTensor[]): (params: Float32Array, grad: Float32Array, lr: number) => void {
  const parts: { tensor: ParamTensor; optimizer: Optimizer }[] = tensors.map((tensor) => ({ tensor, optimizer: createOptimizer(config, tensor.rows, tensor.cols) }));
  return (params, grad, lr) => {
    for (const { tensor, optimizer } of parts) {
      const end = tensor.offset + tensor.rows * tensor.cols;
      optimizer.step(params.subarray(tensor.offset, end), grad.subarray(tensor.offset, end), lr);
    }
  };
}

export async function trainPrompt(input: TrainerInput): Promise<TrainOutcome> {
  const { config, signal, train, dev, trainable } = input;
  const engine = input.engine;
  if (train.length === 0) throw new Error('trainPrompt: no training examples');
  const started = performance.now();
  const params = Float32Array.from(trainable.initial);
  const size = trainable.tensors.reduce((n, t) => n + t.rows * t.cols, 0);
  if (size !== params.length) throw new Error(`trainPrompt: the tensors cover ${size} values, the parameters are ${params.length}`);
  const { totalSteps, evalEvery } = runLength(config, train.length);
  const optimizerStep = tensorOptimizers(config.optimizer, trainable.tensors);
  const schedule = { name: config.schedule, lr: config.lr, warmupSteps: config.warmupSteps, totalSteps };
  const devKind = devLossKind(dev);

  const nextBatch = batchStream(train, { batchSize: config.batchSize, shuffle: config.shuffle, stratify: config.stratify, seed: config.seed });
  let epoch = 0;

  const curve: TrainOutcome['curve'] = [];
  const evals: EvalPoint[] = [];
  let saved: Checkpoint | undefined;
  let best: EvalPoint | undefined;
  let evalsSinceBest = 0;
  let stopReason: StopReason = 'completed';
  let stopMessage: string | undefined;
  let initialLoss = NaN;
  let firstBatch: ScoredExample[] = [];
  let examplesSeen = 0;
  let trainSeconds = 0;
  let evalSeconds = 0;
  let evalsTimed = 0;
  let step = 0;

  // Steps left at the mean step time, plus the evaluations still due at the mean evaluation time (the
  // step-0 evaluation is not a step, so it must not count as one). Reported before step `done`'s own
  // evaluation, so that one is still due.
  const etaSeconds = (done: number): number => {
    const evalsLeft = dev && devKind ? Math.floor(totalSteps / evalEvery) - Math.floor((done - 1) / evalEvery) + (totalSteps % evalEvery === 0 ? 0 : 1) : 0;
    const meanEval = evalsTimed > 0 ? evalSeconds / evalsTimed : 0;
    return (trainSeconds / done) * (totalSteps - done) + evalsLeft * meanEval;
  };

  // True while `saved` is the step-0 checkpoint, not yet handed to onCheckpoint.
  let heldBack = false;
  const handOver = async (c: Checkpoint) => {
    heldBack = false;
    await input.onCheckpoint?.(c);
    input.onProgress?.({ type: 'checkpoint', step: c.step, reason: c.reason });
  };
  const checkpoint = async (data: Float32Array, atStep: number, reason: CheckpointReason, point?: EvalPoint) => {
    const kept = Float32Array.from(data);
    saved = { params: kept, prompt: copyPrompt(trainable.materialize(kept)), step: atStep, reason, eval: point };
    if (atStep === 0) heldBack = true;
    else await handOver(saved);
  };

  /** Evaluates on the dev set (or, without one, just checkpoints); returns false when cancelled. */
  const evaluateAndKeep = async (atStep: number, reason: CheckpointReason): Promise<boolean> => {
    if (!dev || !devKind) {
      await checkpoint(params, atStep, reason);
      return true;
    }
    const evalStarted = performance.now();
    const point = await evaluateDev(engine, dev, trainable.materialize(params), devKind, atStep, signal);
    evalSeconds += (performance.now() - evalStarted) / 1000;
    evalsTimed++;
    if (!point) return false;
    evals.push(point);
    const isBest = !best || isBetter(point, best, config.keepBest ?? 'loss');
    input.onProgress?.({ type: 'eval', isBest, ...point });
    if (isBest) {
      best = point;
      evalsSinceBest = 0;
      await checkpoint(params, atStep, atStep === 0 ? 'initial' : 'best', point);
    } else {
      evalsSinceBest++;
    }
    return true;
  };

  // The newest prompt whose training loss was finite, and how many updates it had seen.
  let lastGood = Float32Array.from(params);
  let lastGoodStep = 0;
  if (!(await evaluateAndKeep(0, 'initial'))) {
    stopReason = 'cancelled';
  }
  while (stopReason === 'completed' && step < totalSteps) {
    // Let queued events (a cancel message, say) run even if the engine never yields.
    await new Promise((resolve) => setImmediate(resolve));
    if (signal?.aborted) {
      stopReason = 'cancelled';
      break;
    }
    const stepStarted = performance.now();
    const next = nextBatch();
    epoch = next.epoch;
    const batch = next.batch.map((i) => train[i]);
    if (step === 0) firstBatch = batch;
    const lr = learningRateAt(schedule, step + 1);
    const result = await engine.lossAndGrad(batch, trainable.materialize(params), config.loss);
    const grad = allFinite(result.grad) ? trainable.backward(params, result.grad) : result.grad;
    const problem = !Number.isFinite(result.loss) ? `the loss became ${result.loss}` : !allFinite(grad) ? 'the gradient has NaN or infinite values' : undefined;
    if (problem) {
      stopReason = 'diverged';
      stopMessage = divergenceMessage(step + 1, problem, config.lr);
      break;
    }
    if (step === 0) initialLoss = result.loss;
    lastGood = Float32Array.from(params);
    lastGoodStep = step;
    const gradNorm = Math.sqrt(grad.reduce((s, g) => s + g * g, 0));
    const scaled = config.clip !== undefined && gradNorm > config.clip ? scaleCopy(grad, config.clip / gradNorm) : grad;
    optimizerStep(params, scaled, lr);
    if (!allFinite(params)) {
      stopReason = 'diverged';
      stopMessage = divergenceMessage(step + 1, 'the update overflowed (the parameters have NaN or infinite values)', config.lr);
      break;
    }
    step++;
    examplesSeen += batch.length;
    trainSeconds += (performance.now() - stepStarted) / 1000;
    curve.push({ step, loss: result.loss, lr, gradNorm });
    input.onProgress?.({
      type: 'step',
      step,
      totalSteps,
      epoch,
      loss: result.loss,
      lr,
      examplesPerSecond: trainSeconds > 0 ? examplesSeen / trainSeconds : 0,
      etaSeconds: etaSeconds(step),
    });
    if (step % evalEvery === 0 || step === totalSteps) {
      if (!(await evaluateAndKeep(step, 'latest'))) {
        stopReason = 'cancelled';
        break;
      }
      if (config.patience !== undefined && best && evalsSinceBest >= config.patience && step < totalSteps) {
        stopReason = 'early-stopped';
        stopMessage = `stopped early at step ${step}: no dev-set improvement in ${config.patience} evaluations (best at step ${best.step})`;
      }
    }
  }

  if (stopReason === 'diverged' && !best && saved?.step !== lastGoodStep) {
    // Without a dev set the newest good prompt is the one whose loss was last finite.
    await checkpoint(lastGood, lastGoodStep, 'last-good');
  }
  if (heldBack && saved) {
    if (stopReason === 'completed' || stopReason === 'early-stopped') await handOver(saved);
    else saved = undefined;
  }
  if (stopReason === 'cancelled') {
    stopMessage = saved ? `cancelled at step ${step}; the checkpoint of step ${saved.step} is kept` : `cancelled at step ${step} before the first checkpoint; nothing was saved`;
  }
  if (stopReason === 'diverged') stopMessage += saved ? `; kept the checkpoint of step ${saved.step}` : '; nothing was saved';
  const kept = saved?.params ?? Float32Array.from(trainable.initial);
  const prompt = saved?.prompt ?? copyPrompt(trainable.materialize(kept));
  let finalLoss: number | undefined;
  if (stopReason !== 'cancelled' && firstBatch.length > 0) {
    finalLoss = (await engine.loss(firstBatch, prompt, config.loss)).loss;
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    prompt,
    params: kept,
    savedStep: saved?.step ?? 0,
    initialLoss,
    finalLoss,
    bestEval: best,
    steps: step,
    totalSteps,
    seconds,
    examplesPerSecond: trainSeconds > 0 ? examplesSeen / trainSeconds : 0,
    stopReason,
    stopMessage,
    curve,
    evals,
  };
}

function isBetter(a: EvalPoint, b: EvalPoint, by: KeepBestBy): boolean {
  if (by === 'accuracy' && a.accuracy !== undefined && b.accuracy !== undefined && a.accuracy !== b.accuracy) return a.accuracy > b.accuracy;
  return a.loss < b.loss;
}

/** Dev loss (and verbalizer accuracy); undefined when cancelled. */
export async function evaluateDev(engine: Pick<ModelEngine, 'loss'>, dev: readonly ScoredExample[], prompt: PromptParams, kind: LossKind, step: number, signal?: AbortSignal): Promise<EvalPoint | undefined> {
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < dev.length; start += EVAL_CHUNK) {
    if (signal?.aborted) return undefined;
    const chunk = dev.slice(start, start + EVAL_CHUNK);
    const result = await engine.loss(chunk, prompt, kind);
    result.perExample.forEach((l) => (lossSum += l));
    chunk.forEach((example, i) => {
      if (argmax(result.scores[i]) === example.gold) correct++;
    });
  }
  return { step, loss: lossSum / dev.length, accuracy: kind === 'verbalizer' ? correct / dev.length : undefined };
}

function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** A prompt whose data no later update can change (materialize may share the parameters' buffer). */
function copyPrompt(prompt: PromptParams): PromptParams {
  return { ...prompt, data: Float32Array.from(prompt.data) };
}

function allFinite(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}

function scaleCopy(values: Float32Array, factor: number): Float32Array {
  return values.map((v) => v * factor);
}

function divergenceMessage(step: number, problem: string, lr: number): string {
  return `training diverged at step ${step}: ${problem}; the learning rate ${lr} is probably too high (try a smaller --lr, --clip 1, or --warmup)`;
}
