/**
 * The HTML shell of every webview: a strict Content-Security-Policy whose only script is the bundled module
 * carrying a fresh nonce, no remote origins, and a root element the bundle renders into. No `vscode` import,
 * so tests can check the policy directly.
 */
import { randomBytes } from 'node:crypto';

export interface WebviewShell {
  /** `webview.cspSource`: the origin of the extension's local resources. */
  cspSource: string;
  /** `webview.asWebviewUri(...)` of the bundled script and stylesheet. */
  scriptUri: string;
  styleUri: string;
  title: string;
  /** Which layout the bundle renders ("sidebar" or "studio"). */
  layout: 'sidebar' | 'studio';
  /**
   * `vscode.l10n.bundle`: the translations the webview configures `@vscode/l10n` with before it renders
   * (src/common/sharedL10n.ts). Undefined in English.
   */
  l10n?: Record<string, string>;
  /** `vscode.env.language` (BCP 47), so screen readers read translated texts in their language; default en. */
  lang?: string;
  nonce?: string;
}

/** 128 random bits, base64: unguessable per page load. */
export function makeNonce(): string {
  return randomBytes(16).toString('base64');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
    "connect-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function webviewHtml(shell: WebviewShell): string {
  const nonce = shell.nonce ?? makeNonce();
  const a = escapeAttribute;
  return `<!DOCTYPE html>
<html lang="${a(shell.lang ?? 'en')}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${a(contentSecurityPolicy(shell.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${a(nonce)}" href="${a(shell.styleUri)}">
<title>${a(shell.title)}</title>
</head>
<body data-layout="${a(shell.layout)}"${shell.l10n ? ` data-l10n="${a(JSON.stringify(shell.l10n))}"` : ''}>
<main id="app"></main>
<script type="module" nonce="${a(nonce)}" src="${a(shell.scriptUri)}"></script>
</body>
</html>`;
}
