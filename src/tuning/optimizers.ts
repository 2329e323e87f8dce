/**
 * Optimisers for one trainable matrix (the soft prompt, [rows, cols] row-major float32).
 * The learning rate is passed to every step so schedules live outside the optimiser.
 * State is kept in float64 so that long runs do not drift from the reference formulas.
 */
import { UserError } from '../engine/errors';

export type OptimizerName = 'adamw' | 'adafactor' | 'sgd';
export const OPTIMIZER_NAMES: readonly OptimizerName[] = ['adamw', 'adafactor', 'sgd'];

/**
 * Defaults per optimiser (Adafactor's is Lester et al.'s). AdamW's 0.01 is what held up on imdb-gpt2-small /
 * SST-2 with label-stratified batches: 0.003 gets there too, only slower; 0.03 collapses to one class.
 */
export const DEFAULT_LEARNING_RATES: Record<OptimizerName, number> = { adamw: 0.01, adafactor: 0.3, sgd: 0.1 };

export interface Optimizer {
  readonly name: OptimizerName;
  /** Updates `params` in place from `grad` with learning rate `lr`. */
  step(params: Float32Array, grad: Float32Array, lr: number): void;
}

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay (Loshchilov & Hutter), multiplied by the learning rate as in PyTorch. Default 0. */
  weightDecay?: number;
}

/** PyTorch's `torch.optim.AdamW` with bias correction. */
export class AdamW implements Optimizer {
  readonly name = 'adamw' as const;
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly weightDecay: number;

  constructor(size: number, opts: AdamWOptions = {}) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
  }

  step(params: Float32Array, grad: Float32Array, lr: number): void {
    this.t++;
    const { beta1, beta2, eps } = this;
    const bc1 = 1 - Math.pow(beta1, this.t);
    const bc2 = 1 - Math.pow(beta2, this.t);
    const decay = 1 - lr * this.weightDecay;
    for (let i = 0; i < params.length; i++) {
      const g = grad[i];
      this.m[i] = beta1 * this.m[i] + (1 - beta1) * g;
      this.v[i] = beta2 * this.v[i] + (1 - beta2) * g * g;
      const mHat = this.m[i] / bc1;
      const vHat = this.v[i] / bc2;
      params[i] = params[i] * decay - (lr * mHat) / (Math.sqrt(vHat) + eps);
    }
  }
}

export interface AdafactorOptions {
  /** Exponent of the second-moment decay: β2(t) = 1 − t^(−decayRate). Lester et al.: 0.8. */
  decayRate?: number;
  /** Decoupled weight decay: p ← (1 − wd)·p − update, as T5X applies it. Lester et al.: 1e-5. */
  weightDecay?: number;
  /** Update clipping: the update's RMS is capped at this value. Default 1.0. */
  clippingThreshold?: number;
  epsilon1?: number;
  /** Factor the second moment only when both dimensions are at least this large (T5X default 128). */
  minDimSizeToFactor?: number;
}

/**
 * Adafactor (Shazeer & Stern, 2018) as T5X implements it, configured as Lester et al. (2021) used it for
 * prompt tuning: no parameter scaling, no momentum, β2 decay 0.8, weight decay 1e-5, update clipping 1.0.
 */
export class Adafactor implements Optimizer {
  readonly name = 'adafactor' as const;
  private t = 0;
  private readonly factored: boolean;
  private readonly v: Float64Array;
  /** Factored statistics: one per row and one per column. */
  private readonly vRow: Float64Array;
  private readonly vCol: Float64Array;
  private readonly decayRate: number;
  private readonly weightDecay: number;
  private readonly clippingThreshold: number;
  private readonly epsilon1: number;

  constructor(readonly rows: number, readonly cols: number, opts: AdafactorOptions = {}) {
    this.decayRate = opts.decayRate ?? 0.8;
    this.weightDecay = opts.weightDecay ?? 1e-5;
    this.clippingThreshold = opts.clippingThreshold ?? 1.0;
    this.epsilon1 = opts.epsilon1 ?? 1e-30;
    this.factored = Math.min(rows, cols) >= (opts.minDimSizeToFactor ?? 128);
    this.v = new Float64Array(this.factored ? 0 : rows * cols);
    this.vRow = new Float64Array(this.factored ? rows : 0);
    this.vCol = new Float64Array(this.factored ? cols : 0);
  }

  step(params: Float32Array, grad: Float32Array, lr: number): void {
    this.t++;
    const { rows, cols } = this;
    const decay = 1 - Math.pow(this.t, -this.decayRate);
    const mix = 1 - decay;
    const y = new Float64Array(rows * cols);
    if (this.factored) {
      const rowMean = new Float64Array(rows);
      const colMean = new Float64Array(cols);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const g2 = grad[r * cols + c] * grad[r * cols + c] + this.epsilon1;
          rowMean[r] += g2 / cols;
          colMean[c] += g2 / rows;
        }
      }
      let meanOfRows = 0;
      for (let r = 0; r < rows; r++) {
        this.vRow[r] = decay * this.vRow[r] + mix * rowMean[r];
        meanOfRows += this.vRow[r] / rows;
      }
      for (let c = 0; c < cols; c++) this.vCol[c] = decay * this.vCol[c] + mix * colMean[c];
      for (let r = 0; r < rows; r++) {
        const rowFactor = 1 / Math.sqrt(this.vRow[r] / meanOfRows);
        for (let c = 0; c < cols; c++) y[r * cols + c] = grad[r * cols + c] * rowFactor / Math.sqrt(this.vCol[c]);
      }
    } else {
      for (let i = 0; i < y.length; i++) {
        this.v[i] = decay * this.v[i] + mix * (grad[i] * grad[i] + this.epsilon1);
        y[i] = grad[i] / Math.sqrt(this.v[i]);
      }
    }
    let sumSq = 0;
    for (let i = 0; i < y.length; i++) sumSq += y[i] * y[i];
    const clip = Math.max(1, Math.sqrt(sumSq / y.length) / this.clippingThreshold);
    const keep = 1 - this.weightDecay;
    for (let i = 0; i < params.length; i++) params[i] = keep * params[i] - (lr * y[i]) / clip;
  }
}

/** Plain stochastic gradient descent: p ← p − lr·g (no momentum, no weight decay). */
export class Sgd implements Optimizer {
  readonly name = 'sgd' as const;
  step(params: Float32Array, grad: Float32Array, lr: number): void {
    for (let i = 0; i < params.length; i++) params[i] = params[i] - lr * grad[i];
  }
}

export interface OptimizerConfig {
  name: OptimizerName;
  /** AdamW only (Adafactor has its fixed 1e-5, SGD none). */
  weightDecay?: number;
}

export function parseOptimizerName(name: string): OptimizerName {
  const lower = name.toLowerCase();
  if ((OPTIMIZER_NAMES as readonly string[]).includes(lower)) return lower as OptimizerName;
  throw new UserError(`unknown optimizer "${name}": use one of ${OPTIMIZER_NAMES.join(', ')}`);
}

export function createOptimizer(config: OptimizerConfig, rows: number, cols: number): Optimizer {
  switch (config.name) {
    case 'adamw':
      return new AdamW(rows * cols, { weightDecay: config.weightDecay ?? 0 });
    case 'adafactor':
      return new Adafactor(rows, cols);
    case 'sgd':
      return new Sgd();
  }
}
