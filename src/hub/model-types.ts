/** What this tool downloads and runs: the supported architectures (the engine's registry) and the files a model needs. */
import { SUPPORTED_MODEL_TYPES } from '../engine/models/index';

export { SUPPORTED_MODEL_TYPES };

/** Why a model_type cannot be used, or undefined when it can. */
export function unsupportedReason(modelType: string | undefined): string | undefined {
  if (modelType === undefined) return 'config.json has no model_type';
  if (SUPPORTED_MODEL_TYPES.includes(modelType)) return undefined;
  return `model_type "${modelType}" is not supported (supported: ${SUPPORTED_MODEL_TYPES.join(', ')})`;
}

/** Downloaded when the repo has them; config.json is required. chat_template.jinja is where transformers v5 saves a chat template. */
export const MODEL_METADATA_FILES = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'chat_template.jinja'] as const;
export const REQUIRED_FILES = ['config.json'] as const;
export const SINGLE_WEIGHTS_FILE = 'model.safetensors';
export const WEIGHTS_INDEX_FILE = 'model.safetensors.index.json';
