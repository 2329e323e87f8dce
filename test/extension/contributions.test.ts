import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WEBVIEW_COMMANDS } from '../../src/extension/views/protocol';

const root = join(__dirname, '../../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const contributed: string[] = pkg.contributes.commands.map((c: { command: string }) => c.command);

describe('package.json contributions', () => {
  it('puts every command in the "Prompt Tuning" category', () => {
    for (const c of pkg.contributes.commands) assert.equal(c.category, 'Prompt Tuning', c.command);
  });

  it('registers exactly the contributed commands', () => {
    const source = readFileSync(join(root, 'src/extension/commands.ts'), 'utf8');
    const block = source.slice(source.indexOf('const commands'), source.indexOf('return Object.entries(commands)'));
    const registered = [...block.matchAll(/'(promptTuning\.\w+)'\s*:/g)].map((m) => m[1]);
    assert.deepEqual([...registered].sort(), [...contributed].sort());
  });

  it('lets webviews run only contributed commands, and menus name only contributed commands', () => {
    for (const command of WEBVIEW_COMMANDS) assert.ok(contributed.includes(command), command);
    for (const entries of Object.values(pkg.contributes.menus) as { command: string }[][]) {
      for (const entry of entries) assert.ok(contributed.includes(entry.command), entry.command);
    }
  });

  it('ships a grammar and language configuration that match the declaration', () => {
    const grammar = JSON.parse(readFileSync(join(root, pkg.contributes.grammars[0].path), 'utf8'));
    assert.equal(grammar.scopeName, pkg.contributes.grammars[0].scopeName);
    const includes = JSON.stringify(grammar).match(/"include":"#([\w-]+)"/g) ?? [];
    for (const include of includes) {
      const name = include.slice('"include":"#'.length, -1);
      assert.ok(grammar.repository[name], `grammar includes #${name}, which the repository lacks`);
    }
    const config = JSON.parse(readFileSync(join(root, pkg.contributes.languages[0].configuration), 'utf8'));
    assert.deepEqual(config.comments.blockComment, ['{#', '#}']);
  });

  it('declares the side panel in its own activity-bar container', () => {
    const container = pkg.contributes.viewsContainers.activitybar[0];
    assert.equal(pkg.contributes.views[container.id][0].type, 'webview');
    assert.equal(pkg.contributes.views[container.id][0].id, 'promptTuning.sidePanel');
  });
});
