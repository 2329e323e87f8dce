/** Turns a soft prompt's nearest-token text into a hard prompt file (unit-tested with the fake `vscode` module). */
import { parseDocument } from 'yaml';
import { normalizeSource, splitFrontMatter } from '../../prompts/front-matter';
import { l10n } from 'vscode';

/**
 * The prompt file `source` with its soft-prompt position replaced by `hardText`: at `{{ soft_prompt }}`
 * for marker prompts, else in front of the body. The text goes in as a Jinja string literal when it holds
 * Jinja delimiters, so it is never interpreted as template code.
 */
export function hardPromptFile(source: string, hardText: string, name: string, description: string): string {
  const split = splitFrontMatter(normalizeSource(source));
  if (!('parts' in split)) throw new Error(l10n.t("the training record's prompt does not parse: {0}", split.error));
  const doc = parseDocument(split.parts.yaml);
  const marker = doc.get('soft_prompt') === 'marker';
  doc.set('name', name);
  doc.set('description', description);
  doc.delete('soft_prompt');
  const literal = /\{[{%#]|[}%#]\}/.test(hardText) ? `{{ ${JSON.stringify(hardText)} }}` : hardText;
  const body = marker
    ? split.parts.body.replace(/\{\{-?\s*soft_prompt\s*-?\}\}/, () => literal)
    : literal + split.parts.body;
  return `---\n${doc.toString()}---\n${body}`;
}
