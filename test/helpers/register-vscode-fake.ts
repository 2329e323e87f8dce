/**
 * Makes `require('vscode')` resolve to the fake (vscode-fake.ts) for the whole mocha run: .mocharc.json
 * requires this before any spec file, so the extension modules that take `l10n` from 'vscode' load in unit
 * tests. A test file that loads such a module imports this first too, so it also runs alone (`--no-config`).
 */
import './vscode-fake';
