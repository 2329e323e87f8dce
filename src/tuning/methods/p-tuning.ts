/**
 * P-tuning (Liu et al. 2021; PEFT P_TUNING with encoder_reparameterization_type="MLP"): the virtual tokens are
 * the output of a small trainable MLP (prompt-encoder.ts) applied to trainable inputs. The engine sees an
 * ordinary soft prompt; its gradient is chained back through the encoder. Saved as PEFT saves it: the encoder's
 * output as `prompt_embeddings` under a P_TUNING config, so PEFT loads the tokens without the encoder.
 */
import { UserError } from '../../engine/errors';
import { createRng } from '../../data/random';
import { DEFAULT_LEARNING_RATES } from '../optimizers';
import { initSoftPrompt, DEFAULT_VIRTUAL_TOKENS } from '../init';
import { encoderBackward, encoderForward, encoderSize, encoderTensors, initEncoderWeights, type EncoderShape } from './prompt-encoder';
import type { Trainable, TuningMethod } from './types';

/** PEFT's documented P-tuning example uses encoder_hidden_size=128; a small encoder keeps the step cheap. */
export const DEFAULT_ENCODER_HIDDEN_SIZE = 128;
/** PromptEncoderConfig.encoder_num_layers' default; PEFT's MLP always has exactly these layers (the field is recorded, not used). */
export const PEFT_MLP_ENCODER_LAYERS = 2;

/** Seed offset of the encoder's weights, so they are not drawn from the same stream as a random init of its inputs. */
const ENCODER_SEED_OFFSET = 0x5eed;

export function promptEncoderTrainable(shape: EncoderShape, initial: Float32Array): Trainable {
  if (initial.length !== encoderSize(shape)) throw new Error(`p-tuning: ${initial.length} initial parameters, expected ${encoderSize(shape)}`);
  return {
    tensors: encoderTensors(shape),
    initial,
    materialize: (params) => ({ numVirtual: shape.numVirtual, hiddenSize: shape.tokenDim, data: Float32Array.from(encoderForward(shape, params)) }),
    backward: (params, grad) => Float32Array.from(encoderBackward(shape, params, grad)),
  };
}

export const pTuning: TuningMethod = {
  name: 'p-tuning',
  summary: 'virtual tokens produced by a small trainable MLP (Liu et al. 2021); steadier updates, saved as plain tokens (PEFT P_TUNING)',
  defaults: { virtualTokens: DEFAULT_VIRTUAL_TOKENS, lr: DEFAULT_LEARNING_RATES, encoderHiddenSize: DEFAULT_ENCODER_HIDDEN_SIZE },
  inits: ['text', 'vocab', 'random', 'adapter'],
  async prepare(engine, settings) {
    const residual = settings.encoderResidual ?? true;
    if (settings.init.kind === 'adapter' && !residual) {
      throw new UserError('--init adapter: with p-tuning needs the residual encoder (leave out --no-encoder-residual): only then do the virtual tokens start at the adapter\'s');
    }
    const hiddenSize = settings.encoderHiddenSize ?? DEFAULT_ENCODER_HIDDEN_SIZE;
    if (!Number.isInteger(hiddenSize) || hiddenSize < 1) throw new UserError(`--encoder-hidden-size must be a whole number ≥ 1, got ${hiddenSize}`);
    // The encoder's inputs start where a prompt-tuning run would start its tokens.
    const inputs = initSoftPrompt(settings.init, { engine, numVirtual: settings.numVirtual, seed: settings.seed, defaultText: settings.defaultText });
    const shape: EncoderShape = { numVirtual: inputs.soft.numVirtual, tokenDim: inputs.soft.hiddenSize, hiddenSize, residual };
    const initial = new Float32Array(encoderSize(shape));
    initial.set(inputs.soft.data, 0);
    initEncoderWeights(shape, initial, createRng(settings.seed + ENCODER_SEED_OFFSET));
    const encoder = `${residual ? 'inputs + ' : ''}MLP ${shape.tokenDim}→${hiddenSize}→${hiddenSize}→${shape.tokenDim}`;
    return {
      trainable: promptEncoderTrainable(shape, initial),
      numVirtual: shape.numVirtual,
      origin: inputs.origin,
      description: `${inputs.description}; virtual tokens = ${encoder}`,
      warnings: inputs.warnings,
      adapter: { type: 'p-tuning', encoderHiddenSize: hiddenSize, encoderNumLayers: PEFT_MLP_ENCODER_LAYERS, encoderReparameterization: 'MLP' },
      record: { name: 'p-tuning', encoderHiddenSize: hiddenSize, encoderResidual: residual },
    };
  },
};
