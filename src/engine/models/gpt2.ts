/**
 * The GPT-2 family (gpt2, distilgpt2, DialoGPT, …) as an ONNX graph: pre-LN blocks, learned absolute
 * positions, Conv1D weights stored [in, out] (so every projection is a plain Gemm), LM head tied to wte.
 * Weights are graph inputs named as in the checkpoint (without `transformer.`).
 */
import { UserError } from '../errors';
import type { Graph, Value } from '../onnx/graph';
import { requireTensor, type Checkpoint } from './checkpoint';

export const GPT2_MODEL_TYPES = ['gpt2'];

export interface Gpt2Config {
  nLayer: number;
  nHead: number;
  nEmbd: number;
  nInner: number;
  vocabSize: number;
  nPositions: number;
  eps: number;
  gelu: 'tanh' | 'none';
  scaleAttnWeights: boolean;
  scaleByInverseLayerIdx: boolean;
  tiedHead: boolean;
}

export function gpt2Config(raw: Record<string, unknown>, file: string): Gpt2Config {
  const num = (key: string, fallback?: number): number => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new UserError(`${file}: "${key}" must be a positive number (got ${JSON.stringify(v)})`, file);
    return v;
  };
  const activation = (raw.activation_function as string | undefined) ?? 'gelu_new';
  const gelu = ({ gelu_new: 'tanh', gelu_pytorch_tanh: 'tanh', gelu_fast: 'tanh', gelu: 'none' } as const)[activation as 'gelu'];
  if (!gelu) throw new UserError(`${file}: unsupported activation_function "${activation}" (supported: gelu_new, gelu_pytorch_tanh, gelu_fast, gelu)`, file);
  const nEmbd = num('n_embd');
  const nHead = num('n_head');
  if (nEmbd % nHead !== 0) throw new UserError(`${file}: n_embd ${nEmbd} is not divisible by n_head ${nHead}`, file);
  return {
    nLayer: num('n_layer'),
    nHead,
    nEmbd,
    nInner: raw.n_inner == null ? 4 * nEmbd : num('n_inner'),
    vocabSize: num('vocab_size'),
    nPositions: num('n_positions', num('n_ctx', 1024)),
    eps: num('layer_norm_epsilon', 1e-5),
    gelu,
    scaleAttnWeights: raw.scale_attn_weights !== false,
    scaleByInverseLayerIdx: raw.scale_attn_by_inverse_layer_idx === true,
    tiedHead: raw.tie_word_embeddings !== false,
  };
}

/** Name → [shape] of every weight the graph reads. */
export function gpt2WeightShapes(c: Gpt2Config): Map<string, number[]> {
  const h = c.nEmbd;
  const shapes = new Map<string, number[]>([
    ['wte.weight', [c.vocabSize, h]],
    ['wpe.weight', [c.nPositions, h]],
    ['ln_f.weight', [h]],
    ['ln_f.bias', [h]],
  ]);
  for (let i = 0; i < c.nLayer; i++) {
    const p = `h.${i}.`;
    shapes.set(`${p}ln_1.weight`, [h]).set(`${p}ln_1.bias`, [h]);
    shapes.set(`${p}attn.c_attn.weight`, [h, 3 * h]).set(`${p}attn.c_attn.bias`, [3 * h]);
    shapes.set(`${p}attn.c_proj.weight`, [h, h]).set(`${p}attn.c_proj.bias`, [h]);
    shapes.set(`${p}ln_2.weight`, [h]).set(`${p}ln_2.bias`, [h]);
    shapes.set(`${p}mlp.c_fc.weight`, [h, c.nInner]).set(`${p}mlp.c_fc.bias`, [c.nInner]);
    shapes.set(`${p}mlp.c_proj.weight`, [c.nInner, h]).set(`${p}mlp.c_proj.bias`, [h]);
  }
  if (!c.tiedHead) shapes.set('lm_head.weight', [c.vocabSize, h]);
  return shapes;
}

export function gpt2Weights(ck: Checkpoint, c: Gpt2Config): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, shape] of gpt2WeightShapes(c)) out.set(name, requireTensor(ck, name, shape));
  return out;
}

/** Graph inputs describing one batch's layout; see engine/layout.ts for how they are filled. */
export interface Gpt2Inputs {
  /** [B, T] int64 token ids (0 in virtual-token slots and padding). */
  ids: Value;
  /** [B, T] int64 position ids. */
  positions: Value;
  /** [B, 1, T, T] additive attention bias: 0 where a query may attend, a large negative number elsewhere. */
  attnBias: Value;
  /** Soft prompt [nv, H] and its placement: [B, T, nv] one-hot rows for virtual slots, and [B, T, 1] 1 for token slots. */
  soft?: { prompt: Value; placement: Value; tokenMask: Value };
}

/** Builds the transformer up to the final layer norm; returns hidden states [B*T, H] and the weight inputs. */
export function buildGpt2Trunk(g: Graph, c: Gpt2Config, inputs: Gpt2Inputs): { hidden: Value; weights: Map<string, Value> } {
  const [B, T] = inputs.ids.shape;
  const H = c.nEmbd;
  const hd = H / c.nHead;
  const weights = new Map<string, Value>();
  for (const [name, shape] of gpt2WeightShapes(c)) weights.set(name, g.input(name, shape));
  const w = (name: string) => weights.get(name)!;
  const layerNorm = (x: Value, prefix: string) =>
    g.ops('LayerNormalization', [x, w(`${prefix}.weight`), w(`${prefix}.bias`)], { axis: -1, epsilon: { float: c.eps } })[0];

  let embedded = g.op('Gather', [w('wte.weight'), inputs.ids], { axis: 0 });
  if (inputs.soft) {
    // Token slots keep their embedding; virtual slots take their soft-prompt row (a one-hot matmul, so the
    // soft prompt may sit anywhere in the sequence and its gradient is a plain MatMul rule).
    embedded = g.add(g.mul(embedded, inputs.soft.tokenMask), g.matmul(inputs.soft.placement, inputs.soft.prompt));
  }
  let x = g.reshape(g.add(embedded, g.op('Gather', [w('wpe.weight'), inputs.positions], { axis: 0 })), [B * T, H]);

  for (let i = 0; i < c.nLayer; i++) {
    const p = `h.${i}.`;
    const qkv = g.gemm(layerNorm(x, `${p}ln_1`), w(`${p}attn.c_attn.weight`), w(`${p}attn.c_attn.bias`));
    const parts = g.split(g.reshape(qkv, [B, T, 3, c.nHead, hd]), 2, [1, 1, 1]);
    const part = (k: number) => g.reshape(parts[k], [B, T, c.nHead, hd]);
    let scale = c.scaleAttnWeights ? 1 / Math.sqrt(hd) : 1;
    if (c.scaleByInverseLayerIdx) scale /= i + 1;
    const q = g.transpose(part(0), [0, 2, 1, 3]); // [B, nh, T, hd]
    const kT = g.transpose(part(1), [0, 2, 3, 1]); // [B, nh, hd, T]
    const v = g.transpose(part(2), [0, 2, 1, 3]);
    // Scaling the scores (not q) lets onnxruntime fold the scale into the MatMul (FusedMatMul alpha), forward and backward.
    const probs = g.op('Softmax', [g.add(g.mul(g.matmul(q, kT), g.scalar(scale)), inputs.attnBias)], { axis: -1 });
    const attended = g.reshape(g.transpose(g.matmul(probs, v), [0, 2, 1, 3]), [B * T, H]);
    x = g.add(x, g.gemm(attended, w(`${p}attn.c_proj.weight`), w(`${p}attn.c_proj.bias`)));
    const inner = g.op('Gelu', [g.gemm(layerNorm(x, `${p}ln_2`), w(`${p}mlp.c_fc.weight`), w(`${p}mlp.c_fc.bias`))], { approximate: c.gelu });
    x = g.add(x, g.gemm(inner, w(`${p}mlp.c_proj.weight`), w(`${p}mlp.c_proj.bias`)));
  }
  return { hidden: layerNorm(x, 'ln_f'), weights };
}

/** The LM head matrix [V, H]: wte when tied. Used with Gemm transB=1, so it is never transposed into a copy. */
export function lmHead(weights: Map<string, Value>, c: Gpt2Config): Value {
  return weights.get(c.tiedHead ? 'wte.weight' : 'lm_head.weight')!;
}
