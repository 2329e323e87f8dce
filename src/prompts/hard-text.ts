/**
 * Writing a prompt file with literal text in place of its soft prompt (e.g. a hard prompt found by
 * `ptune discover`): before the body for `soft_prompt: prefix`, at the `{{ soft_prompt }}` marker otherwise.
 * The text goes in as written when it is plain (no newline, no character Jinja or the file format could read
 * otherwise), else as a Jinja string literal (`{{ "…" }}`), so any text renders back exactly.
 */
import { parseDocument } from 'yaml';
import { UserError } from '../engine/errors';
import { splitFrontMatter } from './front-matter';
import type { PromptFile } from './types';

// Braces, '%' and '#' could open or close a Jinja tag next to the body's own text; control characters and
// newlines (a chat body's role lines) are safer escaped.
const NEEDS_LITERAL = /[{}%#\u0000-\u001f\u007f]/;
const MARKER = /\{\{(-?)\s*soft_prompt\s*(-?)\}\}/;

/** Why a prompt file cannot hold one literal text in place of its soft prompt; undefined when it can. */
export function hardTextUnsupported(prompt: PromptFile): string | undefined {
  if (prompt.softPromptText !== undefined) return 'its soft-prompt position is already filled with text';
  if (prompt.shots > 0) return 'it has few-shot examples, and a text in the body would be repeated in every example (the soft prompt stands once, before them): use a zero-shot prompt';
  if (prompt.format === 'chat' && prompt.softPrompt === 'prefix') return 'a chat prompt\'s prefix goes before the chat template\'s output, which a body cannot express: use soft_prompt: marker';
  return undefined;
}

/** `text` as body source that renders to exactly `text`. */
export function bodyText(text: string, trim: { left?: boolean; right?: boolean } = {}): string {
  if (!NEEDS_LITERAL.test(text) && !trim.left && !trim.right) return text;
  return `{{${trim.left ? '-' : ''} ${JSON.stringify(text)} ${trim.right ? '-' : ''}}}`;
}

export interface HardTextHeader {
  /** The first line of the front matter, a YAML comment (e.g. who wrote the file). */
  comment: string;
  name: string;
  description: string;
}

/** The prompt file's source with `text` in place of the soft prompt, and the header's name, description and comment. */
export function promptSourceWithText(prompt: PromptFile, text: string, header: HardTextHeader): string {
  const why = hardTextUnsupported(prompt);
  if (why) throw new UserError(`${prompt.file}: cannot write text in place of the soft prompt: ${why}`, prompt.file);
  const split = splitFrontMatter(prompt.source);
  if ('error' in split) throw new UserError(`${prompt.file}: ${split.error}`, prompt.file);
  const doc = parseDocument(split.parts.yaml);
  doc.set('name', header.name);
  doc.set('description', header.description);
  let body = split.parts.body;
  if (prompt.softPrompt === 'prefix') {
    body = bodyText(text) + body;
  } else {
    const m = MARKER.exec(body);
    if (!m) throw new UserError(`${prompt.file}: no {{ soft_prompt }} marker in the body`, prompt.file);
    body = body.slice(0, m.index) + bodyText(text, { left: m[1] === '-', right: m[2] === '-' }) + body.slice(m.index + m[0].length);
    // Nothing is left to mark; prefix is where a soft prompt trained on top of this one would go.
    doc.set('soft_prompt', 'prefix');
  }
  const comment = header.comment.replace(/[\r\n]+/g, ' ');
  return `---\n# ${comment}\n${doc.toString({ lineWidth: 0 })}---\n${body}`;
}
