/**
 * The model folder's tokenizer (tokenizer.json + tokenizer_config.json) through `@huggingface/transformers`
 * AutoTokenizer, local files only: nothing is ever fetched from the hub here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TextTokenizer } from './api';
import { UserError } from './errors';

interface HfTokenizer {
  encode(text: string, opts: { add_special_tokens: boolean }): number[];
  decode(ids: number[], opts?: { skip_special_tokens?: boolean }): string;
  get_vocab?(): Record<string, number> | Map<string, number>;
  bos_token_id?: number | null;
  eos_token_id?: number | null;
}

export async function loadTokenizer(dir: string): Promise<TextTokenizer> {
  const folder = resolve(dir);
  const file = join(folder, 'tokenizer.json');
  if (!existsSync(file)) {
    throw new UserError(`${folder}: no tokenizer.json in the model folder (a Hugging Face "fast" tokenizer file is required)`, file);
  }
  const configFile = join(folder, 'tokenizer_config.json');
  let config: { add_bos_token?: boolean } = {};
  if (existsSync(configFile)) {
    try {
      config = JSON.parse(readFileSync(configFile, 'utf8'));
    } catch (e) {
      throw new UserError(`${configFile}: not valid JSON (${(e as Error).message})`, configFile);
    }
  }
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  let tok: HfTokenizer;
  try {
    tok = (await AutoTokenizer.from_pretrained(folder, { local_files_only: true })) as unknown as HfTokenizer;
  } catch (e) {
    throw new UserError(`${file}: cannot load the tokenizer (${(e as Error).message})`, file);
  }
  return wrapTokenizer(tok, config.add_bos_token === true);
}

function wrapTokenizer(tok: HfTokenizer, addsBos: boolean): TextTokenizer {
  const vocab = tok.get_vocab?.();
  const ids = vocab instanceof Map ? [...vocab.values()] : Object.values(vocab ?? {});
  const bos = tok.bos_token_id ?? undefined;
  const eos = tok.eos_token_id ?? undefined;
  return {
    encode: (text) => {
      const out = tok.encode(text, { add_special_tokens: false });
      return addsBos && bos !== undefined ? [bos, ...out] : out;
    },
    decode: (list) => tok.decode(list, { skip_special_tokens: false }),
    pieces: (list) => list.map((id) => tok.decode([id], { skip_special_tokens: false })),
    vocabSize: ids.length > 0 ? Math.max(...ids) + 1 : 0,
    bosTokenId: bos,
    eosTokenId: eos,
    addsBos,
  };
}
