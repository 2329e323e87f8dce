/**
 * Connects one VS Code webview (side panel or Studio) to the UI store: sets its options and HTML shell,
 * pushes state, and validates every incoming message before handing it on.
 */
import * as vscode from 'vscode';
import { webviewHtml } from './html';
import { parseWebviewMessage, type HostMessage, type WebviewMessage } from './protocol';
import type { UiStore } from './uiStore';

export type WebviewLayout = 'sidebar' | 'studio';

export interface WebviewDeps {
  extensionUri: vscode.Uri;
  store: UiStore;
  output: vscode.LogOutputChannel;
  /** Handles every validated message except `ready`, which this module answers itself. */
  onMessage(message: Exclude<WebviewMessage, { type: 'ready' }>): void | Promise<void>;
}

/** Only the bundled UI and the stylesheet folder may be loaded by a webview. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'out', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

export function attachWebview(webview: vscode.Webview, layout: WebviewLayout, deps: WebviewDeps): vscode.Disposable {
  const { extensionUri, store, output } = deps;
  webview.options = webviewOptions(extensionUri);
  webview.html = webviewHtml({
    cspSource: webview.cspSource,
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'out', 'webview', `main-${layout}.js`)).toString(),
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'webview.css')).toString(),
    title: layout === 'studio' ? vscode.l10n.t('Prompt Tuning Studio') : vscode.l10n.t('Prompt Tuning'),
    layout,
    l10n: vscode.l10n.bundle,
    lang: vscode.env.language,
  });
  const post = (message: HostMessage) => void webview.postMessage(message);
  const subscriptions = [
    store.onChange((state) => post({ type: 'state', state })),
    webview.onDidReceiveMessage(async (raw: unknown) => {
      const message = parseWebviewMessage(raw);
      if (!message) {
        output.warn(`ignored a malformed message from the ${layout} webview: ${truncate(safeJson(raw), 200)}`);
        return;
      }
      if (message.type === 'ready') {
        post({ type: 'state', state: store.state });
        return;
      }
      try {
        await deps.onMessage(message);
      } catch (error) {
        output.error(`webview request ${message.type} failed: ${error instanceof Error ? error.message : String(error)}`);
        void vscode.window.showErrorMessage(error instanceof Error ? error.message : String(error));
      }
    }),
  ];
  return vscode.Disposable.from(...subscriptions);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
