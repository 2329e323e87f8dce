/** The side panel: a webview view in the Prompt Tuning activity-bar container. */
import * as vscode from 'vscode';
import { attachWebview, type WebviewDeps } from './webviewHost';

export const SIDE_PANEL_VIEW_ID = 'promptTuning.sidePanel';

export class SidePanelProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private connection: vscode.Disposable | undefined;

  constructor(private readonly deps: WebviewDeps) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.connection?.dispose();
    this.connection = attachWebview(view.webview, 'sidebar', this.deps);
    view.onDidDispose(() => {
      this.connection?.dispose();
      this.connection = undefined;
    });
  }

  dispose(): void {
    this.connection?.dispose();
  }
}
