/** Onboarding commands: Open Samples, New Prompt File, and the Getting Started walkthrough. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PROMPT_KINDS, PROMPT_SKELETONS } from '../../prompts';
import type { Ctx } from '../ctx';
import { PROMPT_LANGUAGE_ID } from '../language/promptDocuments';
import { STRINGS } from '../strings';
import { SAMPLE_PROMPTS, SAMPLES_FOLDER, copySamples } from './samples';

/** The walkthrough's id in package.json (contributes.walkthroughs). */
export const WALKTHROUGH_ID = 'promptTuning.gettingStarted';

/**
 * Copies the samples into the first workspace folder (keeping any file the user already has), remembers
 * their datasets so ▶ Test and Train need no questions, and opens the first sample prompt.
 */
export async function openSamples(ctx: Ctx): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder || folder.uri.scheme !== 'file') {
    const choice = await vscode.window.showInformationMessage(STRINGS.openFolderFirst, STRINGS.openFolder);
    if (choice) await vscode.commands.executeCommand('workbench.action.files.openFolder');
    return;
  }
  const destination = path.join(folder.uri.fsPath, SAMPLES_FOLDER);
  const { copied, kept } = copySamples(ctx.extensionUri.fsPath, destination);
  for (const sample of SAMPLE_PROMPTS) {
    const prompt = path.join(destination, sample.prompt);
    const chosen = ctx.state.datasetsFor(prompt);
    await ctx.state.setDatasetsFor(prompt, {
      train: chosen.train ?? path.join(destination, sample.train),
      dev: chosen.dev ?? path.join(destination, sample.dev),
    });
  }
  ctx.diagnostics.refreshAll();
  await vscode.window.showTextDocument(vscode.Uri.file(path.join(destination, SAMPLE_PROMPTS[0].prompt)));
  void vscode.window.showInformationMessage(copied.length > 0 ? STRINGS.samplesCopied(copied.length, SAMPLES_FOLDER, kept.length) : STRINGS.samplesAllThere(SAMPLES_FOLDER));
}

/** A new untitled `.prompt` document of the kind the user picks, starting from a skeleton that validates. */
export async function newPromptFile(): Promise<void> {
  const picked = await vscode.window.showQuickPick(
    PROMPT_KINDS.map((promptKind) => ({ label: promptKind, detail: PROMPT_SKELETONS[promptKind].detail, promptKind })),
    { title: STRINGS.newPromptKindTitle });
  if (!picked) return;
  const document = await vscode.workspace.openTextDocument({ language: PROMPT_LANGUAGE_ID, content: PROMPT_SKELETONS[picked.promptKind].text });
  await vscode.window.showTextDocument(document);
}

export async function openWalkthrough(ctx: Ctx): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${ctx.extension.extension.id}#${WALKTHROUGH_ID}`, false);
}

/** The warning for a workspace without prompt files, with the two ways to get one. */
export async function offerToStart(): Promise<void> {
  const choice = await vscode.window.showWarningMessage(STRINGS.noPromptFiles, STRINGS.openSamples, STRINGS.newPromptFile);
  if (choice === STRINGS.openSamples) await vscode.commands.executeCommand('promptTuning.openSamples');
  else if (choice === STRINGS.newPromptFile) await vscode.commands.executeCommand('promptTuning.newPromptFile');
}
