/**
 * PEZ hard-prompt discovery (Wen et al. 2023, "Hard Prompts Made Easy"): a continuous prompt P is optimised,
 * but every loss and gradient is taken at its nearest-token projection proj(P), and that gradient is applied
 * to P itself. The projection is by cosine similarity, as the official code does it (`nn_project` in
 * YuxinWenRick/hard-prompts-made-easy: normalised queries and embedding rows, dot-product search); AdamW with
 * lr 0.1 and weight decay 0.1 are the paper's settings. What comes out is a sequence of real token ids.
 *
 * The projected prompt kept is the one with the lowest loss on the dev set (on the training rows without
 * one), evaluated every `evalEvery` steps; a projection already evaluated is not evaluated again (P moves
 * every step, its projection much less often).
 */
import type { LossKind, ModelEngine, ScoredExample, SoftPrompt } from '../engine/api';
import { nearestRows, type Matrix } from '../projection/nearest';
import { batchStream } from './batching';
import { createOptimizer, type OptimizerConfig } from './optimizers';
import { devLossKind, evaluateDev, type EvalPoint, type StepProgress } from './trainer';

/** The paper's optimiser settings (AdamW, lr 0.1, weight decay 0.1); the rest are this tool's. */
export const PEZ_DEFAULTS = { tokens: 10, steps: 200, lr: 0.1, weightDecay: 0.1, batchSize: 8, evalEvery: 10 } as const;

export interface PezConfig {
  loss: LossKind;
  steps: number;
  lr: number;
  /** Default AdamW with PEZ_DEFAULTS.weightDecay; tests use SGD to see the applied gradient exactly. */
  optimizer?: OptimizerConfig;
  batchSize: number;
  seed: number;
  /** Stratify batches by gold label (classification). Default true. */
  stratify?: boolean;
  evalEvery: number;
}

export interface PezEval extends EvalPoint {
  ids: number[];
}

export type PezProgress = StepProgress | ({ type: 'eval'; isBest: boolean; on: 'dev' | 'train' } & PezEval);

export interface PezInput {
  engine: Pick<ModelEngine, 'info' | 'tokenizer' | 'embeddings' | 'lossAndGrad' | 'loss'>;
  /** The continuous prompt's start (e.g. the trainer's init); its rows are the virtual tokens. */
  init: SoftPrompt;
  train: readonly ScoredExample[];
  dev?: readonly ScoredExample[];
  config: PezConfig;
  /** Token ids the projection never picks (special tokens, pieces that are not whole characters). */
  excludeIds?: ReadonlySet<number>;
  signal?: AbortSignal;
  onProgress?: (progress: PezProgress) => void;
  /** onnxruntime threads of the nearest-token search. */
  threads?: number;
}

export type PezStopReason = 'completed' | 'cancelled' | 'diverged';

export interface PezOutcome {
  /** The best projected prompt's token ids. */
  ids: number[];
  /** Its evaluation (on dev, or on the training rows without dev). */
  best: PezEval;
  /** What `best` was measured on. */
  selectedOn: 'dev' | 'train';
  /** The projection of the initial prompt, evaluated like the others. */
  initial: PezEval;
  evals: PezEval[];
  curve: { step: number; loss: number; ids: number[] }[];
  /** The continuous prompt at the end (not a hard prompt; for inspection and tests). */
  continuous: SoftPrompt;
  steps: number;
  seconds: number;
  stopReason: PezStopReason;
  stopMessage?: string;
}

/** The vocabulary rows the projection searches: those the tokenizer has tokens for (as src/projection does). */
export function searchableRows(info: { vocabSize: number }, tokenizer: { vocabSize: number }): number {
  return tokenizer.vocabSize > 0 ? Math.min(info.vocabSize, tokenizer.vocabSize) : info.vocabSize;
}

/**
 * Each row of `queries` projected to its nearest vocabulary row by cosine similarity, skipping `exclude`:
 * the search asks for a few neighbours and widens only when every one of them is excluded.
 */
export async function projectToTokens(vocab: Matrix, queries: Float32Array, exclude: ReadonlySet<number> = new Set(), threads?: number): Promise<number[]> {
  const n = queries.length / vocab.hidden;
  if (exclude.size >= vocab.rows) throw new Error('projectToTokens: every vocabulary row is excluded');
  for (let k = Math.min(vocab.rows, exclude.size === 0 ? 1 : 8); ; k = Math.min(vocab.rows, 4 * k)) {
    const { ids } = await nearestRows(vocab, queries, { metric: 'cosine', k, threads });
    const picked: number[] = [];
    for (let r = 0; r < n; r++) {
      const row = Array.from(ids.subarray(r * k, (r + 1) * k));
      const id = row.find((i) => !exclude.has(i));
      if (id === undefined) break;
      picked.push(id);
    }
    if (picked.length === n) return picked;
  }
}

/** A soft prompt whose rows are the embedding rows of `ids`: the hard prompt `ids` in the engine's input space. */
export function embeddingPrompt(embeddings: Float32Array, hiddenSize: number, ids: readonly number[]): SoftPrompt {
  const data = new Float32Array(ids.length * hiddenSize);
  ids.forEach((id, row) => data.set(embeddings.subarray(id * hiddenSize, (id + 1) * hiddenSize), row * hiddenSize));
  return { numVirtual: ids.length, hiddenSize, data };
}

export async function discoverHardPrompt(input: PezInput): Promise<PezOutcome> {
  const { engine, config, train, signal } = input;
  if (train.length === 0) throw new Error('discoverHardPrompt: no training examples');
  const started = performance.now();
  const { numVirtual, hiddenSize } = input.init;
  const params = Float32Array.from(input.init.data);
  const vocab: Matrix = { data: engine.embeddings, rows: searchableRows(engine.info, engine.tokenizer), hidden: hiddenSize };
  const project = () => projectToTokens(vocab, params, input.excludeIds, input.threads);
  const asPrompt = (ids: readonly number[]) => embeddingPrompt(engine.embeddings, hiddenSize, ids);
  const optimizer = createOptimizer(config.optimizer ?? { name: 'adamw', weightDecay: PEZ_DEFAULTS.weightDecay }, numVirtual, hiddenSize);
  const nextBatch = batchStream(train, { batchSize: config.batchSize, shuffle: true, stratify: config.stratify, seed: config.seed });
  const selectedOn = input.dev && input.dev.length > 0 ? 'dev' : 'train';
  const selectionRows = selectedOn === 'dev' ? input.dev! : train;
  const selectionKind = devLossKind(selectionRows)!;

  const evaluated = new Map<string, PezEval>();
  const evals: PezEval[] = [];
  const curve: PezOutcome['curve'] = [];
  let best: PezEval | undefined;
  let initial: PezEval | undefined;
  let stopReason: PezStopReason = 'completed';
  let stopMessage: string | undefined;
  let stepSeconds = 0;
  let examplesSeen = 0;
  let step = 0;

  /** Evaluates the current projection (once per distinct id sequence); false when cancelled. */
  const evaluateProjection = async (): Promise<boolean> => {
    const ids = await project();
    const key = ids.join(',');
    let point = evaluated.get(key);
    if (!point) {
      const measured = await evaluateDev(engine as ModelEngine, selectionRows, asPrompt(ids), selectionKind, step, signal);
      if (!measured) return false;
      point = { ...measured, ids };
      evaluated.set(key, point);
    }
    const atStep = { ...point, step };
    evals.push(atStep);
    const isBest = !best || atStep.loss < best.loss;
    if (isBest) best = atStep;
    if (!initial) initial = atStep;
    input.onProgress?.({ type: 'eval', isBest, on: selectedOn, ...atStep });
    return true;
  };

  if (!(await evaluateProjection())) stopReason = 'cancelled';
  while (stopReason === 'completed' && step < config.steps) {
    // Let queued events (a cancel message) run even if the engine never yields.
    await new Promise((resolve) => setImmediate(resolve));
    if (signal?.aborted) {
      stopReason = 'cancelled';
      break;
    }
    const stepStarted = performance.now();
    const batch = nextBatch().batch.map((i) => train[i]);
    const ids = await project();
    // The loss and its gradient at the projection; the update goes to the continuous prompt.
    const result = await engine.lossAndGrad(batch, asPrompt(ids), config.loss);
    if (!Number.isFinite(result.loss) || !result.grad.every(Number.isFinite)) {
      stopReason = 'diverged';
      stopMessage = `discovery stopped at step ${step + 1}: the loss or its gradient is not finite`;
      break;
    }
    optimizer.step(params, result.grad, config.lr);
    if (!params.every(Number.isFinite)) {
      stopReason = 'diverged';
      stopMessage = `discovery stopped at step ${step + 1}: the continuous prompt overflowed; the learning rate ${config.lr} is probably too high`;
      break;
    }
    step++;
    examplesSeen += batch.length;
    stepSeconds += (performance.now() - stepStarted) / 1000;
    curve.push({ step, loss: result.loss, ids });
    input.onProgress?.({
      type: 'step',
      step,
      totalSteps: config.steps,
      epoch: Math.ceil((step * config.batchSize) / train.length),
      loss: result.loss,
      lr: config.lr,
      examplesPerSecond: stepSeconds > 0 ? examplesSeen / stepSeconds : 0,
      etaSeconds: (stepSeconds / step) * (config.steps - step),
    });
    if (step % config.evalEvery === 0 || step === config.steps) {
      if (!(await evaluateProjection())) {
        stopReason = 'cancelled';
        break;
      }
    }
  }
  if (stopReason === 'cancelled') stopMessage = `cancelled at step ${step}; nothing was written`;
  if (stopReason === 'diverged' && best) stopMessage += `; the best prompt of step ${best.step} is kept`;
  return {
    ids: best?.ids ?? [],
    best: best ?? { step: 0, loss: NaN, ids: [] },
    selectedOn,
    initial: initial ?? { step: 0, loss: NaN, ids: [] },
    evals,
    curve,
    continuous: { numVirtual, hiddenSize, data: params },
    steps: step,
    seconds: (performance.now() - started) / 1000,
    stopReason,
    stopMessage,
  };
}
