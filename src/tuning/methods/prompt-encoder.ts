/**
 * P-tuning's prompt encoder with encoder_reparameterization_type="MLP", exactly as PEFT builds it
 * (peft/tuners/p_tuning/model.py, PromptEncoder): an input embedding [nv, token_dim] followed by
 *   Linear(token_dim, hidden) → ReLU → Linear(hidden, hidden) → ReLU → Linear(hidden, token_dim).
 * PEFT always uses exactly these three layers for MLP (encoder_num_layers only applies to LSTM; it warns when
 * given another value) and no dropout in the MLP. Weights are PyTorch's Linear layout [out, in].
 *
 * With `residual`, the virtual tokens are input + MLP(input) instead of MLP(input): with the last layer
 * starting at zero the run starts exactly at the initial prompt (the init text's embeddings), while updates
 * still go through the encoder. Either way the adapter stores the virtual tokens (the encoder's output), as
 * PEFT's get_prompt_embedding_to_save does, so the saved result is a plain tensor PEFT loads unchanged.
 *
 * Forward and backward run in float64 (the test checks them against finite differences in float64); the
 * parameters are one flat vector, tensors in the order of ENCODER_TENSORS.
 */
import type { ParamTensor } from './types';

export interface EncoderShape {
  numVirtual: number;
  tokenDim: number;
  hiddenSize: number;
  residual: boolean;
}

/** PEFT's state-dict names of the encoder's tensors (PromptEncoder.embedding and .mlp_head), in flat-vector order. */
export const ENCODER_TENSORS = ['embedding.weight', 'mlp_head.0.weight', 'mlp_head.0.bias', 'mlp_head.2.weight', 'mlp_head.2.bias', 'mlp_head.4.weight', 'mlp_head.4.bias'] as const;

/** The flat vector's tensors: each a [rows, cols] matrix (a bias is [1, n]). */
export function encoderTensors(s: EncoderShape): ParamTensor[] {
  const shapes: [number, number][] = [
    [s.numVirtual, s.tokenDim],
    [s.hiddenSize, s.tokenDim],
    [1, s.hiddenSize],
    [s.hiddenSize, s.hiddenSize],
    [1, s.hiddenSize],
    [s.tokenDim, s.hiddenSize],
    [1, s.tokenDim],
  ];
  let offset = 0;
  return shapes.map(([rows, cols], i) => {
    const tensor = { name: ENCODER_TENSORS[i], rows, cols, offset };
    offset += rows * cols;
    return tensor;
  });
}

export function encoderSize(s: EncoderShape): number {
  const t = encoderTensors(s);
  return t[t.length - 1].offset + s.tokenDim;
}

type Floats = Float32Array | Float64Array;

interface Activations {
  z1: Float64Array;
  h1: Float64Array;
  z2: Float64Array;
  h2: Float64Array;
  out: Float64Array;
}

function views(s: EncoderShape, params: Floats) {
  const [x, w1, b1, w2, b2, w3, b3] = encoderTensors(s).map((t) => params.subarray(t.offset, t.offset + t.rows * t.cols));
  return { x, w1, b1, w2, b2, w3, b3 };
}

/** y[n, out] = a[n, in] · wᵀ + b, with w [out, in]. */
function linear(a: ArrayLike<number>, n: number, inDim: number, w: ArrayLike<number>, b: ArrayLike<number>, outDim: number): Float64Array {
  const y = new Float64Array(n * outDim);
  for (let r = 0; r < n; r++) {
    for (let o = 0; o < outDim; o++) {
      let sum = b[o];
      const wo = o * inDim;
      const ar = r * inDim;
      for (let i = 0; i < inDim; i++) sum += a[ar + i] * w[wo + i];
      y[r * outDim + o] = sum;
    }
  }
  return y;
}

function relu(z: Float64Array): Float64Array {
  return z.map((v) => (v > 0 ? v : 0));
}

function forwardAll(s: EncoderShape, params: Floats): Activations {
  if (params.length !== encoderSize(s)) throw new Error(`prompt encoder: ${params.length} parameters, expected ${encoderSize(s)}`);
  const { x, w1, b1, w2, b2, w3, b3 } = views(s, params);
  const n = s.numVirtual;
  const z1 = linear(x, n, s.tokenDim, w1, b1, s.hiddenSize);
  const h1 = relu(z1);
  const z2 = linear(h1, n, s.hiddenSize, w2, b2, s.hiddenSize);
  const h2 = relu(z2);
  const out = linear(h2, n, s.hiddenSize, w3, b3, s.tokenDim);
  if (s.residual) for (let i = 0; i < out.length; i++) out[i] += x[i];
  return { z1, h1, z2, h2, out };
}

/** The virtual tokens [numVirtual, tokenDim] for these parameters. */
export function encoderForward(s: EncoderShape, params: Floats): Float64Array {
  return forwardAll(s, params).out;
}

/** d loss / d params, given d loss / d virtual tokens (`grad`, [numVirtual, tokenDim]). */
export function encoderBackward(s: EncoderShape, params: Floats, grad: ArrayLike<number>): Float64Array {
  const { z1, h1, z2, h2 } = forwardAll(s, params);
  const { x, w2, w3 } = views(s, params);
  const [tx, tw1, tb1, tw2, tb2, tw3, tb3] = encoderTensors(s);
  const out = new Float64Array(params.length);
  const n = s.numVirtual;
  const H = s.tokenDim;
  const K = s.hiddenSize;
  // Last layer: y = h2·W3ᵀ + b3.
  const dh2 = new Float64Array(n * K);
  for (let r = 0; r < n; r++) {
    for (let o = 0; o < H; o++) {
      const g = grad[r * H + o];
      if (g === 0) continue;
      out[tb3.offset + o] += g;
      for (let k = 0; k < K; k++) {
        out[tw3.offset + o * K + k] += g * h2[r * K + k];
        dh2[r * K + k] += g * w3[o * K + k];
      }
    }
  }
  // Middle layer: z2 = h1·W2ᵀ + b2, h2 = relu(z2).
  const dh1 = new Float64Array(n * K);
  for (let r = 0; r < n; r++) {
    for (let o = 0; o < K; o++) {
      if (z2[r * K + o] <= 0) continue;
      const g = dh2[r * K + o];
      out[tb2.offset + o] += g;
      for (let k = 0; k < K; k++) {
        out[tw2.offset + o * K + k] += g * h1[r * K + k];
        dh1[r * K + k] += g * w2[o * K + k];
      }
    }
  }
  // First layer: z1 = x·W1ᵀ + b1, h1 = relu(z1).
  const w1 = params.subarray(tw1.offset, tw1.offset + K * H);
  for (let r = 0; r < n; r++) {
    for (let o = 0; o < K; o++) {
      if (z1[r * K + o] <= 0) continue;
      const g = dh1[r * K + o];
      out[tb1.offset + o] += g;
      for (let i = 0; i < H; i++) {
        out[tw1.offset + o * H + i] += g * x[r * H + i];
        out[tx.offset + r * H + i] += g * w1[o * H + i];
      }
    }
  }
  if (s.residual) for (let i = 0; i < n * H; i++) out[tx.offset + i] += grad[i];
  return out;
}

/**
 * The encoder's starting weights: PyTorch's default Linear init (kaiming_uniform with a = √5, i.e. weights and
 * biases uniform in ±1/√fan_in), as PEFT gets it; with `residual` the last layer starts at zero so that the
 * virtual tokens start exactly at the inputs. `rand` gives uniform [0, 1).
 */
export function initEncoderWeights(s: EncoderShape, params: Float32Array, rand: () => number): void {
  const tensors = encoderTensors(s);
  const fanIn = [0, s.tokenDim, s.tokenDim, s.hiddenSize, s.hiddenSize, s.hiddenSize, s.hiddenSize];
  tensors.forEach((t, i) => {
    if (i === 0) return; // the inputs are the method's init
    const zero = s.residual && i >= 5;
    const bound = 1 / Math.sqrt(fanIn[i]);
    for (let j = t.offset; j < t.offset + t.rows * t.cols; j++) params[j] = zero ? 0 : (2 * rand() - 1) * bound;
  });
}
