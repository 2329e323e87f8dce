import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '../../..');
const webview = join(root, 'webview');
const sources = [...readdirSync(webview), ...readdirSync(join(webview, 'lib')).map((f) => `lib/${f}`), ...readdirSync(join(webview, 'views')).map((f) => `views/${f}`)]
  .filter((f) => f.endsWith('.ts'))
  .map((file) => ({ file, text: readFileSync(join(webview, file), 'utf8') }));

/** The calls `name(` … `)` in `text`, parentheses balanced (strings with parentheses are rare enough here). */
function calls(text: string, name: string): string[] {
  const found: string[] = [];
  for (let at = text.indexOf(`${name}(`); at >= 0; at = text.indexOf(`${name}(`, at + 1)) {
    if (/[\w.]/.test(text[at - 1] ?? '')) continue;
    let depth = 0;
    for (let i = at + name.length; i < text.length; i++) {
      if (text[i] === '(') depth++;
      else if (text[i] === ')' && --depth === 0) {
        found.push(text.slice(at, i + 1));
        break;
      }
    }
  }
  return found;
}

describe('webviews: accessibility by construction (issue 15, item 7)', () => {
  it('found the webview sources', () => {
    assert.ok(sources.some((s) => s.file === 'views/training.ts') && sources.some((s) => s.file === 'lib/dom.ts'));
  });

  it('every icon-only button (a label with no letter or digit) has an aria-label', () => {
    let iconOnly = 0;
    for (const { file, text } of sources) {
      for (const call of calls(text, 'button')) {
        const label = /^button\('([^']*)'/.exec(call)?.[1];
        if (label === undefined || /[\p{L}\p{N}]/u.test(label)) continue;
        iconOnly++;
        assert.match(call, /ariaLabel: l10n\.t\('[^']+'\)/, `${file}: ${call.slice(0, 80)}`);
      }
    }
    assert.ok(iconOnly >= 4, 'the row and page arrows were checked');
  });

  it('live regions are the small status elements only: never the app, never streamed text', () => {
    const html = readFileSync(join(root, 'src/extension/views/html.ts'), 'utf8');
    assert.doesNotMatch(html, /aria-live|role="(status|log|alert)"/);
    const live: string[] = [];
    for (const { file, text } of sources) {
      assert.doesNotMatch(text, /'aria-live'/, `${file} sets aria-live: use role 'status' on one small element`);
      for (const m of text.matchAll(/id: '([\w-]+)', role: 'status'/g)) live.push(m[1]);
      assert.equal([...text.matchAll(/role: 'status'/g)].length, [...text.matchAll(/id: '[\w-]+', role: 'status'/g)].length, `${file}: a status region without an id`);
    }
    assert.deepEqual(live.sort(), ['dataset-count', 'dataset-status', 'generation-announce', 'playground-announce', 'projection-gap', 'results-count', 'training-status']);
  });

  it('every chart is made by createChart (which gives it its text alternative)', () => {
    for (const { file, text } of sources) {
      if (file !== 'lib/charts.ts') assert.doesNotMatch(text, /new Chart\(/, file);
    }
    const charts = sources.find((s) => s.file === 'lib/charts.ts')!.text;
    assert.match(charts, /Chart\.register\([^)]*textAlternativePlugin\)/);
  });
});
