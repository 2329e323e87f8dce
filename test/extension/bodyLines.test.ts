import * as assert from 'node:assert/strict';
import { bodyLines } from '../../src/extension/language/bodyLines';

describe('bodyLines', () => {
  it('finds the first body line after the closing fence and the last body line with text', () => {
    const text = '---\nname: a\ninputs: [text]\n---\nReview: {{ text }}\nAnswer:\n\n\n';
    assert.deepEqual(bodyLines(text), { bodyLine: 4, lastBodyLine: 5 });
  });

  it('handles CRLF line endings and a body without a final newline', () => {
    assert.deepEqual(bodyLines('---\r\nname: a\r\n---\r\n{{ text }} Overall'), { bodyLine: 3, lastBodyLine: 3 });
  });

  it('puts both at the body line when the body is empty', () => {
    assert.deepEqual(bodyLines('---\nname: a\n---\n'), { bodyLine: 3, lastBodyLine: 3 });
  });

  it('returns nothing while the front matter is unclosed or missing', () => {
    assert.deepEqual(bodyLines('---\nname: a\nReview: {{ text }}\n'), {});
    assert.deepEqual(bodyLines('Review: {{ text }}\n'), {});
  });
});
