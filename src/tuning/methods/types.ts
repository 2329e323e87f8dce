/**
 * What a tuning method is to the trainer: a flat vector of trainable parameters (one or more tensors), how
 * it starts, what the engine takes for it (`materialize`) and how the engine's gradient maps back onto it
 * (`backward`). The trainer optimises the vector and knows nothing else about the method.
 */
import type { ModelEngine } from '../../engine/api';
import type { AdapterOrigin } from '../adapter';
import type { InitSpec } from '../init';
import type { OptimizerName } from '../optimizers';
import type { PromptParams } from '../../engine/api';
import type { AdapterMethod } from '../adapter';

export type MethodName = 'prompt-tuning' | 'p-tuning' | 'prefix-tuning';

/** One tensor of the flat parameter vector, [rows, cols] row-major from `offset` (per-tensor optimisers such as Adafactor need the shape). */
export interface ParamTensor {
  name: string;
  rows: number;
  cols: number;
  offset: number;
}

export interface Trainable {
  readonly tensors: readonly ParamTensor[];
  /** The starting parameters, the tensors in order. */
  readonly initial: Float32Array;
  /** What the engine takes for `params`. It may share `params`' buffer: copy before keeping it. */
  materialize(params: Float32Array): PromptParams;
  /** d loss / d params from the engine's d loss / d materialize(params) (same shape as its data). */
  backward(params: Float32Array, promptGrad: Float32Array): Float32Array;
}

/** The settings of a run a method reads, already checked (see resolveTrainOptions). */
export interface MethodSettings {
  init: InitSpec;
  /** Undefined: the method's default (or an init adapter's length). */
  numVirtual?: number;
  seed: number;
  /** Text for `text` init when the spec gives none (the prompt file's rendered instruction). */
  defaultText?: string;
  /** P-tuning only. */
  encoderHiddenSize?: number;
  encoderResidual?: boolean;
}

/** A method's own settings as the training record keeps them. */
export type MethodRecord =
  | { name: 'prompt-tuning' }
  | { name: 'p-tuning'; encoderHiddenSize: number; encoderResidual: boolean }
  | { name: 'prefix-tuning' };

/** A method set up for one run. */
export interface PreparedMethod {
  trainable: Trainable;
  numVirtual: number;
  /** How the prompt started, for PEFT's config fields. */
  origin: AdapterOrigin;
  /** One line for logs and the training record, e.g. `text: "Classify the review"`. */
  description: string;
  warnings: string[];
  /** What saveAdapter writes the materialized prompt as. */
  adapter: AdapterMethod;
  record: MethodRecord;
}

export interface MethodDefaults {
  virtualTokens: number;
  /** Peak learning rate per optimiser. */
  lr: Record<OptimizerName, number>;
  /** P-tuning only: the encoder's hidden size. */
  encoderHiddenSize?: number;
}

export interface TuningMethod {
  name: MethodName;
  /** One line for --help, the Train flow's quick pick and the docs. */
  summary: string;
  defaults: MethodDefaults;
  /** The --init kinds it accepts (the default is text, or vocab without an instruction). */
  inits: readonly InitSpec['kind'][];
  prepare(engine: ModelEngine, settings: MethodSettings): Promise<PreparedMethod>;
}
