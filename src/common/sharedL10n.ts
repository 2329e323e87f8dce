/**
 * `@vscode/l10n`, the translation runtime of the code VS Code's `vscode.l10n` cannot reach: the webviews, and
 * modules both the webviews and the extension host import (src/extension/datasets/roles.ts). Both configure it
 * once, before their first text, with the bundle VS Code loaded for the extension (`vscode.l10n.bundle`; none
 * in English): the host in activate(), a webview from the `data-l10n` attribute of its page
 * (src/extension/views/html.ts). Unconfigured (the CLI, the unit tests) it returns the English messages.
 * Imports only `@vscode/l10n`, so the webview bundle can take it.
 */
import * as l10n from '@vscode/l10n';

/** A translation bundle as it may travel to a webview: message → translated text, nothing else. */
export type L10nBundle = Record<string, string>;

/** At most this many messages and characters: a bundle is a few hundred short texts. */
const MAX_MESSAGES = 10_000;
const MAX_TEXT = 10_000;

/**
 * `value` as a bundle when it is a flat record of strings (what `vscode.l10n.bundle` is), else undefined.
 * A webview reads it from its page, so it is checked like any message from outside.
 */
export function parseL10nBundle(value: unknown): L10nBundle | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const entries = Object.entries(value);
  if (entries.length > MAX_MESSAGES) return undefined;
  const bundle: L10nBundle = Object.create(null) as L10nBundle;
  for (const [key, text] of entries) {
    if (typeof text !== 'string' || key.length > MAX_TEXT || text.length > MAX_TEXT) return undefined;
    bundle[key] = text;
  }
  return bundle;
}

/**
 * Loads `bundle` into `@vscode/l10n` when it is a valid one (see parseL10nBundle); returns whether it did.
 * Anything else leaves the texts English.
 */
export function configureSharedL10n(bundle: unknown): boolean {
  const parsed = parseL10nBundle(bundle);
  if (!parsed || Object.keys(parsed).length === 0) return false;
  l10n.config({ contents: parsed });
  return true;
}

/** The `data-l10n` attribute's text as a bundle (JSON), for configureSharedL10n; undefined when absent or not JSON. */
export function bundleFromAttribute(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
