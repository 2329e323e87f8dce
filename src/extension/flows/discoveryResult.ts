/** Find a Hard Prompt's file naming and outcome line (no VS Code API, so they are unit-tested). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DiscoverResult } from '../../worker/protocol';
import { l10n } from 'vscode';

/** A file name beside `promptFile` that does not exist yet: name-hard.prompt, name-hard-2.prompt, … */
export function discoveredFileName(promptFile: string, exists: (file: string) => boolean = fs.existsSync): string {
  const dir = path.dirname(promptFile);
  const base = path.basename(promptFile, '.prompt');
  for (let i = 1; ; i++) {
    const candidate = path.join(dir, `${base}-hard${i === 1 ? '' : `-${i}`}.prompt`);
    if (!exists(candidate)) return candidate;
  }
}

/** The one-line outcome: the discovered text and both accuracies, or why nothing was written. */
export function describeDiscovery(result: DiscoverResult): string {
  if (!result.saved) return l10n.t('No hard prompt written: {0}', result.stopMessage ?? result.stopReason);
  const acc = result.accuracy;
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const found = l10n.t('Found {0}', JSON.stringify(result.text));
  if (!acc) return found;
  return `${found} · ${l10n.t({
    message: "{0} accuracy {1} vs the template's {2} ({3} rows)",
    args: [acc.on, pct(acc.discovered), pct(acc.template), acc.n],
    comment: ['{0}: the dataset role the accuracies were measured on, dev or train'],
  })}`;
}
