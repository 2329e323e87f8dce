/**
 * Results shown inline: a decoration after the last line of a prompt's body (predicted label and
 * probabilities, generated text, or dataset metrics). A result disappears when its document is edited,
 * since it no longer describes the text.
 */
import * as vscode from 'vscode';
import { oneLine } from './inlineText';

interface InlineResult {
  line: number;
  text: string;
  hover: vscode.MarkdownString;
}

export class InlineResults implements vscode.Disposable {
  private readonly decoration = vscode.window.createTextEditorDecorationType({
    after: { margin: '0 0 0 2em', color: new vscode.ThemeColor('editorCodeLens.foreground'), fontStyle: 'italic' },
    isWholeLine: false,
  });
  private readonly results = new Map<string, InlineResult>();
  private readonly subscriptions: vscode.Disposable[];

  constructor() {
    this.subscriptions = [
      vscode.window.onDidChangeVisibleTextEditors(() => this.renderAll()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0 && this.results.delete(e.document.uri.toString())) this.renderAll();
      }),
    ];
  }

  /** Shows `text` after `line` of `uri` (plain text; rendered by VS Code as CSS content, never as HTML). */
  show(uri: vscode.Uri, line: number, text: string, hover: string): void {
    const markdown = new vscode.MarkdownString();
    markdown.appendCodeblock(hover, 'text');
    this.results.set(uri.toString(), { line, text: oneLine(text), hover: markdown });
    this.renderAll();
  }

  clear(uri: vscode.Uri): void {
    if (this.results.delete(uri.toString())) this.renderAll();
  }

  private renderAll(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const result = this.results.get(editor.document.uri.toString());
      if (!result || result.line >= editor.document.lineCount) {
        editor.setDecorations(this.decoration, []);
        continue;
      }
      const end = editor.document.lineAt(result.line).range.end;
      editor.setDecorations(this.decoration, [{
        range: new vscode.Range(end, end),
        hoverMessage: result.hover,
        renderOptions: { after: { contentText: result.text } },
      }]);
    }
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.decoration.dispose();
  }
}
