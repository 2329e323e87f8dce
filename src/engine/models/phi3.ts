/**
 * Phi-3 / Phi-3.5 / Phi-4-mini (Phi3ForCausalLM): a Llama-like decoder (llama.ts) with q/k/v fused in one
 * qkv_proj (rows: q, then k, then v) and gate/up fused in one gate_up_proj (gate first), RoPE on only the first
 * partial_rotary_factor of each head, longrope scaling for the 128k variants, and an optional sliding window.
 */
import type { ModelFamily } from './family';
import { gatedActivation, llamaDims, llamaLikeArch, slidingWindow } from './llama';

export const phi3: ModelFamily = {
  modelTypes: ['phi3'],
  name: 'Phi-3 / Phi-4-mini',
  describe(c) {
    const { intermediateSize, ...dims } = llamaDims(c);
    const window = slidingWindow(c);
    const partialRotaryFactor = c.positive('partial_rotary_factor', 1);
    if (partialRotaryFactor > 1) c.fail('partial_rotary_factor', 'must be at most 1');
    return llamaLikeArch(
      c,
      {
        modelType: 'phi3',
        dims,
        intermediateSize,
        eps: c.positive('rms_norm_eps', 1e-5),
        activation: gatedActivation(c, 'hidden_act', 'silu'),
        tied: c.bool('tie_word_embeddings', false),
        qkvBias: false,
        outBias: false,
        mlpBias: false,
        qkNorm: false,
        fused: true,
        slidingLayers: new Array(dims.numLayers).fill(window !== undefined),
        slidingWindow: window,
      },
      { partialRotaryFactor },
    );
  },
};
