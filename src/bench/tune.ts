/**
 * Tuning one prompt per seed for the benchmark with the method of --method (the train use case `ptune train`
 * runs), cached by everything that determines the result: model, engine, training and dev examples (token
 * ids), the resolved options, the seed, the method's settings and its initial parameters themselves.
 */
import type { Row } from '../data/types';
import type { ModelEngine } from '../engine/api';
import { buildScoredExample, type PromptFile } from '../prompts';
import type { AdapterOrigin } from '../tuning/adapter';
import type { MethodRecord, PreparedMethod } from '../tuning/methods/index';
import type { PromptParams } from '../engine/api';
import type { TrainOptions } from '../tuning/train-options';
import { runTraining, setUpTraining, type TrainingSetup } from '../tuning/train-run';
import type { EvalPoint, TrainProgress } from '../tuning/trainer';
import { base64ToFloat32, fingerprint, float32ToBase64, type ResultCache } from './cache';
import type { CurvePoint } from './report/schema';

export interface TunedPrompt {
  /** What the engine takes: a soft prompt, or per-layer prefixes for prefix tuning. */
  prompt: PromptParams;
  method: MethodRecord;
  origin: AdapterOrigin;
  initDescription: string;
  /** Training loss per step and dev evaluations, as the trainer logged them. */
  curve: { step: number; loss: number }[];
  evals: EvalPoint[];
  seconds: number;
  stopReason: string;
  stopMessage?: string;
  /** Process peak RSS (MB) when tuning ended. */
  peakRssMB: number;
  trainRows: number;
  truncatedRows: number;
  warnings: string[];
}

interface CachedTuning extends Omit<TunedPrompt, 'prompt'> {
  prompt: Omit<PromptParams, 'data'> & { data: string };
}

export interface TuneInput {
  engine: ModelEngine;
  prompt: PromptFile;
  trainRows: readonly Row[];
  devRows?: readonly Row[];
  shots: readonly Row[];
  options: TrainOptions;
  maxLength: number;
  cache: ResultCache;
  /** Fixed parts of the cache key (model files hash, engine version). */
  keyBase: Record<string, string>;
  signal?: AbortSignal;
  onProgress?: (progress: TrainProgress) => void;
}

/** One tuned prompt with the method of `options` (as `ptune train` sets it up), from the cache when it has it. */
export async function tunePrompt(input: TuneInput): Promise<{ tuned: TunedPrompt; setup: TrainingSetup; cached: boolean }> {
  const { engine, prompt, options } = input;
  const setup = await setUpTraining(engine, prompt, options);
  const method: PreparedMethod = setup.method;
  const build = (row: Row) => buildScoredExample(prompt, row, engine.tokenizer, { maxLength: input.maxLength, numVirtual: method.numVirtual, shots: input.shots });
  const trainBuilt = input.trainRows.map(build);
  const train = trainBuilt.map((b) => b.example);
  const dev = input.devRows?.map((row) => build(row).example);
  const key = {
    ...input.keyBase,
    train: fingerprint(train),
    dev: dev ? fingerprint(dev) : null,
    config: setup.config,
    method: method.record,
    init: fingerprint(float32ToBase64(method.trainable.initial)),
  };
  const hit = input.cache.get<CachedTuning>('tune', key);
  if (hit) {
    const stored = { ...hit.prompt, data: base64ToFloat32(hit.prompt.data) } as PromptParams;
    return { tuned: { ...hit, prompt: stored }, setup, cached: true };
  }
  const outcome = await runTraining(setup, { engine, train, dev, signal: input.signal, onProgress: input.onProgress });
  input.signal?.throwIfAborted();
  if (outcome.stopReason === 'cancelled') throw new DOMException(outcome.stopMessage ?? 'cancelled', 'AbortError');
  const tuned: TunedPrompt = {
    prompt: outcome.prompt,
    method: method.record,
    origin: method.origin,
    initDescription: method.description,
    curve: outcome.curve.map((p) => ({ step: p.step, loss: p.loss })),
    evals: outcome.evals,
    seconds: outcome.seconds,
    stopReason: outcome.stopReason,
    stopMessage: outcome.stopMessage,
    peakRssMB: peakRssMB(),
    trainRows: train.length,
    truncatedRows: trainBuilt.filter((b) => b.truncated).length,
    warnings: setup.warnings,
  };
  const stored: CachedTuning = { ...tuned, prompt: { ...tuned.prompt, data: float32ToBase64(tuned.prompt.data) } };
  input.cache.set('tune', key, stored);
  return { tuned, setup, cached: false };
}

/** Process peak resident set size so far, in MB. */
export function peakRssMB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/** Training curve for the report: at most `maxPoints` bucket means of the loss, plus every dev evaluation. */
export function reportCurve(curve: readonly { step: number; loss: number }[], evals: readonly EvalPoint[], maxPoints = 250): CurvePoint[] {
  if (curve.length === 0) return [];
  const bucket = Math.max(1, Math.ceil(curve.length / maxPoints));
  const points = new Map<number, CurvePoint>();
  for (let start = 0; start < curve.length; start += bucket) {
    const slice = curve.slice(start, start + bucket);
    points.set(slice[slice.length - 1].step, { step: slice[slice.length - 1].step, loss: slice.reduce((s, p) => s + p.loss, 0) / slice.length });
  }
  const lossAt = new Map(curve.map((p) => [p.step, p.loss]));
  for (const e of evals) {
    if (e.accuracy === undefined) continue;
    const loss = lossAt.get(e.step) ?? curve[0].loss;
    const existing = points.get(e.step);
    points.set(e.step, { step: e.step, loss: existing?.loss ?? loss, evalAccuracy: e.accuracy });
  }
  return [...points.values()].sort((a, b) => a.step - b.step);
}
