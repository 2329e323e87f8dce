/**
 * Rotary position embeddings as Hugging Face transformers computes them (modeling_rope_utils.py): inverse
 * frequencies per RoPE type, then cos/sin tables for a batch's position ids. The tables are computed here, in
 * float32 arithmetic like torch, and fed to the graph, so the graph needs no trigonometry and no gradient rule.
 */
import { UserError } from '../errors';
import type { ConfigReader } from './config';

export interface RopeSpec {
  /** Graph inputs are `<name>.cos` and `<name>.sin`, shape [B, 1, T, rotaryDim]. */
  name: string;
  /** Dimensions rotated at the start of each head (head_dim × partial_rotary_factor); the rest pass through. */
  rotaryDim: number;
  invFreq: Float32Array;
  /** Multiplies cos and sin (longrope, yarn); 1 otherwise. */
  attentionScaling: number;
  /** longrope: long factors replace the short ones when the longest position of a call reaches originalMax. */
  longrope?: { longInvFreq: Float32Array; originalMax: number };
}

export const SUPPORTED_ROPE_TYPES = ['default', 'linear', 'llama3', 'longrope'];

/** The RoPE parameters of a config: old form (rope_theta + rope_scaling) or the newer rope_parameters, optionally per layer type. */
export function ropeParameters(c: ConfigReader, layerType?: string, defaultTheta = 10_000): { theta: number; scaling: Record<string, unknown> | undefined } {
  const params = c.raw.rope_parameters as Record<string, unknown> | undefined | null;
  if (params && typeof params === 'object') {
    const own = layerType && params[layerType] && typeof params[layerType] === 'object' ? (params[layerType] as Record<string, unknown>) : params;
    const theta = typeof own.rope_theta === 'number' ? own.rope_theta : c.positive('rope_theta', defaultTheta);
    return { theta, scaling: own };
  }
  const scaling = c.raw.rope_scaling;
  if (scaling !== undefined && scaling !== null && typeof scaling !== 'object') c.fail('rope_scaling', 'must be an object or null');
  return { theta: c.positive('rope_theta', defaultTheta), scaling: (scaling ?? undefined) as Record<string, unknown> | undefined };
}

export function ropeSpec(
  c: ConfigReader,
  name: string,
  opts: { theta: number; scaling?: Record<string, unknown>; headDim: number; partialRotaryFactor?: number; maxPositions: number },
): RopeSpec {
  const rotaryDim = Math.floor(opts.headDim * (opts.partialRotaryFactor ?? 1));
  if (rotaryDim < 2 || rotaryDim % 2 !== 0) throw new UserError(`${c.file}: RoPE rotates ${rotaryDim} dimensions per head, which must be an even number ≥ 2`, c.file);
  const base = defaultInvFreq(opts.theta, rotaryDim);
  const s = opts.scaling;
  const type = (s?.rope_type ?? s?.type ?? 'default') as string;
  const num = (key: string): number => {
    const v = s?.[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new UserError(`${c.file}: rope_scaling "${key}" must be a number for rope type "${type}" (got ${JSON.stringify(v)})`, c.file);
    return v;
  };
  switch (type) {
    case 'default':
      return { name, rotaryDim, invFreq: base, attentionScaling: 1 };
    case 'linear': {
      const factor = num('factor');
      return { name, rotaryDim, invFreq: base.map((f) => Math.fround(f / factor)), attentionScaling: 1 };
    }
    case 'llama3':
      return { name, rotaryDim, invFreq: llama3InvFreq(base, num('factor'), num('low_freq_factor'), num('high_freq_factor'), num('original_max_position_embeddings')), attentionScaling: 1 };
    case 'longrope': {
      const factors = (key: string): number[] => {
        const v = s?.[key];
        if (!Array.isArray(v) || v.length !== rotaryDim / 2 || v.some((x) => typeof x !== 'number')) {
          throw new UserError(`${c.file}: rope_scaling "${key}" must be a list of ${rotaryDim / 2} numbers`, c.file);
        }
        return v as number[];
      };
      // Phi-3 keeps original_max_position_embeddings at the top level, and transformers gives that one priority. As in
      // its _compute_longrope_parameters, an explicit factor wins; without one it is max_position_embeddings / original.
      const originalMax = typeof c.raw.original_max_position_embeddings === 'number' ? c.raw.original_max_position_embeddings : num('original_max_position_embeddings');
      const factor = typeof s?.factor === 'number' ? s.factor : opts.maxPositions / originalMax;
      const attentionScaling = typeof s?.attention_factor === 'number' ? s.attention_factor : factor <= 1 ? 1 : Math.sqrt(1 + Math.log(factor) / Math.log(originalMax));
      const scaled = (fs: number[]) => Float32Array.from(base, (f, i) => Math.fround(1 / Math.fround(fs[i] * Math.fround(1 / f))));
      return { name, rotaryDim, invFreq: scaled(factors('short_factor')), attentionScaling, longrope: { longInvFreq: scaled(factors('long_factor')), originalMax } };
    }
    default:
      throw new UserError(`${c.file}: unsupported RoPE type "${type}" (supported: ${SUPPORTED_ROPE_TYPES.join(', ')})`, c.file);
  }
}

/** 1 / theta^(2i/d), in float32 as torch computes it. */
function defaultInvFreq(theta: number, dim: number): Float32Array {
  return Float32Array.from({ length: dim / 2 }, (_, i) => Math.fround(1 / Math.fround(Math.pow(theta, Math.fround((2 * i) / dim)))));
}

function llama3InvFreq(invFreq: Float32Array, factor: number, lowFreqFactor: number, highFreqFactor: number, oldContext: number): Float32Array {
  const lowFreqWavelen = oldContext / lowFreqFactor;
  const highFreqWavelen = oldContext / highFreqFactor;
  return invFreq.map((f) => {
    const wavelen = (2 * Math.PI) / f;
    if (wavelen < highFreqWavelen) return f;
    if (wavelen > lowFreqWavelen) return Math.fround(f / factor);
    const smooth = (oldContext / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
    return Math.fround((1 - smooth) * (f / factor) + smooth * f);
  });
}

/**
 * cos/sin tables [B, 1, T, rotaryDim] for the position ids of a batch ([B, T]); the halves repeat, as
 * transformers' `cat((freqs, freqs))`. longrope picks its factors from the longest position in the call, as
 * transformers' dynamic update does, so past originalMax a row's result depends on its batch (see README).
 */
export function ropeTables(spec: RopeSpec, positions: BigInt64Array, float64: boolean): { cos: Float32Array | Float64Array; sin: Float32Array | Float64Array } {
  let invFreq = spec.invFreq;
  if (spec.longrope) {
    let longest = 0;
    for (const p of positions) longest = Math.max(longest, Number(p) + 1);
    if (longest > spec.longrope.originalMax) invFreq = spec.longrope.longInvFreq;
  }
  const half = spec.rotaryDim / 2;
  const Arr = float64 ? Float64Array : Float32Array;
  const cos = new Arr(positions.length * spec.rotaryDim);
  const sin = new Arr(positions.length * spec.rotaryDim);
  const round = float64 ? (x: number) => x : Math.fround;
  positions.forEach((p, row) => {
    const pos = Number(p);
    for (let i = 0; i < half; i++) {
      const angle = float64 ? invFreq[i] * pos : Math.fround(invFreq[i] * pos);
      const [c, s] = [round(Math.cos(angle) * spec.attentionScaling), round(Math.sin(angle) * spec.attentionScaling)];
      const at = row * spec.rotaryDim + i;
      cos[at] = cos[at + half] = c;
      sin[at] = sin[at + half] = s;
    }
  });
  return { cos, sin };
}
