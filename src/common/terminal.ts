/**
 * Text from data (labels, file names, tokens, template output) reaches the terminal inside our messages. A
 * label holding `ESC ] 0 ; …` would retitle the terminal, `ESC [ 2 J` clear it, a bidirectional override
 * reorder what the user reads; so every control character except line feed and tab is shown escaped.
 */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with control and bidirectional-formatting characters written as `\uHHHH`: readable, and the same
 * escape JSON uses, so a --json line stays valid JSON with the same meaning (JSON.stringify leaves C1
 * controls and bidi marks raw).
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
