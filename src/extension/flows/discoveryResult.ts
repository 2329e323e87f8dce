/** Find a Hard Prompt's file naming and outcome line (no VS Code API, so they are unit-tested). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DiscoverResult } from '../../worker/protocol';

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
  if (!result.saved) return `No hard prompt written: ${result.stopMessage ?? result.stopReason}`;
  const acc = result.accuracy;
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const accuracy = acc ? ` · ${acc.on} accuracy ${pct(acc.discovered)} vs the template's ${pct(acc.template)} (${acc.n} rows)` : '';
  return `Found ${JSON.stringify(result.text)}${accuracy}`;
}
