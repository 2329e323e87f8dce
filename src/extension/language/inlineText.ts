/**
 * Text for the inline result decoration (one line after a prompt's body): flattened and cut to a length
 * that fits beside code, never in the middle of a character (grapheme). No `vscode` import, so it is unit-tested.
 */

/** The longest inline result, in UTF-16 code units. */
export const INLINE_MAX_CHARS = 160;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The longest prefix of `text` made of whole graphemes whose pieces, mapped by `piece`, fit in `budget` code units. */
function fittingPrefix(text: string, budget: number, piece: (g: string) => string = (g) => g): string {
  let out = '';
  for (const { segment } of graphemes.segment(text)) {
    const next = piece(segment);
    if (out.length + next.length > budget) break;
    out += next;
  }
  return out;
}

/** Whitespace runs (newlines included) become one space; longer than `max`, it ends in "…". */
export function oneLine(text: string, max = INLINE_MAX_CHARS): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${fittingPrefix(flat, max - 1)}…` : flat;
}

/**
 * `text` as a JSON string literal (so newlines, tabs and markup stay visible as `\n`, `\t`, `<b>`), at most
 * `max` code units: a longer text keeps its beginning and ends in `…"`.
 */
export function quotedExcerpt(text: string, max: number): string {
  const full = JSON.stringify(text);
  if (full.length <= max) return full;
  // Two code units for the quotes, one for the ellipsis.
  return `"${fittingPrefix(text, Math.max(0, max - 3), (g) => JSON.stringify(g).slice(1, -1))}…"`;
}
