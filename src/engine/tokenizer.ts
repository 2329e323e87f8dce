/**
 * The model folder's tokenizer (tokenizer.json + tokenizer_config.json) through `@huggingface/transformers`
 * AutoTokenizer, local files only: nothing is ever fetched from the hub here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TextTokenizer } from './api';
import type { ChatTemplateInfo } from './chat-template';
import { readChatTemplate } from './chat-template';
import { UserError } from './errors';

interface HfTokenizer {
  encode(text: string, opts: { add_special_tokens: boolean }): number[];
  decode(ids: number[], opts?: { skip_special_tokens?: boolean }): string;
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
  let config: Record<string, unknown> = {};
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
  return wrapTokenizer(tok, vocabSizeOf(file), readChatTemplate(folder, config));
}

/** One more than the largest id in tokenizer.json's vocabulary and added tokens. */
function vocabSizeOf(file: string): number {
  const json = JSON.parse(readFileSync(file, 'utf8')) as { model?: { vocab?: Record<string, number> | [string, number][] }; added_tokens?: { id: number }[] };
  const vocab = json.model?.vocab ?? {};
  const ids = Array.isArray(vocab) ? vocab.map((_, i) => i) : Object.values(vocab);
  for (const t of json.added_tokens ?? []) ids.push(t.id);
  return ids.reduce((m, id) => Math.max(m, id + 1), 0);
}

/**
 * The special tokens `tokenizer(text)` puts in front of a text, as tokenizer.json's post-processor decides
 * (Llama 3 and Gemma add a BOS; GPT-2, Qwen and SmolLM2 add nothing). Found by encoding a probe with and
 * without special tokens, so it is exactly what Transformers.js and Python transformers do.
 */
function specialPrefix(tok: HfTokenizer): number[] {
  const probe = 'a';
  const plain = tok.encode(probe, { add_special_tokens: false });
  const withSpecial = tok.encode(probe, { add_special_tokens: true });
  const at = withSpecial.findIndex((_, i) => plain.every((id, j) => withSpecial[i + j] === id));
  return at > 0 ? withSpecial.slice(0, at) : [];
}

function wrapTokenizer(tok: HfTokenizer, vocabSize: number, chatTemplate: ChatTemplateInfo | undefined): TextTokenizer {
  const bos = tok.bos_token_id ?? undefined;
  const eos = tok.eos_token_id ?? undefined;
  const prefix = specialPrefix(tok);
  return {
    encode: (text) => tok.encode(text, { add_special_tokens: false }),
    prefixIds: prefix,
    decode: (list) => tok.decode(list, { skip_special_tokens: false }),
    pieces: (list) => list.map((id) => tok.decode([id], { skip_special_tokens: false })),
    vocabSize,
    bosTokenId: bos,
    eosTokenId: eos,
    ...(chatTemplate ? { chatTemplate } : {}),
  };
}
