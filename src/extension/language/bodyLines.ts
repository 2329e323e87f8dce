/** Where a prompt file's body starts and ends (no `vscode` import, so it is unit-tested directly). */
import { normalizeSource, splitFrontMatter } from '../../prompts/front-matter';

/** Where the body starts and ends, from the text alone (works while the YAML is broken). */
export function bodyLines(text: string): { bodyLine?: number; lastBodyLine?: number } {
  const normalized = normalizeSource(text);
  const split = splitFrontMatter(normalized);
  if (!('parts' in split)) return {};
  const lines = normalized.split('\n');
  const bodyLine = normalized.slice(0, split.parts.bodyOffset).split('\n').length - 1;
  let last = lines.length - 1;
  while (last > bodyLine && lines[last].trim() === '') last--;
  return { bodyLine: Math.min(bodyLine, lines.length - 1), lastBodyLine: Math.max(Math.min(bodyLine, lines.length - 1), last) };
}
