/**
 * Phi-3 / Phi-3.5 / Phi-4-mini (Phi3ForCausalLM): a Llama-like decoder (llama.ts) with q/k/v fused in one
 * qkv_proj (rows: q, then k, then v) and gate/up fused in one gate_up_proj (gate first), RoPE on only the first
 * partial_rotary_factor of each head, longrope scaling for the 128k variants, and an optional sliding window.
 */
import { UserError } from '../errors';
import type { ModelFamily } from './family';
import { llamaLikeArch, llamaLikeCommon, slidingWindow } from './llama';
import { ropeParameters } from './rope';

export const phi3: ModelFamily = {
  modelTypes: ['phi3'],
  name: 'Phi-3 / Phi-4-mini',
  describe(c) {
    const common = llamaLikeCommon(c, 'phi3', 1e-5);
    const window = slidingWindow(c);
    // transformers 5 keeps partial_rotary_factor inside rope_parameters (and saves no top-level key when it was given
    // there); that one wins, as rope_parameters.setdefault(...) does in Phi3Config.convert_rope_params_to_dict.
    const inRope = ropeParameters(c).scaling?.partial_rotary_factor;
    if (inRope !== undefined && (typeof inRope !== 'number' || !Number.isFinite(inRope) || inRope <= 0 || inRope > 1)) {
      throw new UserError(`${c.file}: rope_parameters "partial_rotary_factor" must be a number in (0, 1] (got ${JSON.stringify(inRope)})`, c.file);
    }
    const partialRotaryFactor = inRope ?? c.positive('partial_rotary_factor', 1);
    if (partialRotaryFactor > 1) c.fail('partial_rotary_factor', 'must be at most 1');
    return llamaLikeArch(
      c,
      {
        ...common,
        qkvBias: false,
        outBias: false,
        mlpBias: false,
        qkNorm: false,
        fused: true,
        slidingLayers: new Array(common.dims.numLayers).fill(window !== undefined),
        slidingWindow: window,
      },
      { partialRotaryFactor },
    );
  },
};
