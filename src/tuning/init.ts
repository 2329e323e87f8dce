/**
 * Soft-prompt initialisation:
 *   random       uniform in [−0.5, 0.5] (Lester et al.)
 *   vocab        rows of the input embedding matrix, sampled (seeded, without replacement) from the 5,000
 *                lowest token ids, the most frequent ones in BPE vocabularies
 *   text         the embeddings of an init text, repeated or truncated to the prompt length (PEFT's TEXT)
 *   adapter:DIR  continue from a saved soft prompt
 */
import type { ModelEngine, SoftPrompt } from '../engine/api';
import { UserError } from '../engine/errors';
import { expectAdapterFor, loadAdapter, type AdapterOrigin } from './adapter';
import { createRng, randomInt, type Rng } from '../data/random';

export type InitSpec = { kind: 'random' } | { kind: 'vocab' } | { kind: 'text'; text?: string } | { kind: 'adapter'; dir: string };

export const VOCAB_INIT_POOL = 5000;
export const DEFAULT_VIRTUAL_TOKENS = 20;

/** Parses `--init`: text | vocab | random | adapter:DIR. */
export function parseInitSpec(value: string, initText?: string): InitSpec {
  if (value.startsWith('adapter:')) {
    const dir = value.slice('adapter:'.length);
    if (dir === '') throw new UserError('--init adapter: needs a folder, e.g. --init adapter:runs/previous');
    return { kind: 'adapter', dir };
  }
  switch (value) {
    case 'random':
    case 'vocab':
      if (initText !== undefined) throw new UserError(`--init-text only applies to --init text, not --init ${value}`);
      return { kind: value };
    case 'text':
      return { kind: 'text', text: initText };
    default:
      throw new UserError(`unknown --init "${value}": use text, vocab, random or adapter:DIR`);
  }
}

export interface InitContext {
  engine: Pick<ModelEngine, 'info' | 'tokenizer' | 'embeddings'>;
  /** Requested prompt length; undefined: DEFAULT_VIRTUAL_TOKENS, or the adapter's length for adapter:DIR. */
  numVirtual?: number;
  seed: number;
  /** Text for `text` init when the spec gives none (the prompt file's rendered instruction). */
  defaultText?: string;
}

export interface InitResult {
  soft: SoftPrompt;
  origin: AdapterOrigin;
  /** One line for logs and the training record, e.g. `text: "Classify the review"`. */
  description: string;
  warnings: string[];
}

/**
 * Virtual tokens take positions from the model's window, and the prompt and its answer need at least one
 * each; anything more is refused here, before memory is allocated for them.
 */
export function checkVirtualTokens(numVirtual: number, info: Pick<ModelEngine['info'], 'maxPositions' | 'dir'>, source: string): void {
  if (numVirtual > info.maxPositions - 2) {
    throw new UserError(`${source}: ${numVirtual} virtual tokens do not fit the ${info.maxPositions} positions of the model ${info.dir} (the prompt and its answer need room too): use at most ${Math.max(0, info.maxPositions - 2)}`);
  }
}

export function initSoftPrompt(spec: InitSpec, ctx: InitContext): InitResult {
  const hiddenSize = ctx.engine.info.hiddenSize;
  if (spec.kind === 'adapter') {
    // A P-tuning adapter continues as the soft prompt its encoder produced (PEFT saves that output).
    const loaded = loadAdapter(spec.dir, { ...expectAdapterFor(ctx.engine.info, 'input', 'training continues an input-layer soft prompt'), accept: 'input' });
    if (ctx.numVirtual !== undefined && ctx.numVirtual !== loaded.soft.numVirtual) {
      throw new UserError(`--virtual-tokens ${ctx.numVirtual} does not match the ${loaded.soft.numVirtual} virtual tokens of --init adapter:${spec.dir}; leave --virtual-tokens out to continue with ${loaded.soft.numVirtual}`);
    }
    checkVirtualTokens(loaded.soft.numVirtual, ctx.engine.info, `--init adapter:${spec.dir}`);
    const init = loaded.config.peft_type === 'PROMPT_TUNING' ? loaded.config.prompt_tuning_init : 'RANDOM';
    const initText = loaded.config.peft_type === 'PROMPT_TUNING' ? (loaded.config.prompt_tuning_init_text ?? undefined) : undefined;
    return { soft: loaded.soft, origin: { init, initText }, description: `adapter: ${spec.dir}`, warnings: loaded.warnings };
  }
  const numVirtual = ctx.numVirtual ?? DEFAULT_VIRTUAL_TOKENS;
  if (!Number.isInteger(numVirtual) || numVirtual < 1) throw new UserError(`--virtual-tokens must be a positive integer, got ${numVirtual}`);
  checkVirtualTokens(numVirtual, ctx.engine.info, '--virtual-tokens');
  const data = new Float32Array(numVirtual * hiddenSize);
  const rng = createRng(ctx.seed);
  switch (spec.kind) {
    case 'random':
      for (let i = 0; i < data.length; i++) data[i] = rng() - 0.5;
      return { soft: { numVirtual, hiddenSize, data }, origin: { init: 'RANDOM' }, description: 'random: uniform in [-0.5, 0.5]', warnings: [] };
    case 'vocab': {
      const pool = Math.min(VOCAB_INIT_POOL, ctx.engine.info.vocabSize);
      const ids = sampleVocabIds(rng, pool, numVirtual);
      ids.forEach((id, row) => copyRow(ctx.engine.embeddings, id, data, row, hiddenSize));
      return { soft: { numVirtual, hiddenSize, data }, origin: { init: 'SAMPLE_VOCAB' }, description: `vocab: ${numVirtual} rows of the ${pool} lowest token ids`, warnings: [] };
    }
    case 'text': {
      const text = spec.text ?? ctx.defaultText;
      if (text === undefined || text.trim() === '') {
        throw new UserError('--init text needs a text: pass --init-text "…" or give the prompt file an instruction (or use --init vocab)');
      }
      // PEFT's TEXT init tokenizes with special tokens (tokenizer(init_text)), so a BOS leads where the model adds one.
      const ids = [...ctx.engine.tokenizer.prefixIds, ...ctx.engine.tokenizer.encode(text)];
      if (ids.length === 0) throw new UserError(`--init-text ${JSON.stringify(text)} encodes to no tokens`);
      for (let row = 0; row < numVirtual; row++) copyRow(ctx.engine.embeddings, ids[row % ids.length], data, row, hiddenSize);
      return { soft: { numVirtual, hiddenSize, data }, origin: { init: 'TEXT', initText: text }, description: `text: ${JSON.stringify(text)} (${ids.length} tokens)`, warnings: [] };
    }
  }
}

/** `count` distinct ids from [0, pool) (with repeats only when count > pool), in sampling order. */
export function sampleVocabIds(rng: Rng, pool: number, count: number): number[] {
  const ids: number[] = [];
  while (ids.length < count) {
    const all = Array.from({ length: pool }, (_, i) => i);
    // Partial Fisher–Yates: only the first `take` positions need to be drawn.
    const take = Math.min(pool, count - ids.length);
    for (let i = 0; i < take; i++) {
      const j = i + randomInt(rng, pool - i);
      const tmp = all[i];
      all[i] = all[j];
      all[j] = tmp;
    }
    ids.push(...all.slice(0, take));
  }
  return ids;
}

function copyRow(embeddings: Float32Array, id: number, out: Float32Array, row: number, hiddenSize: number): void {
  out.set(embeddings.subarray(id * hiddenSize, (id + 1) * hiddenSize), row * hiddenSize);
}
