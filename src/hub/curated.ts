/**
 * Small models that run well on a laptop CPU, offered by Select Model before anything is downloaded.
 * Parameter counts are the hub's safetensors totals; all are stored in BF16 (2 bytes a parameter).
 */
export interface CuratedModel {
  id: string;
  parameters: number;
  modelType: string;
  /** Bytes a parameter takes in the downloaded safetensors. */
  storedBytesPerParameter: number;
  /** Needs the license accepted on the model page and HF_TOKEN. */
  gated: boolean;
  instruct: boolean;
}

const bf16 = (id: string, parameters: number, modelType: string, gated = false): CuratedModel => ({
  id, parameters, modelType, storedBytesPerParameter: 2, gated, instruct: /-(Instruct|it)$/.test(id),
});

export const CURATED_MODELS: readonly CuratedModel[] = [
  bf16('HuggingFaceTB/SmolLM2-135M', 134_515_008, 'llama'),
  bf16('HuggingFaceTB/SmolLM2-135M-Instruct', 134_515_008, 'llama'),
  bf16('google/gemma-3-270m', 268_098_176, 'gemma3_text', true),
  bf16('google/gemma-3-270m-it', 268_098_176, 'gemma3_text', true),
  bf16('HuggingFaceTB/SmolLM2-360M', 361_821_120, 'llama'),
  bf16('HuggingFaceTB/SmolLM2-360M-Instruct', 361_821_120, 'llama'),
  bf16('Qwen/Qwen2.5-0.5B', 494_032_768, 'qwen2'),
  bf16('Qwen/Qwen2.5-0.5B-Instruct', 494_032_768, 'qwen2'),
  bf16('Qwen/Qwen3-0.6B', 751_632_384, 'qwen3'),
  bf16('meta-llama/Llama-3.2-1B', 1_235_814_400, 'llama', true),
  bf16('meta-llama/Llama-3.2-1B-Instruct', 1_235_814_400, 'llama', true),
];

/** About what the weights download weighs. */
export function downloadBytes(m: CuratedModel): number {
  return m.parameters * m.storedBytesPerParameter;
}

/** Memory for the weights in F32, as the engine holds them. */
export function f32Bytes(parameters: number): number {
  return 4 * parameters;
}
