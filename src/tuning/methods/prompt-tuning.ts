/**
 * Prompt tuning (Lester et al. 2021; PEFT PROMPT_TUNING): the virtual tokens themselves are the parameters,
 * [numVirtual, hiddenSize], spliced in at the prompt file's {{ soft_prompt }} position.
 */
import type { SoftPrompt } from '../../engine/api';
import { DEFAULT_LEARNING_RATES } from '../optimizers';
import { initSoftPrompt, DEFAULT_VIRTUAL_TOKENS } from '../init';
import type { Trainable, TuningMethod } from './types';

/** The trainable of a soft prompt: identity materialize and backward. */
export function softPromptTrainable(init: SoftPrompt): Trainable {
  const { numVirtual, hiddenSize } = init;
  return {
    tensors: [{ name: 'prompt_embeddings', rows: numVirtual, cols: hiddenSize, offset: 0 }],
    initial: Float32Array.from(init.data),
    materialize: (params) => ({ numVirtual, hiddenSize, data: params }),
    backward: (_params, grad) => grad,
  };
}

export const promptTuning: TuningMethod = {
  name: 'prompt-tuning',
  summary: 'trains the virtual tokens themselves (Lester et al. 2021); the simplest, loads anywhere PEFT prompt tuning does',
  defaults: { virtualTokens: DEFAULT_VIRTUAL_TOKENS, lr: DEFAULT_LEARNING_RATES },
  inits: ['text', 'vocab', 'random', 'adapter'],
  async prepare(engine, settings) {
    const init = initSoftPrompt(settings.init, { engine, numVirtual: settings.numVirtual, seed: settings.seed, defaultText: settings.defaultText });
    return {
      trainable: softPromptTrainable(init.soft),
      numVirtual: init.soft.numVirtual,
      origin: init.origin,
      description: init.description,
      warnings: init.warnings,
      adapter: { type: 'prompt-tuning' },
      record: { name: 'prompt-tuning' },
    };
  },
};
