import type { ModelEngine, SoftPrompt } from '../../engine/api';
import { loadAdapter } from '../../tuning/adapter';
import { checkVirtualTokens } from '../../tuning/init';

/** Loads an adapter folder for `engine`, checking it belongs to a model of the same hidden size. */
export function loadSoftFor(engine: ModelEngine, dir: string, warnings: string[]): SoftPrompt {
  const loaded = loadAdapter(dir, { hiddenSize: engine.info.hiddenSize, modelName: engine.info.nameOrPath });
  checkVirtualTokens(loaded.soft.numVirtual, engine.info, `--soft ${dir}`);
  warnings.push(...loaded.warnings);
  return loaded.soft;
}
