/**
 * Tuning one soft prompt per seed for the benchmark (the same trainer `ptune train` uses), cached by
 * everything that determines the result: model, engine, training and dev examples (token ids), the
 * resolved options, the seed and the initial soft prompt itself.
 */
import type { Row } from '../data/types';
import type { ModelEngine, SoftPrompt } from '../engine/api';
import { buildScoredExample, type PromptFile } from '../prompts';
import { initSoftPrompt, type InitSpec } from '../tuning/init';
import type { AdapterOrigin } from '../tuning/adapter';
import { defaultInitSpec, instructionText } from '../tuning/instruction';
import { lossFor, trainerConfig, type TrainOptions } from '../tuning/train-options';
import { trainSoftPrompt, type EvalPoint, type TrainProgress } from '../tuning/trainer';
import { base64ToFloat32, fingerprint, float32ToBase64, type ResultCache } from './cache';
import type { CurvePoint } from './report/schema';

export interface TunedSoftPrompt {
  soft: SoftPrompt;
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

interface CachedTuning extends Omit<TunedSoftPrompt, 'soft'> {
  soft: { numVirtual: number; hiddenSize: number; data: string };
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

export async function tuneSoftPrompt(input: TuneInput): Promise<{ tuned: TunedSoftPrompt; cached: boolean }> {
  const { engine, prompt, options } = input;
  const instruction = instructionText(prompt);
  // As `ptune train`: without --init, start from the instruction text, or from vocabulary rows when there is none.
  const spec: InitSpec = options.init ?? defaultInitSpec(prompt);
  const init = initSoftPrompt(spec, { engine, numVirtual: options.virtualTokens, seed: options.seed, defaultText: instruction });
  const numVirtual = init.soft.numVirtual;
  const build = (row: Row) => buildScoredExample(prompt, row, engine.tokenizer, { maxLength: input.maxLength, numVirtual, shots: input.shots });
  const trainBuilt = input.trainRows.map(build);
  const train = trainBuilt.map((b) => b.example);
  const dev = input.devRows?.map((row) => build(row).example);
  const loss = lossFor(options, prompt.task);
  const config = trainerConfig(options, loss);
  const key = {
    ...input.keyBase,
    train: fingerprint(train),
    dev: dev ? fingerprint(dev) : null,
    config,
    init: fingerprint(float32ToBase64(init.soft.data)),
  };
  const hit = input.cache.get<CachedTuning>('tune', key);
  if (hit) {
    const soft = { numVirtual: hit.soft.numVirtual, hiddenSize: hit.soft.hiddenSize, data: base64ToFloat32(hit.soft.data) };
    return { tuned: { ...hit, soft }, cached: true };
  }
  const outcome = await trainSoftPrompt({ engine, init: init.soft, train, dev, config, signal: input.signal, onProgress: input.onProgress });
  input.signal?.throwIfAborted();
  if (outcome.stopReason === 'cancelled') throw new DOMException(outcome.stopMessage ?? 'cancelled', 'AbortError');
  const tuned: TunedSoftPrompt = {
    soft: outcome.soft,
    origin: init.origin,
    initDescription: init.description,
    curve: outcome.curve.map((p) => ({ step: p.step, loss: p.loss })),
    evals: outcome.evals,
    seconds: outcome.seconds,
    stopReason: outcome.stopReason,
    stopMessage: outcome.stopMessage,
    peakRssMB: peakRssMB(),
    trainRows: train.length,
    truncatedRows: trainBuilt.filter((b) => b.truncated).length,
    warnings: init.warnings,
  };
  const stored: CachedTuning = { ...tuned, soft: { numVirtual: tuned.soft.numVirtual, hiddenSize: tuned.soft.hiddenSize, data: float32ToBase64(tuned.soft.data) } };
  input.cache.set('tune', key, stored);
  return { tuned, cached: false };
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
