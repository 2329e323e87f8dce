import * as assert from 'node:assert/strict';
import { contentSecurityPolicy, makeNonce, webviewHtml } from '../../src/extension/views/html';

const shell = {
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/out/webview/main-studio.js',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/webview.css',
  title: 'Prompt Tuning Studio',
  layout: 'studio' as const,
};

function directives(csp: string): Map<string, string[]> {
  return new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
}

describe('webview HTML shell', () => {
  it('denies by default and allows scripts only with the nonce', () => {
    const csp = directives(contentSecurityPolicy(shell.cspSource, 'abc123'));
    assert.deepEqual(csp.get('default-src'), ["'none'"]);
    assert.deepEqual(csp.get('script-src'), ["'nonce-abc123'"]);
    assert.deepEqual(csp.get('connect-src'), ["'none'"]);
    const all = [...csp.values()].flat();
    for (const unsafe of ["'unsafe-inline'", "'unsafe-eval'", '*', 'https:', 'http:']) assert.ok(!all.includes(unsafe), `CSP allows ${unsafe}`);
    // The only non-keyword source is the extension's own resource origin (plus data: images for charts).
    const sources = [...csp.values()].flat().filter((v) => !v.startsWith("'"));
    assert.deepEqual([...new Set(sources)].sort(), [shell.cspSource, 'data:'].sort());
  });

  it('puts the same fresh nonce on the policy, the script and the stylesheet', () => {
    const html = webviewHtml(shell);
    const nonce = /script-src 'nonce-([^']+)'/.exec(html)?.[1];
    assert.ok(nonce && nonce.length >= 16);
    assert.ok(html.includes(`<script type="module" nonce="${nonce}" src="${shell.scriptUri}">`));
    assert.ok(html.includes(`<link rel="stylesheet" nonce="${nonce}" href="${shell.styleUri}">`));
    assert.equal((html.match(/<script/g) ?? []).length, 1, 'exactly one script tag');
    assert.doesNotMatch(html, /<script[^>]*>[^<]/, 'no inline script');
    assert.notEqual(makeNonce(), makeNonce());
  });

  it('escapes what it interpolates', () => {
    const html = webviewHtml({ ...shell, title: '</title><script>alert(1)</script>', scriptUri: 'x" onload="alert(1)' });
    assert.doesNotMatch(html, /<script>alert/);
    assert.match(html, /&lt;\/title&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(html, /src="x&quot; onload=&quot;alert\(1\)"/);
  });
});
