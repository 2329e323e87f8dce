/** The check Benchmark makes on its test set: it must be held out from the dev set and from keep-best. Unit-tested with the fake `vscode` module (test/helpers/vscode-fake.ts). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { l10n } from 'vscode';

/** Two paths name one file (symbolic links and `..` resolved where the files exist). */
export function sameFile(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return real(a) === real(b);
}

export interface SoftPromptDevSet {
  /** The soft prompt (adapter folder). */
  dir: string;
  /** The dev set its training record names (keep-best chose the checkpoint on it); undefined when none. */
  devFile?: string;
}

/**
 * Why a benchmark's test file would flatter a prompt, in one message: it is the prompt's dev file, or the dev
 * file a soft prompt's keep-best chose its checkpoint on. Undefined when neither holds.
 */
export function testSetWarning(test: string, dev: string | undefined, softPrompts: readonly SoftPromptDevSet[]): string | undefined {
  const problems: string[] = [];
  if (dev && sameFile(test, dev)) problems.push(l10n.t('it is also the dev set (the rows ▶ Test and Run on dataset were tuned against)'));
  const keepBest = softPrompts.filter((s) => s.devFile && sameFile(test, s.devFile)).map((s) => path.basename(s.dir));
  if (keepBest.length > 0) {
    problems.push(keepBest.length === 1 ? l10n.t('keep-best chose the checkpoint of {0} on it', keepBest[0]) : l10n.t('keep-best chose the checkpoints of {0} on it', keepBest.join(', ')));
  }
  if (problems.length === 0) return undefined;
  const [name, why] = [path.basename(test), problems.join(l10n.t('; and '))];
  return keepBest.length > 0
    ? l10n.t('The test set {0} is not held out: {1}. Its accuracy will be biased upwards for the soft prompt. Choose a separate test file (Select Dataset…, or Split Dataset… to make one).', name, why)
    : l10n.t('The test set {0} is not held out: {1}. Its accuracy will be biased upwards. Choose a separate test file (Select Dataset…, or Split Dataset… to make one).', name, why);
}
