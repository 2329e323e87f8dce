/**
 * The decode loop: next-token logits from a `NextTokenLogits` source, token selection (./sampling.ts),
 * EOS ids, max_new_tokens, stop strings, streaming of stop-safe text, and cancellation.
 */
import type { ModelEngine, PromptParams, TextTokenizer, TokenDecoder } from '../engine/api';
import { UserError } from '../engine/errors';
import { TokenSampler, type SamplingSettings } from './sampling';
import { scanStops } from './stop';

/** Logits at the last position of each sequence, [vocab] each. */
export interface NextTokenLogits {
  next(sequences: number[][]): Promise<Float32Array[]>;
  /** Longest sequence (real tokens) the source can take. */
  readonly maxTokens: number;
}

/**
 * Next-token logits from the engine's KV-cache decoder: the first call runs the prompts (soft prompt at its
 * prefix or marker position), every later call must extend each sequence by exactly one token and runs only
 * that token against the cache.
 */
export function cachedLogits(engine: ModelEngine, opts: { soft?: PromptParams; softPromptAt?: number; maxNewTokens: number }): NextTokenLogits {
  const maxTokens = engine.info.maxPositions - (opts.soft?.numVirtual ?? 0);
  let decoder: TokenDecoder | undefined;
  let lengths: number[] = [];
  return {
    maxTokens,
    async next(sequences) {
      if (!decoder) {
        const room = Math.max(1, Math.min(opts.maxNewTokens, maxTokens - Math.max(...sequences.map((s) => s.length)) + 1));
        decoder = engine.decoder(sequences, { soft: opts.soft, softPromptAt: sequences.map(() => opts.softPromptAt ?? 0), maxNewTokens: room });
        lengths = sequences.map((s) => s.length);
        return decoder.start();
      }
      if (sequences.some((s, i) => s.length !== lengths[i] + 1)) throw new Error('cachedLogits: each call must add exactly one token per sequence');
      lengths = sequences.map((s) => s.length);
      return decoder.step(sequences.map((s) => s[s.length - 1]));
    },
  };
}

export interface DecodeOptions {
  sampling: SamplingSettings;
  maxNewTokens: number;
  /** Ids that end generation (not part of the output). */
  eosTokenIds: readonly number[];
  stop?: readonly string[];
  signal?: AbortSignal;
  /** Called with each new piece of stop-safe text as soon as it is known, with the ids generated so far. */
  onText?: (delta: string, ids: readonly number[]) => void;
}

export type FinishReason = 'eos' | 'stop' | 'length' | 'context';

export interface DecodeResult {
  /** The generated text only, cut before a stop string. */
  text: string;
  /** The generated ids (EOS excluded); with a stop string, every id up to the one that completed it. */
  ids: number[];
  finishReason: FinishReason;
  timeToFirstTokenMs: number;
  /** Decode speed: model steps after the first one per second, from the first token to the end (0 with one step). */
  tokensPerSecond: number;
}

export class GenerationCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'GenerationCancelled';
  }
}

export async function decode(source: NextTokenLogits, tokenizer: Pick<TextTokenizer, 'decode'>, promptIds: readonly number[], options: DecodeOptions): Promise<DecodeResult> {
  if (promptIds.length === 0) throw new UserError('generation needs at least one prompt token');
  const start = performance.now();
  let firstAt: number | undefined;
  const sampler = new TokenSampler(options.sampling);
  const eos = new Set(options.eosTokenIds);
  const stops = options.stop ?? [];
  const ids: number[] = [];
  let emitted = '';
  let finishReason: FinishReason = 'length';
  const emit = (safe: string): void => {
    if (safe.length > emitted.length && safe.startsWith(emitted)) {
      const delta = safe.slice(emitted.length);
      emitted = safe;
      options.onText?.(delta, ids);
    }
  };
  let text = '';
  let steps = 0;
  while (ids.length < options.maxNewTokens) {
    if (options.signal?.aborted) throw new GenerationCancelled();
    const sequence = [...promptIds, ...ids];
    if (sequence.length > source.maxTokens) {
      finishReason = 'context';
      break;
    }
    const [logits] = await source.next([sequence]);
    steps++;
    if (options.signal?.aborted) throw new GenerationCancelled();
    const token = sampler.next(logits, sequence);
    firstAt ??= performance.now();
    if (eos.has(token)) {
      finishReason = 'eos';
      break;
    }
    ids.push(token);
    text = tokenizer.decode(ids);
    const scan = scanStops(text, stops);
    emit(scan.safe);
    if (scan.stopped) {
      finishReason = 'stop';
      text = scan.safe;
      break;
    }
  }
  if (finishReason !== 'stop') {
    text = scanStops(text, stops, true).safe;
    emit(text);
  }
  const end = performance.now();
  const decodeSeconds = firstAt === undefined ? 0 : (end - firstAt) / 1000;
  return { text, ids, finishReason, timeToFirstTokenMs: (firstAt ?? end) - start, tokensPerSecond: steps > 1 && decodeSeconds > 0 ? (steps - 1) / decodeSeconds : 0 };
}
