/** What this tool downloads and runs: the one list of supported architectures and the files a model needs. */

/** config.json `model_type` values the engine runs. */
export const SUPPORTED_MODEL_TYPES = ['gpt2', 'llama', 'mistral', 'qwen2', 'qwen3', 'phi3', 'gemma3_text'] as const;

/** Why a model_type cannot be used, or undefined when it can. */
export function unsupportedReason(modelType: string | undefined): string | undefined {
  if (modelType === undefined) return 'config.json has no model_type';
  if ((SUPPORTED_MODEL_TYPES as readonly string[]).includes(modelType)) return undefined;
  return `model_type "${modelType}" is not supported (supported: ${SUPPORTED_MODEL_TYPES.join(', ')})`;
}

/** Downloaded when the repo has them; config.json is required. */
export const MODEL_METADATA_FILES = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'] as const;
export const REQUIRED_FILES = ['config.json'] as const;
export const SINGLE_WEIGHTS_FILE = 'model.safetensors';
export const WEIGHTS_INDEX_FILE = 'model.safetensors.index.json';
