import * as assert from 'assert';
import { terminalSafe } from '../../src/common/terminal';

describe('common: terminal-safe text (issue 12, item 14)', () => {
  it('escapes control, C1 and bidi-override characters; keeps line feeds, tabs and ordinary text', () => {
    assert.strictEqual(terminalSafe('neg\u001b]0;pwned\u0007'), 'neg\\u001b]0;pwned\\u0007');
    assert.strictEqual(terminalSafe('a\r\nb\tc\u0085d\u202ee\u0000'), 'a\\u000d\nb\tc\\u0085d\\u202ee\\u0000');
    assert.strictEqual(terminalSafe('héllo ✓ 日本 "q" \\'), 'héllo ✓ 日本 "q" \\');
  });
  it('a --json line stays valid JSON with the same value (JSON.stringify leaves C1 controls raw)', () => {
    const value = { token: 'x\u0085y\u202e', label: 'e\u001b' };
    assert.deepStrictEqual(JSON.parse(terminalSafe(JSON.stringify(value))), value);
    assert.doesNotMatch(terminalSafe(JSON.stringify(value)), /[\u0085\u202e]/);
  });
});
