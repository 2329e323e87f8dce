/** Random prefix-tuning prompts (PEFT's PREFIX_TUNING layout) shaped for a model. */
import type { ModelInfo, PrefixPrompt } from '../../src/engine/api';
import { mulberry } from './random';

export function randomPrefix(info: Pick<ModelInfo, 'numLayers' | 'numKeyValueHeads' | 'headDim'>, numVirtual: number, seed: number, scale = 1): PrefixPrompt {
  const rnd = mulberry(seed);
  const width = info.numLayers * 2 * info.numKeyValueHeads * info.headDim;
  return {
    kind: 'prefix',
    numVirtual,
    numLayers: info.numLayers,
    numKeyValueHeads: info.numKeyValueHeads,
    headDim: info.headDim,
    data: Float32Array.from({ length: numVirtual * width }, () => (rnd() - 0.5) * scale),
  };
}
