/**
 * The generation evaluation loop: greedy decoding for each example, scored against the gold answer with
 * SQuAD-style exact match, containment and token F1, and ROUGE-L (src/prompts/generation-metrics.ts).
 */
import type { ModelEngine, PromptParams, ScoredExample } from '../engine/api';
import { scoreGeneration } from '../prompts/generation-metrics';
import { writeFileAtomic } from '../common/atomic-write';

export interface GenerationItem {
  /** promptIds (and softPromptAt) are decoded from; continuations are not used. */
  example: ScoredExample;
  /** The gold answer text. */
  target: string;
}

export interface GenerationOptions {
  soft?: PromptParams;
  maxNewTokens: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface GenerationPrediction {
  /** The decoded greedy output. */
  output: string;
  target: string;
  exact: number;
  contains: number;
  f1: number;
  rougeL: number;
}

export interface GenerationResult {
  n: number;
  /** Mean exact match over examples. */
  exactMatch: number;
  /** Mean containment (the gold answer appears in the output). */
  contains: number;
  /** Mean token F1. */
  tokenF1: number;
  /** Mean ROUGE-L F-measure. */
  rougeL: number;
  predictions: GenerationPrediction[];
  seconds: number;
  examplesPerSecond: number;
}

export async function evaluateGeneration(engine: ModelEngine, items: readonly GenerationItem[], options: GenerationOptions): Promise<GenerationResult> {
  if (!Number.isInteger(options.maxNewTokens) || options.maxNewTokens < 1) throw new Error(`maxNewTokens must be a positive integer, got ${options.maxNewTokens}`);
  const predictions: GenerationPrediction[] = [];
  const started = performance.now();
  options.onProgress?.(0, items.length);
  for (const item of items) {
    options.signal?.throwIfAborted();
    const ids = await engine.generate(item.example.promptIds, options.maxNewTokens, options.soft, item.example.softPromptAt);
    const output = engine.tokenizer.decode(ids);
    const scores = scoreGeneration(output, item.target);
    predictions.push({ output, target: item.target, ...scores });
    options.onProgress?.(predictions.length, items.length);
  }
  const seconds = (performance.now() - started) / 1000;
  const mean = (pick: (p: GenerationPrediction) => number) => (predictions.length === 0 ? 0 : predictions.reduce((s, p) => s + pick(p), 0) / predictions.length);
  return {
    n: predictions.length,
    exactMatch: mean((p) => p.exact),
    contains: mean((p) => p.contains),
    tokenF1: mean((p) => p.f1),
    rougeL: mean((p) => p.rougeL),
    predictions,
    seconds,
    examplesPerSecond: seconds > 0 ? predictions.length / seconds : 0,
  };
}

/** One JSON object per example (index, output, target, exact, contains, f1, rougeL), written atomically. */
export function writeGenerationPredictions(file: string, result: Pick<GenerationResult, 'predictions'>): void {
  const lines = result.predictions.map((p, index) => JSON.stringify({ index, output: p.output, target: p.target, exact: p.exact, contains: p.contains, f1: p.f1, rougeL: p.rougeL }));
  writeFileAtomic(file, lines.length === 0 ? '' : lines.join('\n') + '\n');
}
