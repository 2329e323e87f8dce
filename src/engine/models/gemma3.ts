/**
 * Gemma 3 text (Gemma3ForCausalLM, model_type "gemma3_text"): embeddings scaled by sqrt(hidden_size), Gemma
 * RMSNorm x̂·(1 + w), four norms per layer (input, post-attention, pre- and post-feedforward), per-head q/k norms
 * before RoPE, GeGLU MLP, attention scale query_pre_attn_scalar^-0.5, sliding-window layers with their own
 * RoPE base (rope_local_base_freq) and global layers on rope_theta (with rope_scaling), and final logit
 * soft-capping when set. As in transformers, attn_logit_softcapping is not applied.
 */
import { UserError } from '../errors';
import type { Value } from '../onnx/graph';
import { attention, gatedMlp, linear, rmsNorm } from './blocks';
import type { ConfigReader } from './config';
import type { ModelFamily, TrunkInputs } from './family';
import { gatedActivation, llamaDims } from './llama';
import { ropeParameters, ropeSpec } from './rope';

/** Which layers slide: layer_types, else every sliding_window_pattern-th layer is global. */
function layerTypes(c: ConfigReader, numLayers: number): boolean[] {
  const types = c.raw.layer_types;
  if (types !== undefined && types !== null) {
    if (!Array.isArray(types) || types.length !== numLayers || types.some((t) => t !== 'sliding_attention' && t !== 'full_attention')) {
      c.fail('layer_types', `must list "sliding_attention" or "full_attention" for each of the ${numLayers} layers`);
    }
    return types.map((t) => t === 'sliding_attention');
  }
  const pattern = c.size('sliding_window_pattern', 'layers', 6);
  return Array.from({ length: numLayers }, (_, i) => (i + 1) % pattern !== 0);
}

export const gemma3: ModelFamily = {
  modelTypes: ['gemma3_text'],
  name: 'Gemma 3 (text)',
  describe(c) {
    const { intermediateSize: I, ...dims } = llamaDims(c);
    const { hiddenSize: H, numLayers, numHeads, numKeyValueHeads: kv, headDim: hd, vocabSize: V } = dims;
    const eps = c.positive('rms_norm_eps', 1e-6);
    const activation = gatedActivation(c, 'hidden_activation', 'gelu_pytorch_tanh');
    const attentionBias = c.bool('attention_bias', false);
    const sliding = layerTypes(c, numLayers);
    const window = c.size('sliding_window', 'positions', 4096);
    const scale = c.positive('query_pre_attn_scalar', hd) ** -0.5;
    const softcap = c.optionalPositive('final_logit_softcapping');
    const tied = c.bool('tie_word_embeddings', true);
    const global = ropeParameters(c, 'full_attention', 1_000_000);
    const local = c.raw.rope_parameters ? ropeParameters(c, 'sliding_attention', 10_000) : { theta: c.positive('rope_local_base_freq', 10_000), scaling: undefined };
    const ropes = [
      ropeSpec(c, 'rope_global', { ...global, headDim: hd, maxPositions: dims.maxPositions }),
      ropeSpec(c, 'rope_local', { ...local, headDim: hd, maxPositions: dims.maxPositions }),
    ];

    const shapes = new Map<string, number[]>([['model.embed_tokens.weight', [V, H]], ['model.norm.weight', [H]]]);
    const norms = ['input_layernorm', 'post_attention_layernorm', 'pre_feedforward_layernorm', 'post_feedforward_layernorm'];
    for (let i = 0; i < numLayers; i++) {
      const p = `model.layers.${i}.`;
      for (const n of norms) shapes.set(`${p}${n}.weight`, [H]);
      shapes.set(`${p}self_attn.q_proj.weight`, [numHeads * hd, H]).set(`${p}self_attn.k_proj.weight`, [kv * hd, H]).set(`${p}self_attn.v_proj.weight`, [kv * hd, H]);
      shapes.set(`${p}self_attn.o_proj.weight`, [H, numHeads * hd]);
      if (attentionBias) {
        shapes.set(`${p}self_attn.q_proj.bias`, [numHeads * hd]).set(`${p}self_attn.k_proj.bias`, [kv * hd]).set(`${p}self_attn.v_proj.bias`, [kv * hd]).set(`${p}self_attn.o_proj.bias`, [H]);
      }
      shapes.set(`${p}self_attn.q_norm.weight`, [hd]).set(`${p}self_attn.k_norm.weight`, [hd]);
      shapes.set(`${p}mlp.gate_proj.weight`, [I, H]).set(`${p}mlp.up_proj.weight`, [I, H]).set(`${p}mlp.down_proj.weight`, [H, I]);
    }
    if (!tied) shapes.set('lm_head.weight', [V, H]);

    return {
      modelType: 'gemma3_text',
      dims,
      weightShapes: shapes,
      linearWeights: [...shapes.keys()].filter((n) => n.endsWith('_proj.weight')),
      embedTable: 'model.embed_tokens.weight',
      lmHead: tied ? 'model.embed_tokens.weight' : 'lm_head.weight',
      // transformers multiplies by sqrt(hidden) cast to the weights' dtype; F32 here.
      embedScale: Math.fround(Math.sqrt(H)),
      logitSoftcap: softcap,
      slidingWindow: sliding.some(Boolean) ? window : undefined,
      allLayersSlide: sliding.every(Boolean),
      rope: ropes,
      buildTrunk({ g, B, T, embedded, causalMask, slidingMask, rope, past, present, w }: TrunkInputs) {
        const norm = (x: Value, name: string) => rmsNorm(g, x, w(name), eps, 'gemma');
        const bias = (name: string) => (attentionBias ? w(name) : undefined);
        let x = g.reshape(embedded, [B * T, H]);
        for (let i = 0; i < numLayers; i++) {
          const p = `model.layers.${i}.`;
          const h = norm(x, `${p}input_layernorm.weight`);
          const [q, k, v] = (['q', 'k', 'v'] as const).map((n) => linear(g, h, w(`${p}self_attn.${n}_proj.weight`), bias(`${p}self_attn.${n}_proj.bias`)));
          const attended = attention(g, { heads: numHeads, kvHeads: kv, headDim: hd, scale }, q, k, v, {
            B, T,
            bias: sliding[i] ? slidingMask! : causalMask,
            rope: sliding[i] ? rope.rope_local : rope.rope_global,
            qNorm: (t) => norm(t, `${p}self_attn.q_norm.weight`),
            kNorm: (t) => norm(t, `${p}self_attn.k_norm.weight`),
            past: past?.[i],
            onPresent: present && ((key, value) => present(i, key, value)),
          });
          x = g.add(x, norm(linear(g, attended, w(`${p}self_attn.o_proj.weight`), bias(`${p}self_attn.o_proj.bias`)), `${p}post_attention_layernorm.weight`));
          const h2 = norm(x, `${p}pre_feedforward_layernorm.weight`);
          const mlp = gatedMlp(g, h2, linear(g, h2, w(`${p}mlp.gate_proj.weight`)), linear(g, h2, w(`${p}mlp.up_proj.weight`)), (t) => linear(g, t, w(`${p}mlp.down_proj.weight`)), activation);
          x = g.add(x, norm(mlp, `${p}post_feedforward_layernorm.weight`));
        }
        return norm(x, 'model.norm.weight');
      },
    };
  },
};

/** A multimodal Gemma 3 config (text_config nested) is not a text model this engine runs. */
export function refuseMultimodalGemma(raw: Record<string, unknown>, file: string): void {
  if (raw.model_type === 'gemma3' && raw.text_config) {
    throw new UserError(`${file}: this is a multimodal Gemma 3 checkpoint (Gemma3ForConditionalGeneration, model_type "gemma3"); use a text-only Gemma 3 model (model_type "gemma3_text", e.g. google/gemma-3-270m or gemma-3-1b)`, file);
  }
}
