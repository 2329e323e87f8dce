/**
 * Stop strings on decoded text. Generation ends at the first occurrence of any stop string and the output
 * is cut just before it. While streaming, text that could still turn out to be the start of a stop string
 * (a suffix of the text that is a prefix of one) is held back, and so is a trailing U+FFFD, which is how a
 * byte-level tokenizer decodes an incomplete UTF-8 character.
 */
export interface StopScan {
  /** The text that is safe to show: everything before a found stop string, or before a possible start of one. */
  safe: string;
  /** True when a stop string was found (`safe` is then the final text). */
  stopped: boolean;
}

export function scanStops(text: string, stops: readonly string[], final = false): StopScan {
  let cut = -1;
  for (const stop of stops) {
    const at = text.indexOf(stop);
    if (at >= 0 && (cut < 0 || at < cut)) cut = at;
  }
  if (cut >= 0) return { safe: text.slice(0, cut), stopped: true };
  if (final) return { safe: text, stopped: false };
  let hold = 0;
  for (const stop of stops) {
    for (let n = Math.min(stop.length - 1, text.length); n > hold; n--) {
      if (text.endsWith(stop.slice(0, n))) {
        hold = n;
        break;
      }
    }
  }
  let end = text.length - hold;
  while (end > 0 && text[end - 1] === '\uFFFD') end--;
  return { safe: text.slice(0, end), stopped: false };
}
