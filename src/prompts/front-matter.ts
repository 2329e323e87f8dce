/** Splits a prompt file into its YAML front matter and Jinja body, keeping offsets for diagnostics. */

export interface FrontMatterParts {
  /** YAML text between the two `---` lines. */
  yaml: string;
  /** Offset of `yaml` in the file text. */
  yamlOffset: number;
  body: string;
  /** Offset of `body` in the file text. */
  bodyOffset: number;
}

export type FrontMatterSplit = { parts: FrontMatterParts } | { error: string; start: number; end: number };

const FENCE = /^---[ \t]*$/;

/** Expects `text` with "\n" line endings and no BOM (see `normalizeSource`). */
export function splitFrontMatter(text: string): FrontMatterSplit {
  const firstEnd = text.indexOf('\n');
  const firstLine = firstEnd < 0 ? text : text.slice(0, firstEnd);
  if (!FENCE.test(firstLine)) {
    return {
      error: 'a prompt file must start with a front-matter block: a line "---", the YAML settings, then another line "---" and the prompt body',
      start: 0,
      end: firstLine.length,
    };
  }
  let at = firstEnd < 0 ? text.length : firstEnd + 1;
  const yamlOffset = at;
  while (at < text.length) {
    const end = text.indexOf('\n', at);
    const line = end < 0 ? text.slice(at) : text.slice(at, end);
    if (FENCE.test(line)) {
      const bodyOffset = end < 0 ? text.length : end + 1;
      return { parts: { yaml: text.slice(yamlOffset, at), yamlOffset, body: text.slice(bodyOffset), bodyOffset } };
    }
    at = end < 0 ? text.length : end + 1;
  }
  return {
    error: 'the front matter is never closed: add a line "---" between the settings and the prompt body',
    start: 0,
    end: firstLine.length,
  };
}

/** "\r\n" and "\r" become "\n" and a BOM is dropped, so offsets, YAML and Jinja all see the same text. */
export function normalizeSource(text: string): string {
  return text.replace(/^\ufeff/, '').replace(/\r\n?/g, '\n');
}
