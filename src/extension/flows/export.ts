/**
 * Export for a GPU Cluster…: the training that Train Soft Prompt would run (the prompt file, its datasets, the
 * promptTuning.training.* settings) written as a transformers + PEFT + accelerate project by the worker's
 * exportPeft job (`ptune export-peft`). The user picks the folder it goes into.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { prepareTraining } from './runnable';
import { reportError } from '../errors';
import { timestamp, tuningFromSettings } from './train';

export async function exportForCluster(ctx: Ctx, uri?: vscode.Uri): Promise<void> {
  const runnable = await prepareTraining(ctx, uri);
  if (!runnable) return;
  const { promptFile, train, dev } = runnable;
  const picked = await vscode.window.showOpenDialog({
    title: vscode.l10n.t('Folder to put the exported training project in'),
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    openLabel: vscode.l10n.t('Export Here'),
    defaultUri: vscode.Uri.file(ctx.outputRoot),
  });
  if (!picked?.[0]) return;
  const name = path.basename(promptFile, '.prompt');
  const out = path.join(picked[0].fsPath, `${name}-peft-${timestamp()}`);
  const title = vscode.l10n.t('Export {0} for a GPU cluster', path.basename(promptFile));
  try {
    const result = await ctx.jobs.run('exportPeft', { ...tuningFromSettings(ctx), model: runnable.model, template: promptFile, train, eval: dev, out }, {
      title,
      long: true,
      describe: (p) => ({ message: p.message }),
    });
    for (const warning of result.warnings) ctx.output.warn(`${title}: ${warning}`);
    ctx.output.info(`${title}: ${result.trainRows} training rows, ${result.evalRows} dev rows, ${result.totalSteps} steps → ${result.out}`);
    const openReadme = vscode.l10n.t('Open README');
    const revealFolder = vscode.l10n.t('Reveal Folder');
    const choice = await vscode.window.showInformationMessage(
      vscode.l10n.t('Exported to {0}: copy the folder to the GPU machine and follow its README (pip install -r requirements.txt, then accelerate launch … train.py). The adapter it writes loads here as it is.', result.out),
      openReadme, revealFolder);
    if (choice === openReadme) await vscode.window.showTextDocument(vscode.Uri.file(path.join(result.out, 'README.md')));
    if (choice === revealFolder) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(result.out));
  } catch (error) {
    reportError(ctx, title, error);
  }
}
