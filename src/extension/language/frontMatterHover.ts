/** Which hover text a front-matter line shows at a character (no vscode import: tested on its own). */
import { isPromptKey, promptChoiceMarkdown, promptKeyMarkdown } from '../../prompts';

/** The hover of a top-level front-matter line at `character`: the key's text on the key, a choice's on its value. */
export function frontMatterHover(line: string, character: number): { text: string; start: number; end: number } | undefined {
  const match = /^([A-Za-z_][\w-]*)(\s*:\s*)([A-Za-z_]\w*)?\s*(#.*)?$/.exec(line) ?? /^([A-Za-z_][\w-]*)(\s*:)/.exec(line);
  if (!match) return undefined;
  const key = match[1];
  if (!isPromptKey(key)) return undefined;
  if (character <= key.length) return { text: promptKeyMarkdown(key), start: 0, end: key.length };
  const value = match[3];
  const valueStart = key.length + match[2].length;
  if (value && character >= valueStart && character <= valueStart + value.length) {
    const text = promptChoiceMarkdown(key, value);
    if (text) return { text, start: valueStart, end: valueStart + value.length };
  }
  return undefined;
}
