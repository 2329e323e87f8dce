/**
 * A model folder's chat template, read as transformers reads it: `chat_template.jinja` in the folder when
 * present (what transformers ≥ 4.43 saves), else tokenizer_config.json's `chat_template`, which is either
 * one template string or a list of named templates ({name, template}). The special-token strings
 * (bos_token, eos_token, …) are passed to the template as Transformers.js `apply_chat_template` does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from './errors';

export interface ChatTemplateInfo {
  /** One template, or several by name ("default", "tool_use", …). */
  templates: string | Record<string, string>;
  /** The file the template came from, for messages. */
  file: string;
  /** bos_token, eos_token, unk_token, sep_token, pad_token, cls_token, mask_token when the config sets them. */
  specialTokens: Record<string, string>;
}

/** The keys Transformers.js passes to the template (SPECIAL_TOKEN_ATTRIBUTES). */
const SPECIAL_TOKEN_KEYS = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'];

function tokenString(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') return (value as { content: string }).content;
  return undefined;
}

/** `config` is the parsed tokenizer_config.json (or {} when there is none). */
export function readChatTemplate(folder: string, config: Record<string, unknown>): ChatTemplateInfo | undefined {
  const specialTokens: Record<string, string> = {};
  for (const key of SPECIAL_TOKEN_KEYS) {
    const s = tokenString(config[key]);
    if (s !== undefined) specialTokens[key] = s;
  }
  const jinjaFile = join(folder, 'chat_template.jinja');
  if (existsSync(jinjaFile)) return { templates: readFileSync(jinjaFile, 'utf8'), file: jinjaFile, specialTokens };
  const configFile = join(folder, 'tokenizer_config.json');
  const raw = config.chat_template;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'string') return { templates: raw, file: configFile, specialTokens };
  if (Array.isArray(raw)) {
    const named: Record<string, string> = {};
    for (const entry of raw as { name?: unknown; template?: unknown }[]) {
      if (typeof entry?.name !== 'string' || typeof entry?.template !== 'string') {
        throw new UserError(`${configFile}: chat_template must be a string or a list of {name, template}, found an entry ${JSON.stringify(entry)}`, configFile);
      }
      named[entry.name] = entry.template;
    }
    return { templates: named, file: configFile, specialTokens };
  }
  throw new UserError(`${configFile}: chat_template must be a string or a list of {name, template}`, configFile);
}
