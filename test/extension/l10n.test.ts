/**
 * The extension host's texts go through vscode.l10n.t in a form `@vscode/l10n-dev export` can extract (it reads
 * only literal messages) and with as many arguments as placeholders; no message box or quick pick shows a raw
 * English literal. Static scans of src/extension.
 */
import * as assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import * as ts from 'typescript';
import { calls, hasRawProse, isL10nCall, l10nCallProblems, parse, root, sourceFiles, where } from '../helpers/l10nScan';
import { l10n } from '../helpers/vscode-fake';

const extensionDir = join(root, 'src/extension');

/**
 * Files another change is converting: their raw texts are allowed for now. Remove a file from this list once
 * it is converted (the last test below says when).
 */
const NOT_YET_CONVERTED: string[] = [];

/** Option fields the user reads, in the options of the window's pickers, dialogs and progress. */
const SHOWN_OPTIONS = ['title', 'placeHolder', 'prompt', 'openLabel', 'saveLabel', 'detail'];
/** Item fields the user reads, in an inline list of quick-pick items. */
const SHOWN_ITEM_FIELDS = ['label', 'description', 'detail'];

/** Raw literals a user would read in message boxes, quick picks, input boxes, dialogs and progress titles. */
function rawUiStrings(source: ts.SourceFile): string[] {
  const found: string[] = [];
  const check = (node: ts.Expression | undefined, what: string) => {
    if (node && hasRawProse(node, source)) found.push(`${where(source, node)}: ${what} ${node.getText(source).slice(0, 80)}`);
  };
  const checkObject = (node: ts.Expression | undefined, fields: string[], what: string) => {
    if (!node || !ts.isObjectLiteralExpression(node)) return;
    for (const p of node.properties) {
      if (ts.isPropertyAssignment(p) && fields.includes(p.name.getText(source))) check(p.initializer, `${what} ${p.name.getText(source)}:`);
    }
  };
  for (const call of calls(source)) {
    const callee = call.expression.getText(source);
    const method = /^vscode\.window\.(\w+)$/.exec(callee)?.[1];
    if (!method) continue;
    if (/^show(Information|Warning|Error)Message$/.test(method)) {
      for (const arg of call.arguments) {
        if (ts.isObjectLiteralExpression(arg)) checkObject(arg, ['detail', 'title'], method);
        else check(arg, `${method}:`);
      }
    } else if (['showQuickPick', 'showInputBox', 'showOpenDialog', 'showSaveDialog', 'withProgress', 'showWorkspaceFolderPick'].includes(method)) {
      const [first, second] = call.arguments;
      const options = method === 'showQuickPick' ? second : first;
      checkObject(options, SHOWN_OPTIONS, method);
      if (method === 'showQuickPick' && first && ts.isArrayLiteralExpression(first)) {
        for (const item of first.elements) {
          if (ts.isObjectLiteralExpression(item)) checkObject(item, SHOWN_ITEM_FIELDS, 'quick-pick item');
          else check(item, 'quick-pick item');
        }
      }
    }
  }
  return found;
}

/** Modules of src/extension the webview bundle imports: they translate through @vscode/l10n (src/common/sharedL10n.ts). */
const SHARED_WITH_WEBVIEWS = ['datasets/roles.ts'];

const files = sourceFiles(extensionDir);
const parsed = files.map((file) => ({ file, name: relative(extensionDir, file).split('\\').join('/'), source: parse(file) }));

describe('vscode.l10n in the extension host (issue 15)', () => {
  it('every l10n.t message is a literal, with as many arguments as {n} placeholders', () => {
    const all = parsed.flatMap(({ source }) => calls(source).filter((c) => isL10nCall(c, source)));
    assert.ok(all.length >= 250, `only ${all.length} l10n.t calls found: is the scan still finding them?`);
    assert.deepEqual(parsed.flatMap(({ source }) => l10nCallProblems(source)), []);
  });

  it('a module that calls l10n.t takes l10n from \'vscode\', where l10n-dev looks for it', () => {
    for (const { name, source } of parsed) {
      if (!calls(source).some((c) => isL10nCall(c, source))) continue;
      const text = source.getFullText();
      if (SHARED_WITH_WEBVIEWS.includes(name)) {
        // The webview bundle imports it: @vscode/l10n, which activate() configures with the same bundle.
        assert.match(text, /^import \* as l10n from '@vscode\/l10n';$/m, `${name} is shared with the webviews: it takes l10n from '@vscode/l10n'`);
        assert.doesNotMatch(text, /from 'vscode'/, `${name} is shared with the webviews: no 'vscode' import`);
        continue;
      }
      const imported = /^import \* as vscode from 'vscode';$/m.test(text) || /^import \{[^}]*\bl10n\b[^}]*\} from 'vscode';$/m.test(text);
      assert.ok(imported, `${name} calls l10n.t without taking l10n from 'vscode'`);
    }
  });

  it('no message, quick pick, input box, dialog or progress title shows a raw English literal', () => {
    assert.deepEqual(parsed.filter(({ name }) => !NOT_YET_CONVERTED.includes(name)).flatMap(({ source }) => rawUiStrings(source)), []);
  });

  it('the scans catch what they look for', () => {
    const sample = parse('sample.ts', [
      "vscode.window.showErrorMessage(`${file} is broken`, 'Retry');",
      "vscode.window.showQuickPick([{ label: 'Pick me' }, { label: '$(edit)' }], { title: vscode.l10n.t('Fine'), placeHolder: 'Not fine' });",
      "vscode.window.withProgress({ location: 1, title: `Loading ${x}` }, f);",
      "vscode.window.showInformationMessage(vscode.l10n.t('Done {0}', x), { modal: true, detail: 'Raw detail' });",
      "vscode.l10n.t(`Hello ${name}`);",
      "vscode.l10n.t('{0} and {1}', a);",
      "l10n.t('{1} only', a, b);",
      "vscode.l10n.t({ message: 'x {0}', args: [a, b], comment: 'c' });",
      "vscode.l10n.t({ message: 'y', comment: ['c'] });",
      "vscode.l10n.t(message);",
    ].join('\n'));
    assert.deepEqual(rawUiStrings(sample).map((s) => s.replace(/^sample\.ts:\d+: /, '').split(' ').slice(0, 2).join(' ')), [
      'showErrorMessage: `${file}', 'showErrorMessage: \'Retry\'', 'showQuickPick placeHolder:', 'quick-pick item', 'withProgress title:', 'showInformationMessage detail:',
    ]);
    const problems = l10nCallProblems(sample);
    assert.equal(problems.length, 5, problems.join('\n'));
    assert.match(problems[0], /not a string literal/);
    assert.match(problems[1], /2 placeholder\(s\), called with 1/);
    assert.match(problems[2], /never uses \{0\}/);
    assert.match(problems[3], /1 placeholder\(s\), called with 2/);
    assert.match(problems[4], /not a string literal/);
  });

  it('the files left to convert still have raw texts (remove a converted one from NOT_YET_CONVERTED)', () => {
    for (const name of NOT_YET_CONVERTED) {
      const entry = parsed.find((p) => p.name === name);
      if (!entry) continue;
      assert.ok(rawUiStrings(entry.source).length > 0, `${name} shows no raw English any more: take it off NOT_YET_CONVERTED so it stays that way`);
    }
  });
});

describe('the fake vscode.l10n (test/helpers/vscode-fake.ts: the unit tests\' English texts)', () => {
  it('fills {0}-style and named placeholders as vscode.l10n.t does, and leaves others alone', () => {
    assert.equal(l10n.t('Copied {0} files into {1}.', 3, 'samples'), 'Copied 3 files into samples.');
    assert.equal(l10n.t('Hello {name}', { name: 'Ada' }), 'Hello Ada');
    assert.equal(l10n.t({ message: '{0} ({1})', args: ['run', 'done'], comment: ['c'] }), 'run (done)');
    assert.equal(l10n.t('Text for {{ review }}'), 'Text for {{ review }}');
    assert.equal(l10n.t('{0} of {{ x }} and {2}', 'a'), 'a of {{ x }} and {2}');
    assert.equal(l10n.t('Stop'), 'Stop');
  });
});
