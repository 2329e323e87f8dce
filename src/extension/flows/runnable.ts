/** The checks before any run of a prompt file: it parses without errors, a model is selected, it is saved. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PromptFile } from '../../prompts';
import type { Ctx } from '../ctx';
import type { DocumentAnalysis } from '../language/promptDocuments';
import { askDataset, pickPromptDocument, rememberedDataset, requireModel, saveIfDirty } from './pickers';
import { cancelFlow, runSteps, type Step } from './multiStep';

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
    const name = path.basename(document.uri.fsPath);
    const first = errors[0]?.message ?? vscode.l10n.t('it does not parse');
    const choice = await vscode.window.showErrorMessage(
      errors.length === 0 ? vscode.l10n.t('{0} has some problems: {1}', name, first)
        : errors.length === 1 ? vscode.l10n.t('{0} has 1 problem: {1}', name, first)
        : vscode.l10n.t('{0} has {1} problems: {2}', name, errors.length, first),
      vscode.l10n.t('Show Problems'));
    if (choice) void vscode.commands.executeCommand('workbench.actions.view.problems');
    return undefined;
  }
  const model = await requireModel(ctx);
  if (!model || !(await saveIfDirty(document))) return undefined;
  await ctx.state.setLastPromptFile(document.uri.fsPath);
  return { document, analysis: analysis as Runnable['analysis'], model };
}


/** A runnable prompt with its training set and (optional) dev set: what Train, Find a Hard Prompt and the export start from. */
export interface TrainingRun extends Runnable {
  promptFile: string;
  train: string;
  dev?: string;
}

/** `prepare`, then the prompt's training file (asked for unless remembered) and its dev file (remembered, else offered). */
export async function prepareTraining(ctx: Ctx, uri: vscode.Uri | undefined): Promise<TrainingRun | undefined> {
  const runnable = await prepare(ctx, uri);
  if (!runnable) return undefined;
  const promptFile = runnable.document.uri.fsPath;
  const data: TrainingData = {};
  if (!(await runSteps(data, trainingDataSteps(ctx, promptFile, data)))) return undefined;
  const chosen = trainingDataChosen(ctx, promptFile, data);
  return chosen && { ...runnable, promptFile, ...chosen };
}

/** The answers of the training-data questions, kept across Back. */
export interface TrainingData {
  train?: string;
  dev?: string;
  trainAsked?: boolean;
  devAsked?: boolean;
}

/**
 * The training file (asked unless remembered) and the dev file (asked, with None, unless one is remembered) as
 * steps of a flow; once asked, a question is asked again after a Back even though its answer is now remembered.
 */
export function trainingDataSteps<S>(ctx: Ctx, promptFile: string, data: TrainingData): Step<S>[] {
  return [
    { skip: () => !data.trainAsked && rememberedDataset(ctx, promptFile, 'train') !== undefined, run: async (input) => {
      data.trainAsked = true;
      const file = await askDataset(input, ctx, promptFile, 'train');
      if (!file) cancelFlow();
      data.train = file;
    } },
    { skip: () => !data.devAsked && ctx.state.datasetsFor(promptFile).dev !== undefined, run: async (input) => {
      data.devAsked = true;
      data.dev = (await askDataset(input, ctx, promptFile, 'dev', { optional: true })) ?? undefined;
    } },
  ];
}

/** The files the training-data steps settled on: the answers, else the remembered files; undefined without a training file. */
export function trainingDataChosen(ctx: Ctx, promptFile: string, data: TrainingData): { train: string; dev?: string } | undefined {
  const train = data.train ?? rememberedDataset(ctx, promptFile, 'train');
  const dev = data.devAsked ? data.dev : ctx.state.datasetsFor(promptFile).dev;
  return train ? { train, dev } : undefined;
}
