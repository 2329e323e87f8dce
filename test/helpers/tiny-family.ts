/**
 * Writes a tiny random checkpoint of any registered model family in Hugging Face layout: the tensors are
 * exactly what the family's `weightShapes` asks for (the seam itself names them), with random values around
 * each norm's identity, plus the byte-level tokenizer of tiny-model.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeModel } from '../../src/engine/models/index';
import { encodeSafetensors } from '../../src/engine/models/safetensors';
import { mulberry } from './random';
import { tinyTokenizerJson } from './tiny-model';

/** Small configs that exercise each family's specifics (GQA, biases, q/k norms, partial RoPE, windows, soft-capping). */
export const TINY_FAMILY_CONFIGS: Record<string, Record<string, unknown>> = {
  llama: {
    model_type: 'llama', hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 6,
    intermediate_size: 24, max_position_embeddings: 128, rms_norm_eps: 1e-5, rope_theta: 10000, attention_bias: true, mlp_bias: true,
    rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 16 },
    tie_word_embeddings: false, hidden_act: 'silu',
  },
  mistral: {
    model_type: 'mistral', hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 1,
    intermediate_size: 24, max_position_embeddings: 128, rms_norm_eps: 1e-6, rope_theta: 10000, sliding_window: 4, tie_word_embeddings: false,
  },
  qwen2: {
    model_type: 'qwen2', hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
    intermediate_size: 24, max_position_embeddings: 128, rms_norm_eps: 1e-6, rope_theta: 1000000, tie_word_embeddings: true, use_sliding_window: false,
  },
  qwen3: {
    model_type: 'qwen3', hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 8,
    intermediate_size: 24, max_position_embeddings: 128, rms_norm_eps: 1e-6, rope_theta: 1000000, tie_word_embeddings: true,
  },
  phi3: {
    model_type: 'phi3', hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, num_key_value_heads: 1,
    intermediate_size: 24, max_position_embeddings: 128, original_max_position_embeddings: 16, rms_norm_eps: 1e-5, rope_theta: 10000,
    partial_rotary_factor: 0.5, tie_word_embeddings: true,
    rope_scaling: { type: 'longrope', short_factor: [1, 1.5], long_factor: [2, 3] },
  },
  gemma3_text: {
    model_type: 'gemma3_text', hidden_size: 16, num_hidden_layers: 3, num_attention_heads: 2, num_key_value_heads: 1, head_dim: 8,
    intermediate_size: 24, max_position_embeddings: 128, rms_norm_eps: 1e-6, rope_theta: 1000000, rope_local_base_freq: 10000,
    query_pre_attn_scalar: 6, sliding_window: 4, layer_types: ['sliding_attention', 'sliding_attention', 'full_attention'],
    final_logit_softcapping: 3, hidden_activation: 'gelu_pytorch_tanh', tie_word_embeddings: true,
  },
};

export function writeTinyFamily(dir: string, modelType: string, opts: { seed?: number; scale?: number; config?: Record<string, unknown> } = {}): { dir: string; vocabSize: number; hidden: number; eos: number } {
  mkdirSync(dir, { recursive: true });
  const tok = tinyTokenizerJson();
  const config = { ...TINY_FAMILY_CONFIGS[modelType], ...opts.config, vocab_size: tok.vocabSize, bos_token_id: tok.eos, eos_token_id: tok.eos };
  const arch = describeModel(config, join(dir, 'config.json'));
  const rnd = mulberry(opts.seed ?? 1);
  const scale = opts.scale ?? 0.4;
  const gemma = modelType === 'gemma3_text';
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [name, shape] of arch.weightShapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    const isNorm = /norm\.weight$|layernorm\.weight$/.test(name);
    const isBias = name.endsWith('.bias');
    tensors[name] = {
      shape,
      data: Float32Array.from({ length: n }, () => {
        const r = rnd() * 2 - 1;
        if (isNorm) return (gemma ? 0 : 1) + r * 0.2;
        return r * (isBias ? scale / 4 : scale);
      }),
    };
  }
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  writeFileSync(join(dir, 'model.safetensors'), encodeSafetensors(tensors));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tok.json));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'PreTrainedTokenizerFast', eos_token: '<|endoftext|>', model_max_length: 128 }));
  return { dir, vocabSize: tok.vocabSize, hidden: arch.dims.hiddenSize, eos: tok.eos };
}
