/**
 * Validation while typing: every open `.prompt` document is checked (debounced) with the prompt validator,
 * against its chosen dataset, and the results land in the Problems panel with ranges. Other features read
 * the latest analysis from here.
 */
import * as vscode from 'vscode';
import type { Diagnostic } from '../../prompts';
import { isPromptDocument, type DocumentAnalysis, type PromptDocuments } from './promptDocuments';

const DEBOUNCE_MS = 250;

export class PromptDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('prompt');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly latest = new Map<string, { version: number; analysis: DocumentAnalysis }>();
  private readonly emitter = new vscode.EventEmitter<{ document: vscode.TextDocument; analysis: DocumentAnalysis }>();
  private readonly subscriptions: vscode.Disposable[];
  /** Fires after a document was (re)analyzed. */
  readonly onDidAnalyze = this.emitter.event;

  constructor(private readonly documents: PromptDocuments) {
    this.subscriptions = [
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document, DEBOUNCE_MS)),
      vscode.workspace.onDidCloseTextDocument((d) => this.forget(d)),
    ];
    for (const document of vscode.workspace.textDocuments) this.schedule(document, 0);
  }

  /** The analysis of the document's current text (computed now if the cached one is stale). */
  async analysis(document: vscode.TextDocument): Promise<DocumentAnalysis> {
    const cached = this.latest.get(document.uri.toString());
    if (cached && cached.version === document.version) return cached.analysis;
    return this.run(document);
  }

  /** Re-checks every open prompt document (after its dataset changed). */
  refreshAll(): void {
    this.latest.clear();
    for (const document of vscode.workspace.textDocuments) this.schedule(document, 0);
  }

  private schedule(document: vscode.TextDocument, delay: number): void {
    if (!isPromptDocument(document)) return;
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      void this.run(document);
    }, delay));
  }

  private async run(document: vscode.TextDocument): Promise<DocumentAnalysis> {
    const version = document.version;
    const analysis = await this.documents.analyze(document);
    if (document.isClosed || document.version !== version) return analysis;
    this.latest.set(document.uri.toString(), { version, analysis });
    const diagnostics = analysis.diagnostics.map((d) => toVscodeDiagnostic(document, d));
    if (analysis.datasetError) {
      diagnostics.push(new vscode.Diagnostic(new vscode.Range(0, 0, 0, 3), analysis.datasetError, vscode.DiagnosticSeverity.Warning));
    }
    this.collection.set(document.uri, diagnostics);
    this.emitter.fire({ document, analysis });
    return analysis;
  }

  private forget(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.latest.delete(key);
    this.collection.delete(document.uri);
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    for (const s of this.subscriptions) s.dispose();
    this.collection.dispose();
    this.emitter.dispose();
  }
}

/** The validator's 1-based positions (end column just past the last character) as a VS Code range. */
export function toVscodeDiagnostic(document: vscode.TextDocument, d: Diagnostic): vscode.Diagnostic {
  const lastLine = Math.max(0, document.lineCount - 1);
  const line = clamp(d.line - 1, 0, lastLine);
  const start = new vscode.Position(line, Math.max(0, d.column - 1));
  let end: vscode.Position;
  if (d.endLine !== undefined && d.endColumn !== undefined) {
    end = new vscode.Position(clamp(d.endLine - 1, 0, lastLine), Math.max(0, d.endColumn - 1));
  } else {
    end = document.getWordRangeAtPosition(start)?.end ?? document.lineAt(line).range.end;
  }
  if (end.isBeforeOrEqual(start)) end = document.lineAt(line).range.end.isAfter(start) ? document.lineAt(line).range.end : start.translate(0, 0);
  const diagnostic = new vscode.Diagnostic(new vscode.Range(start, end), d.message,
    d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
  diagnostic.source = 'prompt';
  return diagnostic;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
