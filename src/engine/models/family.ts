/**
 * The seam between the engine and model families. A family reads a config.json into a `ModelArch`: the model's
 * dimensions, the checkpoint tensors it needs with their shapes, and a builder for its transformer trunk. The
 * engine does the rest once for every family: input embedding, the soft-prompt splice in front of the trunk,
 * masks and RoPE tables, the LM head and the loss graphs (heads.ts).
 */
import type { Graph, Value } from '../onnx/graph';
import type { PastKeyValues, RopeInputs } from './blocks';
import type { ConfigReader } from './config';
import type { RopeSpec } from './rope';

export interface ModelDims {
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  numKeyValueHeads: number;
  headDim: number;
  vocabSize: number;
  /** Longest sequence, virtual tokens included. */
  maxPositions: number;
}

export interface TrunkInputs {
  g: Graph;
  B: number;
  T: number;
  /** [B, T, H]: token embeddings (scaled, for families that scale) with the soft prompt spliced in. */
  embedded: Value;
  /** [B, T] int64 position ids, after any past positions (absolute-position families read them; RoPE families get tables instead). */
  positions: Value;
  /** [B, 1, T, P + T] additive attention biases: causal + padding, and the same within the sliding window. */
  causalMask: Value;
  slidingMask?: Value;
  /** Per layer: keys/values of P earlier positions (KV cache, shared prefix, prefix tuning). */
  past?: PastKeyValues[];
  /** Receives each layer's keys and values of this call, [B, kvHeads, T, headDim]. */
  present?: (layer: number, key: Value, value: Value) => void;
  /** RoPE tables by RopeSpec name. */
  rope: Record<string, RopeInputs>;
  /** A checkpoint tensor as a graph input, by its checkpoint name. */
  w: (name: string) => Value;
}

export interface ModelArch {
  modelType: string;
  dims: ModelDims;
  /** Checkpoint tensor name → expected shape: everything the graphs read, and nothing else is loaded. */
  weightShapes: Map<string, number[]>;
  /**
   * The weight matrices that only the linear blocks read: [out, in] (nn.Linear), or [in, out] with
   * `linearLayout: 'in-out'` (GPT-2's Conv1D). These frozen weights may be stored quantized.
   */
  linearWeights: readonly string[];
  linearLayout?: 'in-out';
  /** The input embedding table [V, H] and the LM head [V, H] (the same tensor when tied). */
  embedTable: string;
  lmHead: string;
  /**
   * Gemma multiplies embeddings by sqrt(hidden) inside its embedding module; PEFT splices the soft prompt in
   * after that module, so virtual tokens live in the scaled space and are not scaled again.
   */
  embedScale: number;
  /** logits = cap · tanh(logits / cap) when set (Gemma's final_logit_softcapping). */
  logitSoftcap?: number;
  /** The window of the sliding-window layers, when the model has any: a key is visible when q − k < window. */
  slidingWindow?: number;
  /** True when every layer slides (Mistral): virtual tokens further back than layers × (window − 1) get no gradient. */
  allLayersSlide?: boolean;
  rope: RopeSpec[];
  /** The trunk up to and including the final norm: hidden states [B·T, H]. */
  buildTrunk(t: TrunkInputs): Value;
}

export interface ModelFamily {
  /** The config.json model_type values this family reads. */
  modelTypes: readonly string[];
  /** Human name for messages and the README. */
  name: string;
  describe(config: ConfigReader): ModelArch;
}
