import * as assert from 'assert';
import { parsePromptFile, renderPrompt, withHardPrefix } from '../../src/prompts';
import { promptSourceWithText } from '../../src/prompts/hard-text';

const header = { comment: 'written by a test', name: 'found', description: 'a "found" prompt: with quotes' };
const prefix = ['---', '# the original comment', 'name: p', 'inputs: [text]', 'labels: {negative: " no", positive: " yes"}', 'soft_prompt: prefix', '---', 'Review: {{ text }} Good?', ''].join('\n');
const marker = ['---', 'name: m', 'inputs: [text]', 'labels: {negative: " no", positive: " yes"}', 'soft_prompt: marker', '---', 'Review: {{ text }}', '{{ soft_prompt }}Good?', ''].join('\n');
const trimmed = ['---', 'name: t', 'inputs: [text]', 'labels: {negative: " no", positive: " yes"}', 'soft_prompt: marker', '---', 'Review: {{ text }}  {{- soft_prompt }} Good?', ''].join('\n');

// Plain words, Jinja syntax, quotes and backslashes, newlines and a chat role line, control characters,
// leading/trailing spaces, non-ASCII and a lone '{' that would glue onto the body's own '{{'.
const TEXTS = [' great movie', '{{ text }} {% if x %}', 'say "hi" \\ there', 'a\nuser:\nb\n', '\u0001\u007f\t', '  é 漢字 🎬 ', '{', '#', '%}'];

describe('prompts/hard-text', () => {
  for (const [name, source] of [['prefix', prefix], ['marker', marker], ['marker with {{- }}', trimmed]] as const) {
    it(`${name}: the written file parses and renders exactly as the prompt with that text in place of its soft prompt`, () => {
      const original = parsePromptFile(source, `${name}.prompt`);
      const row = { text: 'a gem', label: 'positive' };
      for (const text of TEXTS) {
        const written = promptSourceWithText(original, text, header);
        const parsed = parsePromptFile(written, 'out.prompt');
        assert.strictEqual(renderPrompt(parsed, row).text, renderPrompt(withHardPrefix(original, text), row).text, JSON.stringify(text));
        assert.strictEqual(parsed.name, 'found');
        assert.strictEqual(parsed.description, header.description);
        assert.strictEqual(parsed.softPrompt, 'prefix');
        assert.ok(written.startsWith('---\n# written by a test\n'));
      }
      // Plain text goes in as written, readable.
      assert.ok(promptSourceWithText(original, ' great movie', header).includes(' great movie'));
    });
  }

  it('refuses prompts whose soft prompt a body text cannot stand for (few-shot, chat prefix)', () => {
    const shots = parsePromptFile(prefix.replace('soft_prompt: prefix', 'soft_prompt: prefix\nshots: 1'), 'shots.prompt');
    assert.throws(() => promptSourceWithText(shots, 'x', header), /shots\.prompt: cannot write text in place of the soft prompt: it has few-shot examples/);
  });
});
