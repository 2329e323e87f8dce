/**
 * Google's Dotprompt (used by Genkit) also names its files `*.prompt`: YAML front matter and a Handlebars
 * body (https://google.github.io/dotprompt/reference/). Such files are not ours and must not be flagged;
 * this tells the two apart from the text alone.
 */
import { isMap, isScalar, parseDocument } from 'yaml';
import { normalizeSource, splitFrontMatter } from './front-matter';
import { PROMPT_KEYS } from './keys';

/**
 * Front-matter keys of Dotprompt that this format does not have (its `name` and `description` are shared;
 * its `input` is our `inputs`). Keys with a "." are Dotprompt's namespaced extensions.
 */
const DOTPROMPT_KEYS = ['model', 'variant', 'tools', 'config', 'input', 'output', 'metadata'];

/** Keys only this format has: a file with any of them is ours, whatever else it says. */
const OUR_OWN_KEYS: readonly string[] = PROMPT_KEYS.filter((k) => k !== 'name' && k !== 'description');

/**
 * Handlebars that Jinja never writes: block helpers `{{#if}}` / `{{/if}}`, partials `{{> name}}`,
 * comments `{{! … }}`, triple-stash `{{{ raw }}}`, `{{else}}`, `@index`-style data, Dotprompt's helpers
 * (`{{role "user"}}`, `{{history}}`, `{{media url=…}}`, `{{section …}}`, `{{json …}}`) and its role markers.
 */
const HANDLEBARS_SIGNS: readonly { pattern: RegExp; what: string }[] = [
  { pattern: /\{\{~?#\s*[A-Za-z]/, what: 'a Handlebars block helper ({{#…}})' },
  { pattern: /\{\{~?\/\s*[A-Za-z]/, what: 'a Handlebars block end ({{/…}})' },
  { pattern: /\{\{~?>\s*[\w./-]+/, what: 'a Handlebars partial ({{> …}})' },
  { pattern: /\{\{~?!/, what: 'a Handlebars comment ({{! …}})' },
  { pattern: /\{\{\{\s*[A-Za-z_@]/, what: 'a Handlebars raw value ({{{…}}})' },
  { pattern: /\{\{~?\s*else\s*~?\}\}/, what: '{{else}}' },
  { pattern: /\{\{~?\s*@\w+/, what: 'a Handlebars data variable ({{@…}})' },
  { pattern: /\{\{~?\s*(?:role|section)\s+["']/, what: 'a Dotprompt helper ({{role "…"}})' },
  { pattern: /\{\{~?\s*(?:history|media\s+url=|json\s+\w)/, what: 'a Dotprompt helper' },
  { pattern: /<<<dotprompt:/, what: 'a Dotprompt marker (<<<dotprompt:…>>>)' },
];

export interface DotpromptVerdict {
  isDotprompt: boolean;
  /** Why, for the hint: the Dotprompt keys and Handlebars found (empty when it is not Dotprompt). */
  reasons: string[];
}

/**
 * Whether `text` is a Dotprompt file. A file with any key only our format has is ours (its mistakes are
 * reported); otherwise Dotprompt keys in the front matter, or Handlebars in the body, make it Dotprompt.
 * A file without front matter is Dotprompt only when its text has Handlebars (Dotprompt allows that; ours
 * does not, so our diagnostics would only say the fence is missing).
 */
export function detectDotprompt(rawText: string): DotpromptVerdict {
  const text = normalizeSource(rawText);
  const split = splitFrontMatter(text);
  const keys = 'parts' in split ? frontMatterKeys(split.parts.yaml) : [];
  const body = 'parts' in split ? split.parts.body : text;
  if (keys.some((k) => OUR_OWN_KEYS.includes(k))) return { isDotprompt: false, reasons: [] };
  const reasons = keys.filter((k) => DOTPROMPT_KEYS.includes(k) || k.includes('.')).map((k) => `the front-matter key "${k}"`);
  for (const sign of HANDLEBARS_SIGNS) if (sign.pattern.test(body)) reasons.push(sign.what);
  return { isDotprompt: reasons.length > 0, reasons };
}

/** The top-level keys of the front matter: parsed, or (when the YAML has errors) read from unindented lines. */
function frontMatterKeys(yaml: string): string[] {
  const doc = parseDocument(yaml, { uniqueKeys: false, prettyErrors: false });
  if (doc.errors.length === 0 && isMap(doc.contents)) {
    return doc.contents.items.flatMap((pair) => (isScalar(pair.key) && pair.key.value !== null ? [String(pair.key.value)] : []));
  }
  return [...yaml.matchAll(/^([A-Za-z_][\w.-]*)\s*:/gm)].map((m) => m[1]);
}
