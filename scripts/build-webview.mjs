// Bundles the webview UI: every webview/main-*.ts becomes out/webview/main-*.js, one ES module each (with
// @vscode-elements/elements and chart.js inside: no remote resources). Type-checks webview/ first (tsc with the
// DOM library; the main tsconfig leaves webview/ out), so a type error fails the build.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const entries = existsSync('webview') ? readdirSync('webview').filter((f) => /^main-.*\.ts$/.test(f)).map((f) => `webview/${f}`) : [];
if (entries.length > 0) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', 'webview/tsconfig.json'], { stdio: 'inherit' });
  } catch {
    console.error('build-webview: type errors in webview/ (see above)');
    process.exit(1);
  }
  await build({
    entryPoints: entries, bundle: true, format: 'esm', target: 'es2022', outdir: 'out/webview', minify: true,
    legalComments: 'linked', logLevel: 'warning',
  });
}
