/**
 * Decoding defaults from the model folder's generation_config.json, as transformers reads them: without
 * `do_sample: true` decoding is greedy; sampling defaults are transformers' GenerationConfig defaults
 * (temperature 1, top_k 50, top_p 1) unless the file sets them. `eos_token_id` may be one id or a list.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../engine/errors';
import type { TextTokenizer } from '../engine/api';
import { checkSampling, FLAG_NAMES, type SamplingSettings } from './sampling';

export interface ModelGenerationConfig {
  doSample: boolean;
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  repetitionPenalty: number;
  /** Ids that end generation (generation_config.json's, else config.json's, else the tokenizer's EOS). */
  eosTokenIds: number[];
}

/** transformers' GenerationConfig defaults. */
const DEFAULTS = { doSample: false, temperature: 1, topK: 50, topP: 1, minP: 0, repetitionPenalty: 1 };

function readJson(file: string): Record<string, unknown> | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new UserError(`${file}: not valid JSON (${(e as Error).message})`, file);
  }
}

function idList(value: unknown): number[] | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isInteger(v))) return value as number[];
  return undefined;
}

export function readGenerationConfig(modelDir: string, tokenizer: Pick<TextTokenizer, 'eosTokenId'>): ModelGenerationConfig {
  const file = join(modelDir, 'generation_config.json');
  const raw = readJson(file) ?? {};
  const num = (key: string, fallback: number): number => {
    const v = raw[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new UserError(`${file}: ${key} must be a number, found ${JSON.stringify(v)}`, file);
    return v;
  };
  const config: ModelGenerationConfig = {
    doSample: raw.do_sample === true,
    temperature: num('temperature', DEFAULTS.temperature),
    topK: num('top_k', DEFAULTS.topK),
    topP: num('top_p', DEFAULTS.topP),
    minP: num('min_p', DEFAULTS.minP),
    repetitionPenalty: num('repetition_penalty', DEFAULTS.repetitionPenalty),
    eosTokenIds: [],
  };
  const names = { ...FLAG_NAMES, temperature: `${file}: temperature`, topK: `${file}: top_k`, topP: `${file}: top_p`, minP: `${file}: min_p`, repetitionPenalty: `${file}: repetition_penalty` };
  checkSampling(config, names);
  const eos = idList(raw.eos_token_id) ?? idList(readJson(join(modelDir, 'config.json'))?.eos_token_id) ?? [];
  if (tokenizer.eosTokenId !== undefined && !eos.includes(tokenizer.eosTokenId)) eos.push(tokenizer.eosTokenId);
  config.eosTokenIds = eos;
  return config;
}

/** What the user asked for; undefined means "the model's default". */
export type SamplingRequest = Partial<SamplingSettings>;

/**
 * The settings a generation runs with: explicit values win; then the model's generation_config.json
 * (greedy unless it says do_sample). `temperature: 0` always means greedy. Asking for any sampling setting
 * (temperature > 0, top-k, top-p, min-p) on a greedy model turns sampling on, as most tools do.
 */
export function resolveSampling(request: SamplingRequest, model: ModelGenerationConfig): SamplingSettings {
  checkSampling(request);
  const asksToSample = (request.temperature !== undefined && request.temperature > 0) || request.topK !== undefined || request.topP !== undefined || request.minP !== undefined;
  const sample = request.temperature === 0 ? false : model.doSample || asksToSample;
  return {
    temperature: sample ? (request.temperature ?? model.temperature) : 0,
    topK: request.topK ?? model.topK,
    topP: request.topP ?? model.topP,
    minP: request.minP ?? model.minP,
    repetitionPenalty: request.repetitionPenalty ?? model.repetitionPenalty,
    seed: request.seed ?? 0,
  };
}
