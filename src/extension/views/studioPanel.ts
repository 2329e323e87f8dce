/** The Studio: one editor panel with the prompt, training, projection and benchmark views as tabs. */
import * as vscode from 'vscode';
import type { ViewName } from './protocol';
import { attachWebview, webviewOptions, type WebviewDeps } from './webviewHost';

export const STUDIO_VIEW_TYPE = 'promptTuning.studio';

export class StudioPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private connection: vscode.Disposable | undefined;
  private readonly registration: vscode.Disposable;
  private readonly closed = new vscode.EventEmitter<void>();
  /** The Studio panel was closed (what only it shows, such as the dataset grid, can stop). */
  readonly onDidClose = this.closed.event;

  constructor(private readonly deps: WebviewDeps) {
    // Brings a Studio that was open before a window reload back.
    this.registration = vscode.window.registerWebviewPanelSerializer(STUDIO_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel) => this.adopt(panel),
    });
  }

  /** Opens (or reveals) the Studio and switches it to `view`. */
  show(view: ViewName): void {
    if (!this.panel) {
      const panel = vscode.window.createWebviewPanel(STUDIO_VIEW_TYPE, vscode.l10n.t('Prompt Tuning Studio'),
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        { ...webviewOptions(this.deps.extensionUri), retainContextWhenHidden: true });
      this.adopt(panel);
    } else {
      // Never over the editor being worked in (a prompt file opened in the Studio's group): beside it instead.
      const editor = vscode.window.activeTextEditor?.viewColumn;
      this.panel.reveal(editor !== undefined && editor === this.panel.viewColumn ? vscode.ViewColumn.Beside : undefined, true);
    }
    this.deps.store.show(view);
  }

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  private adopt(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.iconPath = vscode.Uri.joinPath(this.deps.extensionUri, 'media', 'activity-bar.svg');
    this.connection = attachWebview(panel.webview, 'studio', this.deps);
    panel.onDidDispose(() => {
      this.connection?.dispose();
      this.connection = undefined;
      this.panel = undefined;
      this.closed.fire();
    });
  }

  dispose(): void {
    this.registration.dispose();
    this.panel?.dispose();
    this.closed.dispose();
  }
}
