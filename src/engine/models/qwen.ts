/**
 * Qwen2 / Qwen2.5 and Qwen3: Llama-like decoders (llama.ts). Qwen2 has biases on the q, k and v projections
 * (not on o). Qwen3 drops those biases, adds a per-head RMSNorm on queries and keys before RoPE, and states
 * head_dim explicitly (not hidden / heads). Both slide only when use_sliding_window is set, and then only from
 * layer max_window_layers on.
 */
import type { ConfigReader } from './config';
import type { ModelFamily } from './family';
import { llamaLikeArch, llamaLikeCommon, slidingWindow } from './llama';

function slidingLayers(c: ConfigReader, numLayers: number): { slidingLayers: boolean[]; slidingWindow?: number } {
  const window = c.bool('use_sliding_window', false) ? slidingWindow(c) : undefined;
  const layerTypes = c.raw.layer_types;
  if (Array.isArray(layerTypes) && layerTypes.length === numLayers) {
    return { slidingLayers: layerTypes.map((t) => t === 'sliding_attention' && window !== undefined), slidingWindow: window };
  }
  const from = c.size('max_window_layers', 'layers', numLayers);
  return { slidingLayers: Array.from({ length: numLayers }, (_, i) => window !== undefined && i >= from), slidingWindow: window };
}

function describeQwen(c: ConfigReader, modelType: 'qwen2' | 'qwen3') {
  const common = llamaLikeCommon(c, modelType, 1e-6);
  const attentionBias = modelType === 'qwen2' ? true : c.bool('attention_bias', false);
  return llamaLikeArch(c, {
    ...common,
    qkvBias: attentionBias,
    outBias: modelType === 'qwen3' && attentionBias,
    mlpBias: false,
    qkNorm: modelType === 'qwen3',
    fused: false,
    ...slidingLayers(c, common.dims.numLayers),
  });
}

export const qwen2: ModelFamily = { modelTypes: ['qwen2'], name: 'Qwen2 / Qwen2.5', describe: (c) => describeQwen(c, 'qwen2') };
export const qwen3: ModelFamily = { modelTypes: ['qwen3'], name: 'Qwen3', describe: (c) => describeQwen(c, 'qwen3') };
