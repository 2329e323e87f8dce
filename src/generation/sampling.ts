/**
 * Next-token selection as transformers' `generate` does it: the repetition penalty first (a logits
 * processor, applied in greedy decoding too), then, when sampling, the warpers in transformers' order —
 * temperature, top-k, top-p, min-p (GenerationMixin._get_logits_processor) — then one draw from the
 * softmax with a seeded RNG. Each processor follows its transformers class (logits_process.py).
 */
import { UserError } from '../engine/errors';
import { createRng, type Rng } from '../data/random';

export interface SamplingSettings {
  /** 0 means greedy; otherwise logits are divided by it. */
  temperature: number;
  /** 0 turns top-k off. */
  topK: number;
  /** 1 turns top-p off. */
  topP: number;
  /** 0 turns min-p off. */
  minP: number;
  /** 1 turns the penalty off. */
  repetitionPenalty: number;
  seed: number;
}

/** What each setting is called where the user wrote it (a CLI flag or a front-matter key), for messages. */
export type SettingNames = Record<keyof SamplingSettings | 'maxNewTokens' | 'stop', string>;

export const FLAG_NAMES: SettingNames = {
  temperature: '--temperature',
  topK: '--top-k',
  topP: '--top-p',
  minP: '--min-p',
  repetitionPenalty: '--repetition-penalty',
  seed: '--seed',
  maxNewTokens: '--max-new-tokens',
  stop: '--stop',
};

/** Throws one UserError naming the setting when a value is out of range. */
export function checkSampling(s: Partial<SamplingSettings> & { maxNewTokens?: number; stop?: readonly string[] }, names: SettingNames = FLAG_NAMES): void {
  const bad = (key: keyof SettingNames, what: string, value: unknown): never => {
    throw new UserError(`${names[key]} must be ${what}, got ${JSON.stringify(value)}`);
  };
  const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  if (s.temperature !== undefined && !(finite(s.temperature) && s.temperature >= 0)) bad('temperature', 'a number ≥ 0 (0 means greedy)', s.temperature);
  if (s.topK !== undefined && !(Number.isInteger(s.topK) && s.topK >= 0)) bad('topK', 'a whole number ≥ 0 (0 turns top-k off)', s.topK);
  if (s.topP !== undefined && !(finite(s.topP) && s.topP > 0 && s.topP <= 1)) bad('topP', 'a number in (0, 1] (1 turns top-p off)', s.topP);
  if (s.minP !== undefined && !(finite(s.minP) && s.minP >= 0 && s.minP <= 1)) bad('minP', 'a number in [0, 1] (0 turns min-p off)', s.minP);
  if (s.repetitionPenalty !== undefined && !(finite(s.repetitionPenalty) && s.repetitionPenalty > 0)) bad('repetitionPenalty', 'a number > 0 (1 turns it off)', s.repetitionPenalty);
  if (s.seed !== undefined && !(Number.isInteger(s.seed) && s.seed >= 0)) bad('seed', 'a whole number ≥ 0', s.seed);
  if (s.maxNewTokens !== undefined && !(Number.isInteger(s.maxNewTokens) && s.maxNewTokens >= 1)) bad('maxNewTokens', 'a whole number ≥ 1', s.maxNewTokens);
  for (const stop of s.stop ?? []) if (typeof stop !== 'string' || stop === '') bad('stop', 'a non-empty string', stop);
}

/** RepetitionPenaltyLogitsProcessor: each id already in the sequence has its logit divided by the penalty if positive, multiplied if negative. */
export function applyRepetitionPenalty(logits: Float32Array, sequence: readonly number[], penalty: number): void {
  if (penalty === 1) return;
  for (const id of new Set(sequence)) {
    if (id < 0 || id >= logits.length) continue;
    const x = logits[id];
    logits[id] = x < 0 ? x * penalty : x / penalty;
  }
}

/** TemperatureLogitsWarper. */
export function applyTemperature(logits: Float32Array, temperature: number): void {
  if (temperature === 1) return;
  for (let i = 0; i < logits.length; i++) logits[i] /= temperature;
}

/** TopKLogitsWarper: logits below the k-th largest become −∞ (ties with it are kept). */
export function applyTopK(logits: Float32Array, k: number): void {
  if (k <= 0 || k >= logits.length) return;
  const kth = Float32Array.from(logits).sort((a, b) => b - a)[k - 1];
  for (let i = 0; i < logits.length; i++) if (logits[i] < kth) logits[i] = -Infinity;
}

/**
 * TopPLogitsWarper: sort ascending, remove the tokens whose cumulative probability is ≤ 1 − top_p, always
 * keeping the most likely one.
 */
export function applyTopP(logits: Float32Array, topP: number): void {
  if (topP >= 1) return;
  const probs = softmax(logits);
  const order = Array.from(logits.keys()).sort((a, b) => logits[a] - logits[b] || a - b);
  let cumulative = 0;
  for (let r = 0; r < order.length - 1; r++) {
    cumulative += probs[order[r]];
    if (cumulative <= 1 - topP) logits[order[r]] = -Infinity;
    else break;
  }
}

/** MinPLogitsWarper: tokens with probability below min_p × the top probability become −∞. */
export function applyMinP(logits: Float32Array, minP: number): void {
  if (minP <= 0) return;
  const probs = softmax(logits);
  let top = 0;
  for (const p of probs) if (p > top) top = p;
  const threshold = minP * top;
  for (let i = 0; i < logits.length; i++) if (probs[i] < threshold) logits[i] = -Infinity;
}

export function softmax(logits: Float32Array): Float64Array {
  let max = -Infinity;
  for (const x of logits) if (x > max) max = x;
  const out = new Float64Array(logits.length);
  let z = 0;
  for (let i = 0; i < logits.length; i++) z += out[i] = Math.exp(logits[i] - max);
  for (let i = 0; i < out.length; i++) out[i] /= z;
  return out;
}

export function argmax(logits: Float32Array): number {
  let best = 0;
  for (let v = 1; v < logits.length; v++) if (logits[v] > logits[best]) best = v;
  return best;
}

/** The distribution sampling draws from after every processor (for tests and inspection); greedy has none. */
export function processedLogits(raw: Float32Array, sequence: readonly number[], s: SamplingSettings): Float32Array {
  const logits = Float32Array.from(raw);
  applyRepetitionPenalty(logits, sequence, s.repetitionPenalty);
  if (s.temperature === 0) return logits;
  applyTemperature(logits, s.temperature);
  applyTopK(logits, s.topK);
  applyTopP(logits, s.topP);
  applyMinP(logits, s.minP);
  return logits;
}

/** Picks next tokens for one sequence; the RNG is created once per generation from the seed. */
export class TokenSampler {
  private readonly rng: Rng;
  constructor(private readonly settings: SamplingSettings) {
    this.rng = createRng(settings.seed);
  }

  /** `sequence` is every real token so far (prompt and generated), as the repetition penalty sees it. */
  next(raw: Float32Array, sequence: readonly number[]): number {
    const logits = processedLogits(raw, sequence, this.settings);
    if (this.settings.temperature === 0) return argmax(logits);
    const probs = softmax(logits);
    let u = this.rng();
    for (let i = 0; i < probs.length; i++) {
      u -= probs[i];
      if (u < 0) return i;
    }
    return argmax(logits); // rounding left u ≥ 0: fall back to the most likely token
  }
}
