import '../helpers/register-vscode-fake'; // before the extension modules: they take l10n from 'vscode'
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WEBVIEW_COMMANDS } from '../../src/extension/views/protocol';
import { softPromptContext } from '../../src/extension/artifacts/softPrompts';
import { runItem, type RunRecord } from '../../src/extension/artifacts/runHistory';
import type { TrainingRecord } from '../../src/tuning/training-record';

const root = join(__dirname, '../../..');
/** package.json as written: user-facing texts are `%key%` references into package.nls.json. */
const rawPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const nls: Record<string, string> = JSON.parse(readFileSync(join(root, 'package.nls.json'), 'utf8'));
/** What VS Code's manifest localization matches: a whole string `%key%` (letters, digits, dots, hyphens). */
const NLS_REFERENCE = /^%([\w.-]+)%$/;
/** package.json as VS Code shows it in English: every `%key%` replaced by its package.nls.json text. */
const pkg = resolveNls(rawPkg);
const contributed: string[] = pkg.contributes.commands.map((c: { command: string }) => c.command);

function resolveNls(value: unknown): any {
  if (typeof value === 'string') {
    const key = NLS_REFERENCE.exec(value)?.[1];
    return key !== undefined && key in nls ? nls[key] : value;
  }
  if (Array.isArray(value)) return value.map(resolveNls);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveNls(v)]));
  return value;
}

/** Every string in `value` with its JSON path. */
function strings(value: unknown, at = ''): { at: string; text: string }[] {
  if (typeof value === 'string') return [{ at, text: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${at}[${i}]`));
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => strings(v, at ? `${at}.${k}` : k));
  return [];
}

describe('package.json localization (package.nls.json)', () => {
  const references = strings(rawPkg).filter((s) => s.text.startsWith('%') && s.text.endsWith('%') && s.text.length > 2);

  it('every %key% in package.json is a well-formed reference with an English text in package.nls.json', () => {
    assert.ok(references.length >= 80, `${references.length} references`);
    for (const { at, text } of references) {
      const key = NLS_REFERENCE.exec(text)?.[1];
      assert.ok(key, `${at}: ${text} is not a reference VS Code resolves (only letters, digits, "." and "-" between the %s)`);
      assert.equal(typeof nls[key], 'string', `${at}: ${text} has no entry in package.nls.json`);
      assert.notEqual(nls[key].trim(), '', `${at}: ${text} is empty in package.nls.json`);
    }
  });

  it('every package.nls.json key is used by package.json', () => {
    const used = new Set(references.map((r) => NLS_REFERENCE.exec(r.text)?.[1]));
    assert.deepEqual(Object.keys(nls).filter((key) => !used.has(key)), []);
  });

  it('leaves no user-facing text of the manifest in English in package.json itself', () => {
    const c = rawPkg.contributes;
    const texts = [
      { at: 'displayName', text: rawPkg.displayName }, { at: 'description', text: rawPkg.description },
      { at: 'capabilities.untrustedWorkspaces.description', text: rawPkg.capabilities.untrustedWorkspaces.description },
      { at: 'capabilities.virtualWorkspaces.description', text: rawPkg.capabilities.virtualWorkspaces.description },
      ...c.commands.flatMap((cmd: { command: string; title: string; category: string }) => [{ at: cmd.command, text: cmd.title }, { at: `${cmd.command} category`, text: cmd.category }]),
      ...c.viewsContainers.activitybar.map((v: { id: string; title: string }) => ({ at: v.id, text: v.title })),
      ...Object.values(c.views).flat().flatMap((v: any) => [{ at: v.id, text: v.name }, ...(v.contextualTitle ? [{ at: `${v.id} contextualTitle`, text: v.contextualTitle }] : [])]),
      { at: 'configuration.title', text: c.configuration.title },
      ...Object.entries(c.configuration.properties).flatMap(([id, p]: [string, any]) => [
        ...['description', 'markdownDescription'].filter((f) => p[f] !== undefined).map((f) => ({ at: `${id}.${f}`, text: p[f] })),
        ...(p.enumDescriptions ?? []).map((text: string, i: number) => ({ at: `${id}.enumDescriptions[${i}]`, text })),
      ]),
      ...c.walkthroughs.flatMap((w: any) => [w.title, w.description, ...w.steps.flatMap((s: any) => [s.title, s.description])].map((text: string) => ({ at: w.id, text }))),
    ];
    for (const { at, text } of texts) assert.match(text, NLS_REFERENCE, `${at}: "${text}" is not localizable`);
  });

  it('the .vsix ships package.nls.json (and any translations of it)', () => {
    const ignore = readFileSync(join(root, '.vscodeignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    assert.ok(!ignore.some((pattern) => /^(\*\*\/)?(\*\.json|package\.nls.*|\*)$/.test(pattern)), `.vscodeignore drops package.nls.json: ${ignore.join(', ')}`);
    assert.ok(!ignore.some((pattern) => /^l10n\b/.test(pattern)), '.vscodeignore drops l10n/');
    const packager = readFileSync(join(root, 'scripts/package-vsix.mjs'), 'utf8');
    assert.ok(packager.includes('package.nls.json'), 'scripts/package-vsix.mjs checks that each .vsix holds package.nls.json');
  });
});

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

describe('package.json: onboarding and VS Code conventions (issue 15)', () => {
  it('the walkthrough\'s steps each have a command button to a contributed command and a shipped markdown file', () => {
    const [walkthrough] = pkg.contributes.walkthroughs;
    assert.equal(walkthrough.id, 'promptTuning.gettingStarted');
    const source = readFileSync(join(root, 'src/extension/onboarding/flows.ts'), 'utf8');
    assert.ok(source.includes(`WALKTHROUGH_ID = '${walkthrough.id}'`), 'Get Started opens this walkthrough');
    const ignore = readFileSync(join(root, '.vscodeignore'), 'utf8');
    assert.ok(!/^media\//m.test(ignore), 'media/ ships');
    for (const step of walkthrough.steps) {
      const buttons = [...step.description.matchAll(/^\[[^\]]+\]\(command:([\w.]+)\)$/gm)].map((m: RegExpMatchArray) => m[1]);
      assert.ok(buttons.length > 0, `${step.id} has a button (a command link on its own line)`);
      for (const command of buttons) assert.ok(contributed.includes(command), command);
      assert.ok(readFileSync(join(root, step.media.markdown), 'utf8').startsWith('# '), step.media.markdown);
    }
    assert.deepEqual(walkthrough.steps.map((s: { id: string }) => s.id), ['model', 'samples', 'test', 'train', 'benchmark']);
  });

  it('declares limited support in untrusted workspaces, restricting the path settings, and no virtual workspaces', () => {
    const { untrustedWorkspaces, virtualWorkspaces } = pkg.capabilities;
    assert.equal(untrustedWorkspaces.supported, 'limited');
    assert.deepEqual(untrustedWorkspaces.restrictedConfigurations, ['promptTuning.model', 'promptTuning.cacheDirectory']);
    for (const key of untrustedWorkspaces.restrictedConfigurations) assert.ok(pkg.contributes.configuration.properties[key], key);
    assert.equal(virtualWorkspaces.supported, false);
  });

  it('context menus on .prompt files, adapter folders and report.json, with when clauses', () => {
    const menus = pkg.contributes.menus as Record<string, { command: string; when?: string }[]>;
    const when = (menu: string, command: string) => menus[menu].filter((e) => e.command === command).map((e) => e.when);
    for (const command of ['promptTuning.testPrompt', 'promptTuning.runOnDataset', 'promptTuning.trainSoftPrompt']) {
      assert.deepEqual(when('explorer/context', command), ['resourceExtname == .prompt'], command);
      assert.deepEqual(when('editor/context', command), ['editorLangId == ptune-prompt'], command);
    }
    assert.deepEqual(when('explorer/context', 'promptTuning.showProjection'), ['explorerResourceIsFolder && resourcePath in promptTuning.adapterFolders']);
    assert.deepEqual(when('explorer/context', 'promptTuning.openReport'), ['resourceFilename == report.json']);
    const softPromptsView = readFileSync(join(root, 'src/extension/artifacts/softPromptsView.ts'), 'utf8');
    assert.ok(softPromptsView.includes("'setContext', 'promptTuning.adapterFolders'"), 'the context key the menu reads is set');
    for (const entry of menus['view/title']) assert.match(entry.when ?? '', /^view == promptTuning\.(sidePanel|softPrompts|runs)\b/);
  });
});

describe('README (the .vsix\'s marketplace page)', () => {
  it('has no relative links: vsce refuses to package them without a repository URL', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const relative = [...readme.matchAll(/\]\((?!https?:|#)([^)]+)\)/g)].map((m) => m[1]);
    assert.deepEqual(relative, []);
  });
});

describe('package.json: the Soft Prompts and Runs views (issue 15)', () => {
  const items: { command: string; when: string; group: string }[] = pkg.contributes.menus['view/item/context'];
  /** Whether a `view == V && viewItem =~ /RE/` clause holds for a view and a context value. */
  const shows = (command: string, view: string, contextValue: string) => items.filter((e) => e.command === command).some((e) => {
    const [viewClause, itemClause] = e.when.split(' && ');
    const regex = /^viewItem =~ \/(.*)\/$/.exec(itemClause)?.[1];
    assert.ok(regex, e.when);
    return viewClause === `view == ${view}` && new RegExp(regex).test(contextValue);
  });

  it('no command title is reached before another by typing that other\'s full title in the palette', () => {
    // The palette keeps commands whose title has the typed words as word prefixes, in order, and lists them
    // alphabetically: "Continue Training from This Soft Prompt" would come before "Train Soft Prompt".
    const words = (title: string) => title.toLowerCase().split(/\s+/);
    const matches = (query: string, title: string) => {
      const target = words(title);
      let at = 0;
      for (const word of words(query)) {
        while (at < target.length && !target[at].startsWith(word)) at++;
        if (at++ >= target.length) return false;
      }
      return true;
    };
    const titles: string[] = pkg.contributes.commands.map((c: { title: string }) => c.title);
    for (const title of titles) {
      const before = titles.filter((other) => other !== title && other.localeCompare(title) < 0 && matches(title, other));
      assert.deepEqual(before, [], `typing "${title}"`);
    }
  });

  it('declares both tree views in the Prompt Tuning container', () => {
    assert.deepEqual(pkg.contributes.views.promptTuning.map((v: { id: string }) => v.id), ['promptTuning.sidePanel', 'promptTuning.softPrompts', 'promptTuning.runs']);
  });

  it('offers Continue Training and Show Projection only on prompt-tuning and P-tuning adapters; the other actions on all', () => {
    for (const method of ['prompt-tuning', 'p-tuning', 'prefix-tuning'] as const) {
      const context = softPromptContext({ method });
      const inputLayer = method !== 'prefix-tuning';
      assert.equal(shows('promptTuning.continueTraining', 'promptTuning.softPrompts', context), inputLayer, method);
      assert.equal(shows('promptTuning.showProjection', 'promptTuning.softPrompts', context), inputLayer, method);
      for (const command of ['promptTuning.testWithSoftPrompt', 'promptTuning.runOnDatasetWithSoftPrompt', 'promptTuning.benchmarkSoftPrompt', 'promptTuning.copyPeftSnippet', 'promptTuning.revealSoftPrompt']) {
        assert.ok(shows(command, 'promptTuning.softPrompts', context), `${command} on ${method}`);
      }
    }
    assert.ok(items.some((e) => e.command === 'promptTuning.testWithSoftPrompt' && e.group.startsWith('inline')), '▶ inline');
    assert.ok(shows('promptTuning.showSoftPromptCurve', 'promptTuning.softPrompts', softPromptContext({ method: 'prefix-tuning', record: { curve: [{ step: 1, loss: 1 }] } as TrainingRecord })));
    assert.ok(!shows('promptTuning.showSoftPromptCurve', 'promptTuning.softPrompts', softPromptContext({ method: 'prompt-tuning' })), 'no record, no curve');
  });

  it('offers Compare Curves on trainings with a curve and Reveal Output on runs that wrote one', () => {
    const base: RunRecord = { formatVersion: 1, id: 'a', kind: 'training', status: 'done', title: 't', startedAt: '2026-12-07T10:00:00Z', model: 'm', promptFiles: [], data: [], parameters: {}, outputs: {} };
    const withCurve = runItem({ ...base, curve: { loss: [{ step: 1, value: 1 }], devAccuracy: [] }, outputs: { adapter: '/a' } }).contextValue;
    const bare = runItem({ ...base, kind: 'evaluation' }).contextValue;
    assert.ok(shows('promptTuning.compareCurves', 'promptTuning.runs', withCurve));
    assert.ok(shows('promptTuning.revealRunOutput', 'promptTuning.runs', withCurve));
    assert.ok(!shows('promptTuning.compareCurves', 'promptTuning.runs', bare));
    assert.ok(!shows('promptTuning.revealRunOutput', 'promptTuning.runs', bare));
    assert.ok(shows('promptTuning.openRun', 'promptTuning.runs', bare));
  });
});

describe('package.json: keybindings (issue 15, item 7)', () => {
  const keybindings: { command: string; key: string; mac?: string; when?: string; args?: unknown }[] = pkg.contributes.keybindings;
  /**
   * Defaults a binding here must not take, found in VS Code's sources: cmd+alt+t closes the other editors
   * (macOS), ctrl+alt+t opens a terminal on Ubuntu's desktop, ctrl+enter inserts a line below, ctrl+shift+t
   * reopens a closed editor, ctrl+alt+r reveals in the OS, ctrl+alt+backspace removes brackets.
   */
  const TAKEN = ['cmd+alt+t', 'ctrl+alt+t', 'ctrl+enter', 'cmd+enter', 'ctrl+shift+t', 'cmd+shift+t', 'ctrl+alt+r', 'cmd+alt+r', 'ctrl+alt+backspace'];

  it('binds Test, Run on dataset, Open Studio and Cancel Running Job, each to a contributed command with a when clause', () => {
    assert.deepEqual(keybindings.map((k) => k.command).sort(),
      ['promptTuning.cancelJob', 'promptTuning.openStudio', 'promptTuning.runOnDataset', 'promptTuning.testPrompt']);
    for (const binding of keybindings) {
      assert.ok(contributed.includes(binding.command), `${binding.command} is not in contributes.commands`);
      assert.ok(typeof binding.when === 'string' && binding.when.trim().length > 0, `${binding.command} has no when clause`);
      assert.ok(binding.key && binding.mac, `${binding.command} needs a key and a mac key`);
      for (const key of [binding.key, binding.mac]) assert.ok(!TAKEN.includes(key), `${binding.command}: ${key} is a VS Code or desktop default`);
    }
  });

  it('runs the prompt commands only in .prompt editors and Cancel only while a job runs (the key the Jobs class sets), asking first', () => {
    const by = (command: string) => keybindings.find((k) => k.command === command)!;
    assert.match(by('promptTuning.testPrompt').when!, /editorLangId == ptune-prompt/);
    // ctrl+alt+enter is Replace All while the find widget is open: leave it to that.
    assert.match(by('promptTuning.testPrompt').when!, /!findWidgetVisible/);
    assert.match(by('promptTuning.runOnDataset').when!, /editorLangId == ptune-prompt/);
    assert.equal(by('promptTuning.cancelJob').when, 'promptTuning.jobRunning');
    const jobs = readFileSync(join(root, 'src/extension/jobs.ts'), 'utf8');
    assert.ok(jobs.includes("'setContext', 'promptTuning.jobRunning'"), 'jobs.ts sets promptTuning.jobRunning');
    assert.deepEqual(by('promptTuning.cancelJob').args, { confirm: true });
  });

  it('gives no two bindings the same key', () => {
    for (const platform of ['key', 'mac'] as const) {
      const keys = keybindings.map((k) => k[platform]);
      assert.equal(new Set(keys).size, keys.length, platform);
    }
  });
});
