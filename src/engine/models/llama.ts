/**
 * Llama (LlamaForCausalLM) and the decoders built like it: RMSNorm pre-norm blocks, grouped-query attention
 * with rotary embeddings, a SwiGLU MLP, an LM head tied to the embeddings unless lm_head.weight is stored.
 * Mistral is Llama with a sliding window on every layer; Qwen2, Qwen3 and Phi-3 (qwen.ts, phi3.ts) describe
 * their differences through `LlamaLike` and share this trunk.
 */
import { UserError } from '../errors';
import type { Value } from '../onnx/graph';
import { attention, GATED_ACTIVATIONS, gatedMlp, linear, rmsNorm, type GatedActivation } from './blocks';
import type { ConfigReader } from './config';
import type { ModelArch, ModelDims, ModelFamily, TrunkInputs } from './family';
import { ropeParameters, ropeSpec } from './rope';

export interface LlamaLike {
  modelType: string;
  dims: ModelDims;
  intermediateSize: number;
  eps: number;
  activation: GatedActivation;
  tied: boolean;
  /** Bias on the q, k and v projections; on the output projection; on the MLP. */
  qkvBias: boolean;
  outBias: boolean;
  mlpBias: boolean;
  /** Qwen3: RMSNorm over head_dim on each query and key head, before RoPE. */
  qkNorm: boolean;
  /** Phi-3 stores q/k/v as one qkv_proj and gate/up as one gate_up_proj (gate first). */
  fused: boolean;
  /** Per layer: does it use the sliding window? */
  slidingLayers: boolean[];
  slidingWindow?: number;
}

/** The core sizes every Llama-like config names the same way. */
export function llamaDims(c: ConfigReader): ModelDims & { intermediateSize: number } {
  const hiddenSize = c.size('hidden_size', 'width');
  const numHeads = c.size('num_attention_heads', 'heads');
  const numKeyValueHeads = c.size('num_key_value_heads', 'heads', numHeads);
  c.divisible('num_attention_heads', numHeads, 'num_key_value_heads', numKeyValueHeads);
  if (!c.has('head_dim')) c.divisible('hidden_size', hiddenSize, 'num_attention_heads', numHeads);
  return {
    hiddenSize,
    numLayers: c.size('num_hidden_layers', 'layers'),
    numHeads,
    numKeyValueHeads,
    headDim: c.size('head_dim', 'width', hiddenSize / numHeads),
    vocabSize: c.size('vocab_size', 'vocab'),
    maxPositions: c.size('max_position_embeddings', 'positions', 2048),
    intermediateSize: c.size('intermediate_size', 'width'),
  };
}

export function gatedActivation(c: ConfigReader, key: string, fallback: string): GatedActivation {
  const name = c.string(key, fallback);
  const act = GATED_ACTIVATIONS[name];
  if (!act) throw new UserError(`${c.file}: unsupported ${key} "${name}" (supported: ${Object.keys(GATED_ACTIVATIONS).join(', ')})`, c.file);
  return act;
}

/** A sliding window from config.json, or undefined when null/absent. */
export function slidingWindow(c: ConfigReader): number | undefined {
  return c.has('sliding_window') ? c.size('sliding_window', 'positions') : undefined;
}

/** The fields every Llama-like config names the same way; families add their own switches. */
export function llamaLikeCommon(c: ConfigReader, modelType: string, defaultEps: number): Pick<LlamaLike, 'modelType' | 'dims' | 'intermediateSize' | 'eps' | 'activation' | 'tied'> {
  const { intermediateSize, ...dims } = llamaDims(c);
  return {
    modelType,
    dims,
    intermediateSize,
    eps: c.positive('rms_norm_eps', defaultEps),
    activation: gatedActivation(c, 'hidden_act', 'silu'),
    tied: c.bool('tie_word_embeddings', false),
  };
}

export function llamaLikeArch(c: ConfigReader, m: LlamaLike, opts: { partialRotaryFactor?: number } = {}): ModelArch {
  const { hiddenSize: H, numLayers, numHeads, numKeyValueHeads: kv, headDim: hd, vocabSize: V } = m.dims;
  const I = m.intermediateSize;
  const { theta, scaling } = ropeParameters(c);
  const rope = ropeSpec(c, 'rope', { theta, scaling, headDim: hd, partialRotaryFactor: opts.partialRotaryFactor, maxPositions: m.dims.maxPositions });

  const shapes = new Map<string, number[]>([['model.embed_tokens.weight', [V, H]], ['model.norm.weight', [H]]]);
  for (let i = 0; i < numLayers; i++) {
    const p = `model.layers.${i}.`;
    shapes.set(`${p}input_layernorm.weight`, [H]).set(`${p}post_attention_layernorm.weight`, [H]);
    if (m.fused) {
      shapes.set(`${p}self_attn.qkv_proj.weight`, [(numHeads + 2 * kv) * hd, H]);
      shapes.set(`${p}mlp.gate_up_proj.weight`, [2 * I, H]);
    } else {
      shapes.set(`${p}self_attn.q_proj.weight`, [numHeads * hd, H]).set(`${p}self_attn.k_proj.weight`, [kv * hd, H]).set(`${p}self_attn.v_proj.weight`, [kv * hd, H]);
      if (m.qkvBias) shapes.set(`${p}self_attn.q_proj.bias`, [numHeads * hd]).set(`${p}self_attn.k_proj.bias`, [kv * hd]).set(`${p}self_attn.v_proj.bias`, [kv * hd]);
      shapes.set(`${p}mlp.gate_proj.weight`, [I, H]).set(`${p}mlp.up_proj.weight`, [I, H]);
      if (m.mlpBias) shapes.set(`${p}mlp.gate_proj.bias`, [I]).set(`${p}mlp.up_proj.bias`, [I]);
    }
    shapes.set(`${p}self_attn.o_proj.weight`, [H, numHeads * hd]);
    if (m.outBias) shapes.set(`${p}self_attn.o_proj.bias`, [H]);
    shapes.set(`${p}mlp.down_proj.weight`, [H, I]);
    if (m.mlpBias) shapes.set(`${p}mlp.down_proj.bias`, [H]);
    if (m.qkNorm) shapes.set(`${p}self_attn.q_norm.weight`, [hd]).set(`${p}self_attn.k_norm.weight`, [hd]);
  }
  if (!m.tied) shapes.set('lm_head.weight', [V, H]);
  const anySliding = m.slidingWindow !== undefined && m.slidingLayers.some(Boolean);

  return {
    modelType: m.modelType,
    dims: m.dims,
    weightShapes: shapes,
    linearWeights: [...shapes.keys()].filter((n) => n.endsWith('_proj.weight')),
    embedTable: 'model.embed_tokens.weight',
    lmHead: m.tied ? 'model.embed_tokens.weight' : 'lm_head.weight',
    embedScale: 1,
    slidingWindow: anySliding ? m.slidingWindow : undefined,
    allLayersSlide: anySliding && m.slidingLayers.every(Boolean),
    rope: [rope],
    buildTrunk({ g, B, T, embedded, causalMask, slidingMask, rope: tables, past, present, w }: TrunkInputs) {
      const wb = (name: string, present: boolean) => (present ? w(name) : undefined);
      const norm = (x: Value, name: string) => rmsNorm(g, x, w(name), m.eps);
      let x = g.reshape(embedded, [B * T, H]);
      for (let i = 0; i < numLayers; i++) {
        const p = `model.layers.${i}.`;
        const h = norm(x, `${p}input_layernorm.weight`);
        const [q, k, v] = m.fused
          ? g.split(linear(g, h, w(`${p}self_attn.qkv_proj.weight`)), 1, [numHeads * hd, kv * hd, kv * hd])
          : (['q', 'k', 'v'] as const).map((n) => linear(g, h, w(`${p}self_attn.${n}_proj.weight`), wb(`${p}self_attn.${n}_proj.bias`, m.qkvBias)));
        const headNorm = (name: string) => (m.qkNorm ? (t: Value) => norm(t, `${p}self_attn.${name}.weight`) : undefined);
        const attended = attention(g, { heads: numHeads, kvHeads: kv, headDim: hd, scale: 1 / Math.sqrt(hd) }, q, k, v, {
          B, T,
          bias: m.slidingLayers[i] && slidingMask ? slidingMask : causalMask,
          rope: tables.rope,
          qNorm: headNorm('q_norm'),
          kNorm: headNorm('k_norm'),
          past: past?.[i],
          onPresent: present && ((key, value) => present(i, key, value)),
        });
        x = g.add(x, linear(g, attended, w(`${p}self_attn.o_proj.weight`), wb(`${p}self_attn.o_proj.bias`, m.outBias)));
        const h2 = norm(x, `${p}post_attention_layernorm.weight`);
        const [gate, up] = m.fused
          ? g.split(linear(g, h2, w(`${p}mlp.gate_up_proj.weight`)), 1, [I, I])
          : (['gate', 'up'] as const).map((n) => linear(g, h2, w(`${p}mlp.${n}_proj.weight`), wb(`${p}mlp.${n}_proj.bias`, m.mlpBias)));
        x = g.add(x, gatedMlp(g, h2, gate, up, (t) => linear(g, t, w(`${p}mlp.down_proj.weight`), wb(`${p}mlp.down_proj.bias`, m.mlpBias)), m.activation));
      }
      return norm(x, 'model.norm.weight');
    },
  };
}

function describeLlama(c: ConfigReader, modelType: string, window: number | undefined): ModelArch {
  const common = llamaLikeCommon(c, modelType, 1e-6);
  const attentionBias = c.bool('attention_bias', false);
  return llamaLikeArch(c, {
    ...common,
    qkvBias: attentionBias,
    outBias: attentionBias,
    mlpBias: c.bool('mlp_bias', false),
    qkNorm: false,
    fused: false,
    slidingLayers: new Array(common.dims.numLayers).fill(window !== undefined),
    slidingWindow: window,
  });
}

export const llama: ModelFamily = {
  modelTypes: ['llama'],
  name: 'Llama (SmolLM, Llama 3.x)',
  describe: (c) => describeLlama(c, 'llama', undefined),
};

export const mistral: ModelFamily = {
  modelTypes: ['mistral'],
  name: 'Mistral',
  describe: (c) => describeLlama(c, 'mistral', slidingWindow(c)),
};
