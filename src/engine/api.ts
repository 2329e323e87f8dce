/**
 * The engine's public types: what tuning, evaluation, benchmarks, projections and the UI program against.
 * Implementation: `Engine` in ./engine.ts.
 */

/** The shape facts of a loaded model that callers need. */
export interface ModelInfo {
  /** Absolute path of the Hugging Face checkpoint folder. */
  dir: string;
  /** config.json `model_type`, e.g. "gpt2". */
  modelType: string;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  /** Key/value heads (grouped-query attention); equal to numHeads without grouping. */
  numKeyValueHeads: number;
  headDim: number;
  vocabSize: number;
  /** Longest sequence (virtual tokens included) the position embeddings allow. */
  maxPositions: number;
  /**
   * With a sliding window on every layer (Mistral), the farthest a token can be behind a position and still
   * reach it: layers × (window − 1). Virtual tokens further back get exactly zero gradient (transformers too).
   */
  softPromptReach?: number;
  /** `_name_or_path` from config.json if present, else the folder name. */
  nameOrPath: string;
}

import type { ChatTemplateInfo } from './chat-template';

/** Text <-> ids. Backed by `@huggingface/transformers` AutoTokenizer over the folder's tokenizer.json. */
export interface TextTokenizer {
  /** Ids of `text` with no special tokens added. */
  encode(text: string): number[];
  /**
   * The special tokens `tokenizer(text)` puts in front of a text (a BOS for Llama 3 and Gemma, none for GPT-2,
   * Qwen or SmolLM2), as tokenizer.json's post-processor says; prompts start with them, continuations do not.
   */
  readonly prefixIds: readonly number[];
  decode(ids: number[]): string;
  /** The string piece of each id, exactly as the vocabulary spells it after byte-level decoding (e.g. " great"). */
  pieces(ids: number[]): string[];
  readonly vocabSize: number;
  readonly eosTokenId: number | undefined;
  readonly bosTokenId: number | undefined;
  /** The model's chat template (chat_template.jinja or tokenizer_config.json), when it has one. */
  readonly chatTemplate?: ChatTemplateInfo;
}

/** A soft prompt: `data` is row-major [numVirtual, hiddenSize] float32, spliced in at the input layer. */
export interface SoftPrompt {
  kind?: 'input';
  numVirtual: number;
  hiddenSize: number;
  data: Float32Array;
}

/** Prefix tuning's trainable keys and values at every layer, in PEFT's PREFIX_TUNING layout: `data` is row-major
 *  [numVirtual, numLayers * 2 * numKeyValueHeads * headDim] (see docs for the column order). */
export interface PrefixPrompt { kind: 'prefix'; numVirtual: number; numLayers: number; numKeyValueHeads: number; headDim: number; data: Float32Array }
export type PromptParams = SoftPrompt | PrefixPrompt;
export function isPrefixPrompt(p: PromptParams | undefined): p is PrefixPrompt {
  return p !== undefined && (p as PrefixPrompt).kind === 'prefix';
}

/**
 * One example under the loss contract: the model sees [soft prompt] + promptIds + continuation, and the
 * example's score for a continuation is Σ_j log softmax(full-vocabulary logits)[t_j] at the positions that
 * predict each t_j.
 */
export interface ScoredExample {
  promptIds: number[];
  /** One continuation per candidate label (classification) or the single target (generation / lm loss). */
  continuations: number[][];
  /** Index into `continuations` of the gold one; required by the losses, ignored by scoring. */
  gold?: number;
  /**
   * Where the virtual tokens go, as an index into promptIds: 0 (default) is a prefix, as PEFT does;
   * k > 0 places them after the first k prompt tokens (the `{{ soft_prompt }}` marker of a prompt file).
   * Position ids run 0,1,2,… over the whole sequence, virtual tokens included. A PrefixPrompt ignores it: its
   * keys/values always come first (positions 0..P−1 of every layer), as in PEFT.
   */
  softPromptAt?: number;
}

export type LossKind = 'lm' | 'verbalizer';

export interface LossAndGrad {
  /** The batch loss: mean over examples. */
  loss: number;
  /** Each example's loss (lm: −score of gold; verbalizer: −log softmax over the labels' scores at gold). */
  perExample: number[];
  /** Each example's summed continuation log-probs, [example][continuation]; the lm loss scores only the gold one (others NaN). */
  scores: number[][];
  /** d loss / d prompt, the shape of the prompt's `data` ([numVirtual, hiddenSize], or a prefix's PEFT layout). */
  grad: Float32Array;
}

/** Incremental decoding of several sequences at once (a KV cache in the real engine). */
export interface TokenDecoder {
  /** Runs the prompts; each sequence's next-token logits, [vocab]. */
  start(): Promise<Float32Array[]>;
  /** Appends one token to each sequence; each sequence's next-token logits. */
  step(tokens: number[]): Promise<Float32Array[]>;
}

export interface DecoderOptions {
  soft?: PromptParams;
  /** Per prompt, where the virtual tokens go (0: a prefix, as PEFT places them); a PrefixPrompt is always in front. */
  softPromptAt?: number[];
  /** Steps the caller will take at most (sizes the cache; checked against the model's positions). */
  maxNewTokens: number;
}

export interface EngineOptions {
  /** onnxruntime intra-op threads; default: one per physical core (onnxruntime's choice). */
  threads?: number;
}

/**
 * What `Engine` (./engine.ts) offers; fakes in tests implement this too.
 * All methods batch internally (length-bucketed, right-padded) and never change results with batching.
 */
export interface ModelEngine {
  readonly info: ModelInfo;
  readonly tokenizer: TextTokenizer;
  /**
   * The input embedding matrix as the trunk sees it, row-major [vocabSize, hiddenSize]: scaled by sqrt(hidden)
   * for Gemma, whose soft prompts live in that scaled space (PEFT splices them in after the scaling).
   */
  readonly embeddings: Float32Array;
  /** Summed continuation log-probs under the loss contract, [example][continuation]. */
  score(examples: ScoredExample[], soft?: PromptParams): Promise<number[][]>;
  /** Loss (forward only) for evaluation on a dev set. */
  loss(examples: ScoredExample[], soft: PromptParams | undefined, kind: LossKind): Promise<Omit<LossAndGrad, 'grad'>>;
  /** Loss and its exact gradient with respect to the prompt's `data` (a soft prompt or a prefix). */
  lossAndGrad(examples: ScoredExample[], soft: PromptParams, kind: LossKind): Promise<LossAndGrad>;
  /** Full-vocabulary logits of each sequence, [length * vocabSize] row-major per sequence. */
  logits(sequences: number[][], soft?: PromptParams): Promise<Float32Array[]>;
  /** A decoder over `prompts` that reuses earlier work at every step (the KV cache). */
  decoder(prompts: number[][], opts: DecoderOptions): TokenDecoder;
  /** Greedy decoding: the new token ids (stops at EOS, a stop id, or maxNewTokens). */
  generate(promptIds: number[], maxNewTokens: number, soft?: PromptParams, softPromptAt?: number): Promise<number[]>;
  /**
   * The keys and values the model itself computes for a real token sequence, as a prefix (positions 0..n−1):
   * prefix tuning's initialisation from real words (Li & Liang 2021).
   */
  prefixFromTokens(ids: number[]): Promise<PrefixPrompt>;
  /** Counts model runs (forward or backward); the benchmark cache test asserts it stays at zero. */
  readonly runCount: number;
  dispose(): Promise<void>;
}
