/**
 * `vscode.l10n` where there is no 'vscode' module: the unit tests load some extension modules (tree items,
 * quick-pick items, descriptions) without VS Code. Those modules start with
 *
 *   let l10n: L10n = englishL10n;
 *   try { l10n = require('vscode').l10n; } catch { ... }
 *
 * so that in VS Code they translate through the extension's bundle, and `@vscode/l10n-dev export` (which
 * only reads `l10n` taken from 'vscode') still finds their texts. No `vscode` import (unit-tested).
 */
import type * as vscode from 'vscode';

export type L10n = Pick<typeof vscode.l10n, 't'>;

type Args = Array<string | number | boolean> | Record<string, unknown>;

/** The English message with `{0}` / `{name}` filled in, as vscode.l10n.t does when no bundle is loaded. */
export const englishL10n: L10n = {
  t: ((first: string | { message: string; args?: Args }, ...rest: unknown[]): string => {
    if (typeof first !== 'string') return fill(first.message, first.args ?? []);
    const args = rest.length === 1 && typeof rest[0] === 'object' && rest[0] !== null ? (rest[0] as Record<string, unknown>) : rest;
    return fill(first, args as Args);
  }) as L10n['t'],
};

function fill(message: string, args: Args): string {
  const values = args as Record<string, unknown>;
  if (Object.keys(values).length === 0) return message;
  return message.replace(/\{([^}]+)\}/g, (match, name: string) => (values[name] === undefined ? match : String(values[name])));
}
