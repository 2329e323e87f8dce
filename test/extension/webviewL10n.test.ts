/**
 * The webviews' texts (issue 15, item 7): they go through `l10n.t` from `@vscode/l10n`, l10n/bundle.l10n.json is
 * exactly what `npm run l10n:export` extracts from src and webview, and a webview configured with a bundle
 * renders its translations (the Prompt view, bundled with esbuild and run against a recording DOM).
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import * as vm from 'node:vm';
import * as l10n from '@vscode/l10n';
import { getL10nJson, getL10nPseudoLocalized, type l10nJsonFormat } from '@vscode/l10n-dev';
import { buildSync } from 'esbuild';
import * as ts from 'typescript';
import { bundleFromAttribute, configureSharedL10n, parseL10nBundle } from '../../src/common/sharedL10n';
import { ROLE_DESCRIPTIONS } from '../../src/extension/datasets/roles';
import { webviewHtml } from '../../src/extension/views/html';
import type { PromptViewState } from '../../src/extension/views/protocol';
import { calls, hasRawProse, isL10nCall, isLiteral, l10nCallProblems, l10nKey, parse, root, sourceFiles, where } from '../helpers/l10nScan';

const bundleFile = join(root, 'l10n/bundle.l10n.json');
const webviewFiles = sourceFiles(join(root, 'webview'));
const srcFiles = sourceFiles(join(root, 'src'));
const parsedAll = [...srcFiles, ...webviewFiles].map((file) => ({ file, name: relative(root, file).split('\\').join('/'), source: parse(file) }));
const parsedWebview = parsedAll.filter(({ name }) => name.startsWith('webview/'));
/** Modules outside webview/ that the webview bundle imports and that have texts of their own. */
const SHARED = ['src/extension/datasets/roles.ts'];

/**
 * Raw English the webviews still show, each on purpose. `file: text` (the literal as written) → why.
 * Everything else a user reads in the webviews goes through l10n.t.
 */
const ALLOWED_RAW: Record<string, string> = {
  'webview/views/benchmark.ts: \'EM\'': 'metric abbreviation (exact match), the same in the report, the CLI table and the literature',
  'webview/views/benchmark.ts: \'ROUGE-L\'': 'metric name, not translated anywhere',
};

function callName(call: ts.CallExpression, source: ts.SourceFile): string {
  return call.expression.getText(source);
}

/** Raw English in what a webview user reads: element text, aria-label/title/placeholder, labels, chart text, textContent. */
function rawWebviewTexts(source: ts.SourceFile): { at: string; literal: string }[] {
  const found: { at: string; literal: string }[] = [];
  const check = (node: ts.Expression | undefined) => {
    if (node && hasRawProse(node, source)) found.push({ at: where(source, node), literal: node.getText(source) });
  };
  const property = (object: ts.Expression | undefined, name: string) => (object && ts.isObjectLiteralExpression(object)
    ? object.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText(source).replace(/['"]/g, '') === name)?.initializer
    : undefined);
  for (const call of calls(source)) {
    const name = callName(call, source);
    const args = call.arguments;
    if (name === 'el') {
      const attrs = property(args[1], 'attrs');
      for (const field of ['aria-label', 'title', 'placeholder', 'aria-description']) check(property(attrs, field));
      check(property(args[1], 'title'));
      for (const child of args.slice(2)) check(child);
    } else if (['button', 'toggle', 'stat', 'header'].includes(name)) {
      check(args[0]);
      check(property(args[2], 'ariaLabel'));
    } else if (name === 'createChart') {
      check(args[3]);
    } else if (name === 'setText' || name === 'table') {
      if (name === 'setText') check(args[1]);
      else if (args[0] && ts.isArrayLiteralExpression(args[0])) args[0].elements.forEach(check);
    }
  }
  const visit = (node: ts.Node) => {
    // Chart.js dataset labels and axis titles: { label: … } and title: { text: … }.
    if (ts.isPropertyAssignment(node) && ['label', 'text'].includes(node.name.getText(source)) && ts.isObjectLiteralExpression(node.parent)) check(node.initializer);
    // x.textContent = …, x.title = …
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(node.left)
      && ['textContent', 'title', 'ariaLabel'].includes(node.left.name.text)) check(node.right);
    // Lists of texts mapped to elements (['Training', 'Status', …].map((h) => el('th', {}, h))).
    if (ts.isArrayLiteralExpression(node) && ts.isPropertyAccessExpression(node.parent) && node.parent.name.text === 'map') node.elements.forEach(check);
    ts.forEachChild(node, visit);
  };
  visit(source);
  // One finding per literal (a literal can be reached by two rules).
  return [...new Map(found.map((f) => [`${f.at} ${f.literal}`, f])).values()];
}

/** l10n.t calls that run while a module loads, before main-*.ts configured the bundle. */
function callsAtModuleLoad(source: ts.SourceFile): string[] {
  return calls(source).filter((c) => isL10nCall(c, source)).filter((call) => {
    for (let node: ts.Node = call.parent; node && !ts.isSourceFile(node); node = node.parent) {
      if (ts.isFunctionLike(node)) return false;
      // A class field's initializer runs when the view is constructed, after configuration.
      if (ts.isPropertyDeclaration(node) && !node.modifiers?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword)) return false;
    }
    return true;
  }).map((call) => where(source, call));
}

function readBundle(): l10nJsonFormat {
  return JSON.parse(readFileSync(bundleFile, 'utf8')) as l10nJsonFormat;
}

describe('webview translations (issue 15, item 7)', () => {
  it('l10n/bundle.l10n.json is exactly what `npm run l10n:export` extracts from src and webview', async function () {
    this.timeout(120_000);
    // As the l10n-dev CLI collects them: every .ts/.tsx/.js/.jsx file under the folders.
    const files = [...srcFiles, ...webviewFiles].filter((f) => /\.(ts|tsx|js|jsx)$/.test(f));
    const extracted = await getL10nJson(files.map((file) => ({ extension: extname(file), contents: readFileSync(file, 'utf8') })));
    const committed = readBundle();
    const added = Object.keys(extracted).filter((k) => !(k in committed));
    const removed = Object.keys(committed).filter((k) => !(k in extracted));
    assert.deepEqual({ added, removed }, { added: [], removed: [] },
      'l10n/bundle.l10n.json is out of date: run `npm run l10n:export` and commit it (translators copy it to bundle.l10n.<locale>.json)');
    assert.deepEqual(committed, extracted, 'l10n/bundle.l10n.json is out of date (a comment changed): run `npm run l10n:export`');
  });

  it('every l10n.t call is one the extractor read: the distinct messages a scan finds are the bundle\'s', () => {
    const scanned = new Set<string>();
    const unreadable: string[] = [];
    for (const { source } of parsedAll) {
      for (const call of calls(source).filter((c) => isL10nCall(c, source))) {
        const key = l10nKey(call, source);
        if (key === undefined) unreadable.push(where(source, call));
        else scanned.add(key);
      }
    }
    assert.deepEqual(unreadable, [], 'l10n.t calls whose message is not a literal');
    const bundle = readBundle();
    assert.ok(scanned.size >= 450, `only ${scanned.size} messages scanned: is the scan still finding them?`);
    assert.deepEqual([...scanned].filter((k) => !(k in bundle)), [], 'l10n.t calls the extractor did not read (the message must be a literal, l10n imported from \'vscode\' or \'@vscode/l10n\'), or run `npm run l10n:export`');
    assert.equal(Object.keys(bundle).length, scanned.size);
  });

  it('webview l10n.t calls are literal, with matching placeholders, and take l10n from \'@vscode/l10n\'', () => {
    assert.ok(parsedWebview.length >= 12, 'found the webview sources');
    const users = parsedAll.filter(({ name, source }) => (name.startsWith('webview/') || SHARED.includes(name)) && calls(source).some((c) => isL10nCall(c, source)));
    assert.ok(users.length >= 10);
    assert.deepEqual(users.flatMap(({ source }) => l10nCallProblems(source)), []);
    for (const { name, source } of users) {
      assert.match(source.getFullText(), /^import \* as l10n from '@vscode\/l10n';$/m, `${name}: l10n-dev extracts l10n.t only where l10n is imported`);
    }
  });

  it('no webview text is translated while the modules load (before main-*.ts configures the bundle)', () => {
    // The entry modules (main-*.ts) run their top level after every import, and configure l10n first (below).
    const early = parsedAll.filter(({ name }) => (name.startsWith('webview/') && !name.startsWith('webview/main-')) || SHARED.includes(name))
      .flatMap(({ source }) => callsAtModuleLoad(source));
    assert.deepEqual(early, []);
    for (const main of ['webview/main-studio.ts', 'webview/main-sidebar.ts']) {
      const text = readFileSync(join(root, main), 'utf8');
      const body = text.slice(text.lastIndexOf('\nimport ')).split('\n').slice(2).join('\n');
      const first = body.split('\n').find((line) => line.trim() !== '' && !line.trim().startsWith('//'));
      assert.equal(first, 'configureSharedL10n(bundleFromAttribute(document.body.dataset.l10n));', `${main} configures l10n first`);
    }
  });

  it('no webview shows raw English in element text, aria-label, title, labels or chart text (except the allow-list)', () => {
    const found = parsedWebview.flatMap(({ name, source }) => rawWebviewTexts(source).map((f) => ({ ...f, key: `${name}: ${f.literal}` })));
    assert.deepEqual(found.filter((f) => !(f.key in ALLOWED_RAW)).map((f) => `${f.at}: ${f.literal.slice(0, 80)}`), []);
    const unused = Object.keys(ALLOWED_RAW).filter((k) => !found.some((f) => f.key === k));
    assert.deepEqual(unused, [], 'allow-list entries that no longer occur: remove them');
  });

  it('the raw-text scan catches what it looks for', () => {
    const sample = parse('sample.ts', [
      "el('p', { class: 'empty' }, 'No training yet.');",
      "el('canvas', { attrs: { 'aria-label': 'Loss chart' } });",
      "el('span', { title: `id ${n}` }, l10n.t('Fine'));",
      "button('Cancel', f, { ariaLabel: l10n.t('Fine') });",
      "button('◀', f, { ariaLabel: 'Previous page' });",
      "x.textContent = ok ? l10n.t('Fine') : 'Not fine';",
      "createChart(c, { data: { datasets: [{ label: 'train loss' }] } }, r, 'Training loss');",
      "el('h3', {}, `▶ ${l10n.t('Fine')}`, ' ', count);",
      "const keys = ['temperature', 'topP'];",
      "['Step', l10n.t('Fine')].map((h) => el('th', {}, h));",
    ].join('\n'));
    assert.deepEqual(rawWebviewTexts(sample).map((f) => f.literal).sort(), [
      "'Cancel'", "'Loss chart'", "'Step'", "'No training yet.'", "ok ? l10n.t('Fine') : 'Not fine'", "'Previous page'", "'Training loss'", "'train loss'", '`id ${n}`',
    ].sort());
    const early = parse('early.ts', "const A = l10n.t('x');\nclass V { a = l10n.t('y'); static b = l10n.t('z'); }\nfunction f() { return l10n.t('w'); }");
    assert.deepEqual(callsAtModuleLoad(early), ['early.ts:1', 'early.ts:2']);
  });
});

/** A DOM just big enough for the views' el()/button(): elements record their attributes, text and children. */
class FakeNode {
  parentNode: FakeElement | null = null;
  constructor(public data = '') {}
  get textContent(): string { return this.data; }
}

class FakeElement extends FakeNode {
  readonly attributes = new Map<string, string>();
  readonly childNodes: FakeNode[] = [];
  readonly dataset: Record<string, string> = {};
  readonly style: Record<string, string> = {};
  className = '';
  title = '';
  hidden = false;
  id = '';
  constructor(readonly localName: string) { super(); }
  get firstChild(): FakeNode | null { return this.childNodes[0] ?? null; }
  override get textContent(): string { return this.childNodes.map((c) => c.textContent).join(''); }
  override set textContent(text: string) { this.replaceChildren(new FakeNode(text)); }
  setAttribute(name: string, value: string): void { this.attributes.set(name, value); if (name === 'id') this.id = value; }
  getAttribute(name: string): string | null { return this.attributes.get(name) ?? null; }
  removeAttribute(name: string): void { this.attributes.delete(name); }
  toggleAttribute(name: string, on: boolean): void { if (on) this.attributes.set(name, ''); else this.attributes.delete(name); }
  addEventListener(): void { /* nothing is clicked here */ }
  appendChild(child: FakeNode): FakeNode { child.parentNode = this; this.childNodes.push(child); return child; }
  replaceChildren(...children: FakeNode[]): void { this.childNodes.length = 0; for (const c of children) this.appendChild(c); }
  remove(): void { /* not needed */ }
  querySelectorAll(): FakeElement[] { return []; }
  /** Every text a user reads or hears: text nodes, aria-labels and titles. */
  texts(): string[] {
    return [this.attributes.get('aria-label'), this.title || undefined,
      ...this.childNodes.flatMap((c) => (c instanceof FakeElement ? c.texts() : [c.data]))].filter((t): t is string => !!t && t.trim() !== '');
  }
}

/** webview/views/prompt.ts and src/common/sharedL10n.ts bundled as the webview bundles them (one @vscode/l10n), run in a fresh context. */
function loadPromptView(): { PromptView: new () => { root: FakeElement; render(state: PromptViewState): void }; configureSharedL10n: typeof configureSharedL10n; bundleFromAttribute: typeof bundleFromAttribute } {
  const built = buildSync({
    stdin: {
      contents: "export { PromptView } from './webview/views/prompt';\nexport { bundleFromAttribute, configureSharedL10n } from './src/common/sharedL10n';\n",
      resolveDir: root, loader: 'ts',
    },
    bundle: true, format: 'cjs', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent',
  });
  const document = {
    createElement: (tag: string) => new FakeElement(tag),
    createTextNode: (text: string) => new FakeNode(text),
    addEventListener: () => undefined,
    activeElement: null,
    body: new FakeElement('body'),
  };
  const module = { exports: {} as Record<string, unknown> };
  const context = vm.createContext({ module, exports: module.exports, document, window: { addEventListener: () => undefined }, acquireVsCodeApi: () => ({ postMessage: () => undefined, getState: () => undefined, setState: () => undefined }), console });
  vm.runInContext(built.outputFiles[0].text, context);
  return module.exports as unknown as ReturnType<typeof loadPromptView>;
}

const promptState: PromptViewState = {
  file: 'review.prompt', rowIndex: 0, rowCount: 3, row: { review: 'Great film' }, rendered: 'Review: Great film', gold: 'positive',
  tokenCount: 4, diagnostics: [], datasets: [{ role: 'train', file: 'train.jsonl', rows: 12 }, { role: 'dev' }, { role: 'test' }],
};

describe('webview l10n at run time', () => {
  const pseudo = getL10nPseudoLocalized(readBundle());
  const pseudoText = (key: string) => {
    const value = pseudo[key];
    return typeof value === 'string' ? value : value.message;
  };
  /** The pseudo bundle as VS Code passes it (vscode.l10n.bundle: message key → text). */
  const pseudoBundle = Object.fromEntries(Object.keys(pseudo).map((k) => [k, pseudoText(k)]));

  afterEach(() => l10n.config({ contents: {} }));

  it('accepts only a flat record of strings as a bundle', () => {
    assert.deepEqual({ ...parseL10nBundle({ Cancel: 'Abbrechen' }) }, { Cancel: 'Abbrechen' });
    for (const bad of [undefined, null, 'Cancel', ['Cancel'], { Cancel: 1 }, { Cancel: { message: 'x' } }, { Cancel: null }]) {
      assert.equal(parseL10nBundle(bad), undefined, JSON.stringify(bad));
    }
    assert.equal(configureSharedL10n({ Cancel: 3 }), false);
    assert.equal(configureSharedL10n(undefined), false);
    assert.equal(bundleFromAttribute('{not json'), undefined);
    assert.equal(bundleFromAttribute(undefined), undefined);
  });

  it('carries the host\'s bundle to the page, escaped, and back', () => {
    const bundle = { 'Rendered prompt': 'Gerendert "<Prompt>" & mehr', '{0} rows': '{0} Zeilen' };
    const html = webviewHtml({ cspSource: 'vscode-resource:', scriptUri: 's.js', styleUri: 's.css', title: 'T', layout: 'studio', l10n: bundle, lang: 'de' });
    assert.match(html, /<html lang="de">/);
    const attribute = /<body [^>]*data-l10n="([^"]*)"/.exec(html)?.[1];
    assert.ok(attribute, 'the page carries data-l10n');
    assert.doesNotMatch(attribute, /[<>"]/);
    const unescaped = attribute.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    assert.deepEqual({ ...parseL10nBundle(bundleFromAttribute(unescaped)) }, bundle);
    assert.doesNotMatch(webviewHtml({ cspSource: 'c', scriptUri: 's', styleUri: 's', title: 'T', layout: 'sidebar' }), /data-l10n/, 'none in English');
  });

  it('translates the dataset role names on the host once activate() configured the bundle', () => {
    assert.equal(ROLE_DESCRIPTIONS.dev.name, 'dev');
    assert.ok(configureSharedL10n(pseudoBundle));
    assert.equal(ROLE_DESCRIPTIONS.dev.name, 'ḓḗḗṽ');
    assert.equal(ROLE_DESCRIPTIONS.train.use, pseudoText('training soft prompts and drawing few-shot examples/What the training dataset is used for; follows "For".'));
    const extension = readFileSync(join(root, 'src/extension/extension.ts'), 'utf8');
    assert.match(extension, /export function activate\([^)]*\): void \{\n(\s*\/\/.*\n)*\s*configureSharedL10n\(vscode\.l10n\.bundle\);/, 'activate() configures it first');
  });

  it('renders the Prompt view in English, and translated once configured with a (pseudo-localised) bundle', function () {
    this.timeout(60_000);
    const english = loadPromptView();
    const en = new english.PromptView();
    en.render(promptState);
    const enTexts = en.root.texts();
    for (const text of ['Rendered prompt', 'Validation', 'Datasets', 'not chosen', 'Change the training dataset', 'Choose the dev dataset', 'Dataset row', 'gold label', 'No problems.']) {
      assert.ok(enTexts.includes(text), `English: ${text} in ${JSON.stringify(enTexts)}`);
    }

    const translated = loadPromptView();
    assert.ok(translated.configureSharedL10n(translated.bundleFromAttribute(JSON.stringify(pseudoBundle))));
    const view = new translated.PromptView();
    view.render(promptState);
    const texts = view.root.texts();
    const expected = [
      pseudoText('Rendered prompt'), pseudoText('Validation'), pseudoText('Datasets'), pseudoText('not chosen'), pseudoText('Dataset row'),
      pseudoText('No problems.'), pseudoText('Previous row'), pseudoText('gold label'),
      pseudoText('Change the {0} dataset/{0}: a dataset role (training, dev, test).').replace('{0}', pseudoText('training/The name of the training dataset role, as in "the training dataset".')),
      pseudoText('{0} rows').replace('{0}', '12'),
    ];
    for (const text of expected) assert.ok(texts.includes(text), `translated: ${text} in ${JSON.stringify(texts)}`);
    for (const text of texts) {
      if (/[A-Za-z]{3,}/.test(text) && !/review|Great film|positive|\.jsonl|\.prompt/.test(text)) assert.fail(`still English: ${text}`);
    }
  });
});
