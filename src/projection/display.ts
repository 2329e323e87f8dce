/**
 * Token strings with their whitespace made visible, so `·great` and `great` are told apart at a glance.
 * The result is plain text for a terminal or a DOM text node; it is never markup, and renderers must not
 * treat it as such.
 */

const VISIBLE: Record<string, string> = { ' ': '·', '\n': '↵', '\t': '→' };
const STAND_INS = new Set(Object.values(VISIBLE));

/** Controls, format characters (zero-width, bidi overrides), non-ASCII spaces, surrogates, private use, unassigned. */
const INVISIBLE = /^[\p{C}\p{Z}]$/u;

function escape(ch: string): string {
  const cp = ch.codePointAt(0)!;
  return cp > 0xffff ? `\\u{${cp.toString(16).toUpperCase()}}` : `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Space → `·`, newline → `↵`, tab → `→`; every other invisible or control character (and the three
 * stand-ins themselves, to stay unambiguous) → `\uXXXX`. Everything else is kept verbatim.
 */
export function visibleToken(text: string): string {
  let out = '';
  for (const ch of text) {
    const stand = VISIBLE[ch];
    if (stand !== undefined) out += stand;
    else if (STAND_INS.has(ch) || INVISIBLE.test(ch)) out += escape(ch);
    else out += ch;
  }
  return out;
}
