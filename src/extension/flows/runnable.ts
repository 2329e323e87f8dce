/** The checks before any run of a prompt file: it parses without errors, a model is selected, it is saved. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PromptFile } from '../../prompts';
import type { Ctx } from '../ctx';
import type { DocumentAnalysis } from '../language/promptDocuments';
import { pickPromptDocument, requireModel, saveIfDirty } from './pickers';

/** A prompt document ready to run: parsed without errors, saved, with a model selected. */
export interface Runnable {
  document: vscode.TextDocument;
  analysis: DocumentAnalysis & { prompt: PromptFile };
  model: string;
}

export async function prepare(ctx: Ctx, uri: vscode.Uri | undefined): Promise<Runnable | undefined> {
  const document = await pickPromptDocument(ctx, uri);
  if (!document) return undefined;
  const analysis = await ctx.diagnostics.analysis(document);
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  if (!analysis.prompt || errors.length > 0) {
    const choice = await vscode.window.showErrorMessage(
      `${path.basename(document.uri.fsPath)} has ${errors.length || 'some'} problem${errors.length === 1 ? '' : 's'}: ${errors[0]?.message ?? 'it does not parse'}`,
      'Show Problems');
    if (choice) void vscode.commands.executeCommand('workbench.actions.view.problems');
    return undefined;
  }
  const model = await requireModel(ctx);
  if (!model || !(await saveIfDirty(document))) return undefined;
  await ctx.state.setLastPromptFile(document.uri.fsPath);
  return { document, analysis: analysis as Runnable['analysis'], model };
}

