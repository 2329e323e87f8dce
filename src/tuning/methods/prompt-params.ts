/**
 * What a tuning method hands the engine, and the adapter kinds it saves as.
 *
 * MERGE SEAM: PrefixPrompt, PromptParams and isPrefixPrompt are the engine interface agreed for issue 14
 * (src/engine/api.ts, added on the engine branch), and AdapterMethod is saveAdapter's method discriminant
 * (src/tuning/adapter.ts, same branch). They are declared here so the methods compile before that branch is
 * merged; on merge this file re-exports them from those modules instead, and `withPrefixEngine`/`saveInput`
 * lose their casts. Nothing else in src/tuning/methods names the engine's types directly.
 */
import type { LossAndGrad, LossKind, ModelEngine, ScoredExample, SoftPrompt } from '../../engine/api';

/** Per-layer key/value prefixes in PEFT's PREFIX_TUNING layout: row-major [numVirtual, numLayers·2·numKeyValueHeads·headDim]. */
export interface PrefixPrompt {
  kind: 'prefix';
  numVirtual: number;
  numLayers: number;
  numKeyValueHeads: number;
  headDim: number;
  data: Float32Array;
}

export type PromptParams = SoftPrompt | PrefixPrompt;

export function isPrefixPrompt(p: PromptParams | undefined): p is PrefixPrompt {
  return p !== undefined && (p as { kind?: unknown }).kind === 'prefix';
}

/** The adapter kind saveAdapter writes (PEFT peft_type PROMPT_TUNING, P_TUNING or PREFIX_TUNING). */
export type AdapterMethod =
  | { type: 'prompt-tuning' }
  | { type: 'p-tuning'; encoderHiddenSize: number; encoderNumLayers: number; encoderReparameterization: 'MLP' }
  | { type: 'prefix-tuning' };

/** The engine calls the trainer makes, with any kind of prompt parameters. */
export interface PromptEngine {
  loss(examples: ScoredExample[], prompt: PromptParams | undefined, kind: LossKind): Promise<Omit<LossAndGrad, 'grad'>>;
  lossAndGrad(examples: ScoredExample[], prompt: PromptParams, kind: LossKind): Promise<LossAndGrad>;
}

/** The engine as the trainer calls it. Until the engine branch is merged its signatures name SoftPrompt only. */
export function promptEngine(engine: Pick<ModelEngine, 'loss'> | PromptEngine): PromptEngine {
  return engine as unknown as PromptEngine;
}

/** An engine that can give the model's own keys/values for real tokens (prefix-tuning's init). */
export interface PrefixEngine {
  prefixFromTokens(ids: number[]): Promise<PrefixPrompt>;
}

export function asPrefixEngine(engine: object): PrefixEngine | undefined {
  return typeof (engine as Partial<PrefixEngine>).prefixFromTokens === 'function' ? (engine as PrefixEngine) : undefined;
}

/**
 * A prompt as the engine's SoftPrompt-typed calls (score, evaluate, generate) take it. MERGE SEAM: after the
 * engine branch those calls take PromptParams and this is the identity without a cast.
 */
export function engineSoftPrompt(prompt: PromptParams): SoftPrompt {
  return prompt as SoftPrompt;
}
