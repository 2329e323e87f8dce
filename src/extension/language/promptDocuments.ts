/**
 * What the extension knows about an open `.prompt` document: its parse (from the text in the editor, not
 * the disk), where its body starts, the datasets chosen for it and the facts of those datasets (columns,
 * labels, rows), cached by file modification time.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readDataset } from '../../data/read';
import type { Dataset } from '../../data/types';
import { bodyLines } from './bodyLines';
import { displayPath } from '../paths';
import { checkPromptText, datasetContext, detectDotprompt, parsePromptFile, type DatasetContext, type Diagnostic, type DotpromptVerdict, type PromptFile } from '../../prompts';
import type { PersistentState, PromptDatasets } from '../state';

export { bodyLines };

/** Not "prompt": VS Code itself uses that id for Copilot's *.prompt.md files and validates them its own way. */
export const PROMPT_LANGUAGE_ID = 'ptune-prompt';
export const PROMPT_SELECTOR: vscode.DocumentSelector = [{ language: PROMPT_LANGUAGE_ID }];

export function isPromptDocument(document: vscode.TextDocument | undefined): document is vscode.TextDocument {
  return document?.languageId === PROMPT_LANGUAGE_ID;
}

export interface DocumentAnalysis {
  /** The parsed prompt, when the text has no errors. */
  prompt?: PromptFile;
  diagnostics: Diagnostic[];
  /** 0-based line where the body starts (the line after the closing `---`), when the front matter closes. */
  bodyLine?: number;
  /** 0-based last line of the body that has text (where inline results go). */
  lastBodyLine?: number;
  /** The dataset the checks used (the dev dataset, else the training one). */
  dataset?: Dataset;
  datasetError?: string;
  /** Set when the file is Google's Dotprompt, not ours: then nothing is checked (no diagnostics, no prompt). */
  dotprompt?: DotpromptVerdict;
}

/** Rows the editor reads from a dataset for completions, checks and the preview. */
export const PREVIEW_ROWS = 1000;

export class PromptDocuments {
  private readonly datasetCache = new Map<string, { stamp: string; data: Promise<Dataset> }>();

  constructor(private readonly state: PersistentState) {}

  datasetsFor(document: vscode.TextDocument | string): PromptDatasets {
    return this.state.datasetsFor(typeof document === 'string' ? document : document.uri.fsPath);
  }

  /** The dataset used for previews, tests and evaluation of a prompt: dev if chosen, else train. */
  previewDatasetFile(document: vscode.TextDocument | string): string | undefined {
    const chosen = this.datasetsFor(document);
    return chosen.dev ?? chosen.train;
  }

  /**
   * Reads the first PREVIEW_ROWS records of a dataset (all columns, bad rows skipped), reusing the last read
   * while the file is unchanged. Never the whole file: this runs on the extension host, and datasets can be
   * hundreds of megabytes (the CLI and the worker read them whole, streaming).
   */
  async dataset(file: string): Promise<Dataset> {
    const stat = await fs.stat(file);
    const stamp = `${stat.mtimeMs}:${stat.size}`;
    const cached = this.datasetCache.get(file);
    if (cached?.stamp === stamp) return cached.data;
    const data = readDataset(file, { skipInvalid: true, head: PREVIEW_ROWS });
    this.datasetCache.set(file, { stamp, data });
    data.catch(() => this.datasetCache.delete(file));
    return data;
  }

  /** Parses and checks the document's current text, against its dataset when one is chosen. */
  async analyze(document: vscode.TextDocument): Promise<DocumentAnalysis> {
    const text = document.getText();
    const file = displayPath(document.uri.fsPath);
    const analysis: DocumentAnalysis = { diagnostics: [], ...bodyLines(text) };
    const dotprompt = detectDotprompt(text);
    if (dotprompt.isDotprompt) return { ...analysis, dotprompt };
    try {
      analysis.prompt = parsePromptFile(text, file);
    } catch {
      // checkPromptText below reports why.
    }
    let context: DatasetContext | undefined;
    const datasetFile = this.previewDatasetFile(document);
    if (datasetFile) {
      try {
        analysis.dataset = await this.dataset(datasetFile);
        context = analysis.prompt ? datasetContext(analysis.prompt, analysis.dataset) : { file: datasetFile, columns: analysis.dataset.columns };
      } catch (error) {
        analysis.datasetError = vscode.l10n.t('cannot read the dataset {0}: {1}', datasetFile, error instanceof Error ? error.message : String(error));
      }
    }
    analysis.diagnostics = checkPromptText(text, file, context);
    return analysis;
  }
}

