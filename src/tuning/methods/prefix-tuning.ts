/**
 * Prefix tuning / P-tuning v2 (Li & Liang 2021; Liu et al. 2022; PEFT PREFIX_TUNING without projection): the
 * parameters are key/value prefixes at every layer, [numVirtual, numLayers·2·numKeyValueHeads·headDim] as
 * PEFT's PrefixEncoder embedding stores them; the engine takes them as they are (PrefixPrompt) and returns
 * their gradient in the same layout. Initialised as Li & Liang found best: the model's own keys/values for
 * real words (the init text), or by --init random as PEFT's nn.Embedding starts (standard normal).
 */
import { UserError } from '../../engine/errors';
import type { ModelEngine } from '../../engine/api';
import { createRng, type Rng } from '../../data/random';
import { checkVirtualTokens, sampleVocabIds, VOCAB_INIT_POOL } from '../init';
import { DEFAULT_LEARNING_RATES } from '../optimizers';
import type { PrefixPrompt } from '../../engine/api';
import type { MethodSettings, PreparedMethod, Trainable, TuningMethod } from './types';

/**
 * P-tuning v2's scripts train prefixes with Adam at 5e-3 to 1e-2 (e.g. 7e-3, 8 tokens, for BoolQ on
 * RoBERTa-large); simple classification prefers short prefixes. On SST-2 with imdb-gpt2-small, 1e-2 for 600
 * steps beat 5e-3 for 300 or 1,500 steps, 3e-2, and 20 positions (docs/training.md, "How the defaults were chosen").
 */
export const PREFIX_DEFAULT_LR = 1e-2;
export const PREFIX_DEFAULT_VIRTUAL_TOKENS = 10;

export function prefixTrainable(init: PrefixPrompt): Trainable {
  const { numVirtual, numLayers, numKeyValueHeads, headDim } = init;
  return {
    tensors: [{ name: 'prompt_embeddings', rows: numVirtual, cols: numLayers * 2 * numKeyValueHeads * headDim, offset: 0 }],
    initial: Float32Array.from(init.data),
    materialize: (params) => ({ kind: 'prefix', numVirtual, numLayers, numKeyValueHeads, headDim, data: params }),
    backward: (_params, grad) => grad,
  };
}

async function preparePrefix(engine: ModelEngine, settings: MethodSettings): Promise<PreparedMethod> {
  const numVirtual = settings.numVirtual ?? PREFIX_DEFAULT_VIRTUAL_TOKENS;
  if (!Number.isInteger(numVirtual) || numVirtual < 1) throw new UserError(`--virtual-tokens must be a positive integer, got ${numVirtual}`);
  // A prefix of n keys/values takes the first n positions, as in PEFT (the inputs' positions start after it).
  checkVirtualTokens(numVirtual, engine.info, '--virtual-tokens');
  const { numLayers, numKeyValueHeads, headDim } = engine.info;
  const common = { numVirtual, adapter: { type: 'prefix-tuning' } as const, record: { name: 'prefix-tuning' } as const, warnings: [] };
  const spec = settings.init;
  if (spec.kind === 'random') {
    const rng = createRng(settings.seed);
    const data = new Float32Array(numVirtual * numLayers * 2 * numKeyValueHeads * headDim);
    for (let i = 0; i < data.length; i++) data[i] = standardNormal(rng);
    const prompt: PrefixPrompt = { kind: 'prefix', numVirtual, numLayers, numKeyValueHeads, headDim, data };
    return { ...common, trainable: prefixTrainable(prompt), origin: { init: 'RANDOM' }, description: 'random: standard normal (PEFT\'s PrefixEncoder embedding init)' };
  }
  if (spec.kind === 'adapter') {
    throw new UserError('--init adapter: is not available for prefix tuning: start from text (the default), vocab or random');
  }
  let ids: number[];
  let description: string;
  let origin: PreparedMethod['origin'];
  if (spec.kind === 'vocab') {
    const pool = Math.min(VOCAB_INIT_POOL, engine.info.vocabSize);
    ids = sampleVocabIds(createRng(settings.seed), pool, numVirtual);
    description = `vocab: the keys/values of ${numVirtual} tokens of the ${pool} lowest ids`;
    origin = { init: 'SAMPLE_VOCAB' };
  } else {
    const text = spec.text ?? settings.defaultText;
    if (text === undefined || text.trim() === '') {
      throw new UserError('--init text needs a text: pass --init-text "…" or give the prompt file an instruction (or use --init vocab)');
    }
    const textIds = [...engine.tokenizer.prefixIds, ...engine.tokenizer.encode(text)];
    if (textIds.length === 0) throw new UserError(`--init-text ${JSON.stringify(text)} encodes to no tokens`);
    // Repeated or cut to the prefix length, as the TEXT init of prompt tuning does; the model reads them as one sequence.
    ids = Array.from({ length: numVirtual }, (_, i) => textIds[i % textIds.length]);
    description = `text: the model's keys/values for ${JSON.stringify(text)} (${textIds.length} tokens)`;
    origin = { init: 'TEXT', initText: text };
  }
  const prompt = await engine.prefixFromTokens(ids);
  if (prompt.numVirtual !== numVirtual) throw new Error(`prefixFromTokens gave ${prompt.numVirtual} positions for ${numVirtual} tokens`);
  return { ...common, trainable: prefixTrainable(prompt), origin, description };
}

/** Box–Muller: one standard normal draw from two uniforms. */
function standardNormal(rng: Rng): number {
  const u = 1 - rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

export const prefixTuning: TuningMethod = {
  name: 'prefix-tuning',
  summary: 'trains keys/values at every layer (Li & Liang 2021, P-tuning v2); the most leverage on small models (PEFT PREFIX_TUNING)',
  defaults: { virtualTokens: PREFIX_DEFAULT_VIRTUAL_TOKENS, lr: { ...DEFAULT_LEARNING_RATES, adamw: PREFIX_DEFAULT_LR } },
  inits: ['text', 'vocab', 'random'],
  prepare: preparePrefix,
};
