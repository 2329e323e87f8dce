/** The side panel: a webview view in the Prompt Tuning activity-bar container. */
import * as vscode from 'vscode';
import { attachWebview, type WebviewDeps } from './webviewHost';

export const SIDE_PANEL_VIEW_ID = 'promptTuning.sidePanel';

export class SidePanelProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private connection: vscode.Disposable | undefined;
  private view: vscode.WebviewView | undefined;

  constructor(private readonly deps: WebviewDeps) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.connection?.dispose();
    this.connection = attachWebview(view.webview, 'sidebar', this.deps);
    this.view = view;
    view.onDidDispose(() => {
      this.connection?.dispose();
      this.connection = undefined;
      this.view = undefined;
    });
  }

  /** Brings the panel into sight (e.g. to watch a streamed answer) and leaves the keyboard in the editor. */
  reveal(): void {
    if (this.view) {
      if (!this.view.visible) this.view.show(true);
      return;
    }
    // Not created yet in this window: its focus command creates it; then the editor gets the focus back.
    void vscode.commands.executeCommand(`${SIDE_PANEL_VIEW_ID}.focus`).then(
      () => vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup'),
      () => undefined);
  }

  dispose(): void {
    this.connection?.dispose();
  }
}
