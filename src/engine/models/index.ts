/** The model-family registry, keyed by config.json `model_type`. */
import { UserError } from '../errors';
import { ConfigReader } from './config';
import type { ModelArch, ModelFamily } from './family';
import { gemma3, refuseMultimodalGemma } from './gemma3';
import { gpt2 } from './gpt2';
import { llama, mistral } from './llama';
import { phi3 } from './phi3';
import { qwen2, qwen3 } from './qwen';

export const FAMILIES: readonly ModelFamily[] = [gpt2, llama, mistral, qwen2, qwen3, phi3, gemma3];

/** Every model_type the engine runs, in registry order. */
export const SUPPORTED_MODEL_TYPES: readonly string[] = FAMILIES.flatMap((f) => f.modelTypes);

export function familyFor(modelType: unknown): ModelFamily | undefined {
  return FAMILIES.find((f) => typeof modelType === 'string' && f.modelTypes.includes(modelType));
}

/** Checks model_type before any weight is read, so an unsupported model fails fast with the list of supported ones. */
export function checkModelType(raw: Record<string, unknown>, file: string): ModelFamily {
  refuseMultimodalGemma(raw, file);
  const family = familyFor(raw.model_type);
  if (!family) throw new UserError(`${file}: unsupported model_type ${JSON.stringify(raw.model_type)} (supported: ${SUPPORTED_MODEL_TYPES.join(', ')})`, file);
  return family;
}

export function describeModel(raw: Record<string, unknown>, file: string): ModelArch {
  return checkModelType(raw, file).describe(new ConfigReader(raw, file));
}
