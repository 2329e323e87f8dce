/**
 * The parameters and result of a training run, as `ptune train`, the extension's Train flow and the worker's
 * train job exchange them (the worker protocol re-exports them).
 */
import type { LossKind } from '../engine/api';
import type { MethodName } from './methods/types';
import type { EvalPoint, StopReason } from './trainer';

/** Options of `ptune train` (issue 4): model, train, template and out are required; the rest default as documented. */
export interface TrainParams {
  /** Model folder (or hub id, resolved before the job starts). */
  model: string;
  /** Training dataset file (JSONL/JSON/CSV/TSV). */
  train: string;
  /** The .prompt file: template, verbalizer, soft-prompt placement. */
  template: string;
  /** Adapter folder to write. */
  out: string;
  /** Dev dataset for evaluation every `evalEvery` steps, keep-best and early stopping. */
  eval?: string;
  /** prompt-tuning (default) | p-tuning | prefix-tuning (METHOD_CHOICES). */
  method?: string;
  /** Virtual tokens (prefix length for prefix tuning); default: the method's (or the adapter's length with init adapter:DIR). */
  virtualTokens?: number;
  /** P-tuning: the prompt encoder's hidden size; default 128. */
  encoderHiddenSize?: number;
  /** P-tuning: virtual tokens = inputs + MLP(inputs) (default true) instead of PEFT's MLP(inputs). */
  encoderResidual?: boolean;
  /** text | vocab | random | adapter:DIR; default text. */
  init?: string;
  /** Text for init text; default: the prompt file's rendered instruction. */
  initText?: string;
  /** Default: verbalizer for classification prompt files, lm for generation. */
  loss?: LossKind;
  /** adamw (default) | adafactor | sgd. */
  optimizer?: string;
  /** Default: the method's for the optimizer (prompt tuning: adamw 0.01, adafactor 0.3, sgd 0.1). */
  lr?: number;
  /** AdamW decoupled weight decay; default 0. */
  weightDecay?: number;
  /** Default 3 epochs unless `steps` is given. */
  epochs?: number;
  steps?: number;
  /** Default 8. */
  batchSize?: number;
  /** Warmup steps; default 0. */
  warmup?: number;
  /** constant (default) | linear | cosine. */
  schedule?: string;
  /** Global gradient-norm clipping; default off. */
  clip?: number;
  /** Default 0. */
  seed?: number;
  /** Default true; false keeps file order. */
  shuffle?: boolean;
  /** Default true: shuffled classification batches keep the label proportions of the training set. */
  stratify?: boolean;
  /** Longest sequence in tokens, virtual tokens included; default: the model's maximum. */
  maxLength?: number;
  /** Evaluate every N steps; default once per epoch, at most every 100 steps. */
  evalEvery?: number;
  /** Early stopping after N evaluations without improvement; default off. */
  patience?: number;
  /** loss (default) | accuracy: what makes a dev evaluation the best one. */
  keepBest?: string;
  /** Use a seeded sample of at most this many training rows. */
  limit?: number;
  /** Use a seeded sample of at most this many dev rows for the in-training evaluations. */
  evalLimit?: number;
  /** Replace an `out` that exists and is not an adapter folder. */
  overwrite?: boolean;
  /** Skip invalid rows of `train` and `eval` (listed in a warning per file) instead of stopping at the first. */
  skipInvalid?: boolean;
}

/** The tuning options of TrainParams, which `ptune bench --tune` takes too (it supplies the files itself). */
export type TuningParams = Omit<TrainParams, 'model' | 'train' | 'template' | 'out' | 'overwrite' | 'skipInvalid'>;

export interface TrainResult {
  /** Training objective on the first batch before any update. */
  initialLoss: number | null;
  /** Training objective of the saved prompt on that same first batch (null when cancelled). */
  finalLoss: number | null;
  /** Dev accuracy of the best (kept) evaluation (null without a classification dev set). */
  bestEvalAccuracy: number | null;
  bestEvalLoss: number | null;
  steps: number;
  totalSteps: number;
  seconds: number;
  examplesPerSecond: number;
  /** The adapter folder (absolute); it holds the step-`savedStep` prompt. */
  out: string;
  /** False when cancelled before the first checkpoint (nothing written). */
  saved: boolean;
  savedStep: number;
  stopReason: StopReason;
  stopMessage?: string;
  method: MethodName;
  loss: LossKind;
  trainRows: number;
  evalRows: number;
  /** Rows whose input text was cut from the left to fit maxLength. */
  truncatedRows: number;
  warnings: string[];
  evals: EvalPoint[];
}
