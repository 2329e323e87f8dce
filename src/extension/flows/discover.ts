/**
 * Find a Hard Prompt…: PEZ hard-prompt discovery (`ptune discover`, the worker's discover job) from the editor.
 * The prompt file's soft-prompt position is filled with real tokens found by gradient; the result is written as
 * a new .prompt file beside the original (never over it), opened, and its accuracy reported next to the
 * template's on the same rows.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PEZ_DEFAULTS } from '../../tuning/pez';
import type { Ctx } from '../ctx';
import { CancelledError, errorMessage } from '../jobs';
import { describeDiscovery, discoveredFileName } from './discoveryResult';
import { prepareTraining } from './runnable';

export async function findHardPrompt(ctx: Ctx, uri?: vscode.Uri): Promise<void> {
  const prepared = await prepareTraining(ctx, uri);
  if (!prepared) return;
  const { model, promptFile, train, dev } = prepared;
  const tokens = await vscode.window.showInputBox({
    title: vscode.l10n.t('Find a Hard Prompt: length in tokens'),
    prompt: vscode.l10n.t('Tokens to discover in place of the soft prompt (PEZ: a continuous prompt trained through its nearest-token projection)'),
    value: String(PEZ_DEFAULTS.tokens),
    validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 64 ? undefined : vscode.l10n.t('A whole number from 1 to 64')),
  });
  if (tokens === undefined) return;
  const out = discoveredFileName(promptFile);
  const title = vscode.l10n.t('Find a hard prompt for {0}', path.basename(promptFile));
  const params = { model, template: promptFile, train, eval: dev, out, tokens: Number(tokens), steps: PEZ_DEFAULTS.steps };
  const run = ctx.runs.begin({
    kind: 'discovery', title, model, promptFiles: [promptFile], parameters: params, outputs: { prompt: out },
    data: [{ role: 'train', file: train }, ...(dev ? [{ role: 'dev' as const, file: dev }] : [])],
  });
  try {
    const result = await ctx.jobs.run('discover', params, {
      title,
      long: true,
      describe: (p) => {
        if (p.type === 'step') return { message: vscode.l10n.t('step {0}/{1} · loss {2}', p.step, p.totalSteps, p.loss.toFixed(3)), fraction: p.step / p.totalSteps };
        if (p.type === 'eval') {
          const line = vscode.l10n.t('step {0}: {1} · loss {2}', p.step, JSON.stringify(p.text), p.loss.toFixed(3));
          return { message: p.isBest ? vscode.l10n.t('{0} (best)', line) : line };
        }
        return { message: p.message };
      },
    });
    for (const warning of result.warnings) ctx.output.warn(`${title}: ${warning}`);
    const line = describeDiscovery(result);
    await run.done({
      status: result.stopReason === 'cancelled' ? 'cancelled' : 'done', message: line, outputs: result.saved ? { prompt: result.out } : {},
      metrics: { bestLoss: result.bestLoss, initialLoss: result.initialLoss, bestStep: result.bestStep, steps: result.steps, seconds: result.seconds },
    });
    ctx.output.info(`${title}: ${line}${result.saved ? ` → ${result.out}` : ''}`);
    if (!result.saved) {
      void vscode.window.showWarningMessage(line);
      return;
    }
    await vscode.window.showTextDocument(vscode.Uri.file(result.out), { preview: false });
    void vscode.window.showInformationMessage(line);
  } catch (e) {
    await run.failed(e);
    if (e instanceof CancelledError) return;
    void vscode.window.showErrorMessage(`${title}: ${errorMessage(e)}`);
  }
}
