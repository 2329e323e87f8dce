/**
 * Chat prompts (`format: chat`): the body is a list of messages written as Prompty writes them — a line
 * `system:`, `user:` or `assistant:` starts a message and the lines below it, up to the next such line,
 * are its content (a Jinja template of its own, trimmed). A line of one lowercase word and a colon that is
 * not a known role is an error, so a typo like `usr:` is not silently read as text. The messages are
 * rendered through the model's own chat template with `@huggingface/jinja`, exactly as Transformers.js
 * `tokenizer.apply_chat_template(messages, { add_generation_prompt: true, tokenize: false, ...kwargs })`.
 */
import { Template } from '@huggingface/jinja';
import type { ChatTemplateInfo } from '../engine/chat-template';
import { UserError } from '../engine/errors';

export const CHAT_ROLES = ['system', 'user', 'assistant'] as const;
export type ChatRole = (typeof CHAT_ROLES)[number];

/** A role line: optional Markdown heading marks, a lowercase word, a colon, nothing else. */
const ROLE_LINE = /^(?:#{1,6}[ \t]*)?([a-z][a-z_]*):[ \t]*$/;

export interface ChatSection {
  role: ChatRole;
  /** The content's Jinja source. */
  content: string;
  /** Offset of `content` in the body. */
  contentOffset: number;
}

export interface ChatBodyProblem {
  message: string;
  start: number;
  end: number;
}

/** Splits a chat body into its messages; problems carry offsets into the body. */
export function splitChatBody(body: string): { sections: ChatSection[]; problems: ChatBodyProblem[] } {
  const sections: ChatSection[] = [];
  const problems: ChatBodyProblem[] = [];
  let at = 0;
  let current: { role: ChatRole; start: number } | undefined;
  const close = (end: number): void => {
    if (current) sections.push({ role: current.role, content: body.slice(current.start, end), contentOffset: current.start });
  };
  while (at <= body.length) {
    const nl = body.indexOf('\n', at);
    const end = nl < 0 ? body.length : nl;
    const line = body.slice(at, end);
    const role = ROLE_LINE.exec(line)?.[1];
    if (role !== undefined) {
      if ((CHAT_ROLES as readonly string[]).includes(role)) {
        close(at);
        current = { role: role as ChatRole, start: Math.min(body.length, end + 1) };
      } else {
        problems.push({ message: `unknown role "${role}:" (a chat prompt's roles are ${CHAT_ROLES.map((r) => `${r}:`).join(', ')})`, start: at, end });
      }
    } else if (!current && line.trim() !== '') {
      problems.push({ message: 'a chat prompt\'s body starts with a role line — system:, user: or assistant: — before any text', start: at, end: Math.max(end, at + 1) });
      current = undefined;
      break;
    }
    if (nl < 0) break;
    at = nl + 1;
  }
  close(body.length);
  if (problems.length === 0) {
    if (sections.length === 0) problems.push({ message: 'a chat prompt needs at least one message, e.g. a line "user:" and the text below it', start: 0, end: Math.min(1, body.length) });
    else if (!sections.some((s) => s.role === 'user')) problems.push({ message: 'a chat prompt needs a user: message', start: 0, end: Math.min(1, body.length) });
  }
  return { sections, problems };
}

export interface ChatMessage {
  role: string;
  content: string;
}

export interface ChatRenderOptions {
  /** For named templates (a list in tokenizer_config.json): which one; default "default". */
  templateName?: string;
  /** Extra template variables, e.g. { enable_thinking: false } for Qwen3. */
  kwargs?: Record<string, unknown>;
  /** Used in messages. */
  promptFile?: string;
}

const compiled = new Map<string, Template>();

function pickTemplate(info: ChatTemplateInfo, name: string | undefined): string {
  if (typeof info.templates === 'string') {
    if (name !== undefined && name !== 'default') throw new UserError(`chat_template: "${name}": ${info.file} has a single chat template, not named ones`, info.file);
    return info.templates;
  }
  const wanted = name ?? 'default';
  const found = info.templates[wanted];
  if (found === undefined) {
    throw new UserError(`${info.file} has no chat template named "${wanted}" (it has: ${Object.keys(info.templates).join(', ')}); set chat_template: in the prompt's front matter`, info.file);
  }
  return found;
}

/** The model's chat template applied to `messages` with add_generation_prompt: true. */
export function applyChatTemplate(info: ChatTemplateInfo | undefined, messages: ChatMessage[], options: ChatRenderOptions & { modelDir?: string } = {}): string {
  if (!info) {
    const where = options.modelDir ? ` (${options.modelDir})` : '';
    throw new UserError(`${options.promptFile ? `${options.promptFile}: ` : ''}format: chat needs the model's chat template, and this model${where} has none (no chat_template in tokenizer_config.json, no chat_template.jinja): use a plain-text prompt or an instruct/chat model`, options.promptFile);
  }
  const source = pickTemplate(info, options.templateName);
  let template = compiled.get(source);
  if (!template) {
    try {
      template = new Template(source);
    } catch (e) {
      throw new UserError(`${info.file}: the chat template does not parse (${(e as Error).message})`, info.file);
    }
    if (compiled.size > 16) compiled.clear();
    compiled.set(source, template);
  }
  try {
    // The same variables, in the same order, as Transformers.js apply_chat_template.
    return template.render({ messages, add_generation_prompt: true, tools: null, documents: null, ...info.specialTokens, ...(options.kwargs ?? {}) });
  } catch (e) {
    throw new UserError(`${options.promptFile ? `${options.promptFile}: ` : ''}the model's chat template (${info.file}) refused the messages: ${(e as Error).message}`, options.promptFile ?? info.file);
  }
}
