import type { ModelEngine, PromptParams, SoftPrompt } from '../../engine/api';
import { expectAdapterFor, loadAdapter } from '../../tuning/adapter';
import { checkVirtualTokens } from '../../tuning/init';

/**
 * Loads an adapter folder of any prompt-learning method for `engine` (a soft prompt, or a prefix for prefix
 * tuning), checking it belongs to a model of the same shape and leaves room in its positions.
 */
export function loadSoftFor(engine: ModelEngine, dir: string, warnings: string[]): PromptParams {
  const loaded = loadAdapter(dir, expectAdapterFor(engine.info));
  checkVirtualTokens(loaded.soft.numVirtual, engine.info, `--soft ${dir}`);
  warnings.push(...loaded.warnings);
  return loaded.soft;
}

/** Why a prefix-tuning adapter cannot be projected onto tokens (projection's message). */
export const PREFIX_NOT_PROJECTABLE = 'its virtual tokens are keys and values inside every layer, not input vectors, so there is no token to project them to; projection works on prompt-tuning and P-tuning adapters (whose virtual tokens are input vectors)';

/** Loads an adapter whose virtual tokens are input vectors (prompt tuning, P-tuning); a prefix adapter is a UserError saying `reason`. */
export function loadInputSoftFor(engine: ModelEngine, dir: string, warnings: string[], reason: string): SoftPrompt {
  const loaded = loadAdapter(dir, expectAdapterFor(engine.info, 'input', reason));
  checkVirtualTokens(loaded.soft.numVirtual, engine.info, `--soft ${dir}`);
  warnings.push(...loaded.warnings);
  return loaded.soft as SoftPrompt;
}
