/** The documented front-matter keys are the ones the validator accepts, and their choices are the ones it checks. */
import * as assert from 'node:assert/strict';
import { PROMPT_FORMATS, PROMPT_KEY_DOCS, PROMPT_KEYS, SOFT_PROMPT_PLACEMENTS, TASKS, checkPromptText, promptChoiceMarkdown, promptKeyMarkdown, type PromptKeyDoc } from '../../src/prompts';
import { frontMatterHover } from '../../src/extension/language/frontMatterHover';

const base = (extra: string, body = 'Review: {{ text }} It was'): string =>
  ['---', 'inputs: [text]', 'labels:', '  negative: " bad"', '  positive: " good"', extra, '---', body, ''].filter((l) => l !== '').join('\n') + '\n';

describe('prompt keys: one source for the validator, hovers and completion', () => {
  it('every documented key is accepted and every other key is an error', () => {
    for (const key of PROMPT_KEYS) {
      const unknown = checkPromptText(base(`${key}: x`), 'p.prompt').filter((d) => d.message.startsWith('unknown key'));
      assert.deepEqual(unknown, [], key);
    }
    const [error] = checkPromptText(base('temperature: 0.5'), 'p.prompt');
    assert.match(error.message, /^unknown key "temperature"/);
    assert.ok(error.message.endsWith(`known keys: ${PROMPT_KEYS.join(', ')}`));
  });

  it('the documented choices are exactly the values the validator accepts', () => {
    const choices = (key: keyof typeof PROMPT_KEY_DOCS) => ((PROMPT_KEY_DOCS[key] as PromptKeyDoc).choices ?? []).map((c) => c.value);
    assert.deepEqual(choices('task'), [...TASKS]);
    assert.deepEqual(choices('soft_prompt'), [...SOFT_PROMPT_PLACEMENTS]);
    assert.deepEqual(choices('format'), [...PROMPT_FORMATS]);
    const [error] = checkPromptText(base('soft_prompt: middle'), 'p.prompt');
    assert.equal(error.message, `soft_prompt must be ${SOFT_PROMPT_PLACEMENTS.map((c) => `"${c}"`).join(' or ')}, found "middle"`);
  });

  it('the hover of a key is its documentation, and a choice\'s hover explains that choice', () => {
    const onKey = frontMatterHover('soft_prompt: marker', 3);
    assert.equal(onKey?.text, promptKeyMarkdown('soft_prompt'));
    assert.deepEqual([onKey?.start, onKey?.end], [0, 'soft_prompt'.length]);
    assert.match(onKey!.text, /`marker`: at the `\{\{ soft_prompt \}\}` marker/);
    const onValue = frontMatterHover('soft_prompt: marker', 15);
    assert.equal(onValue?.text, promptChoiceMarkdown('soft_prompt', 'marker'));
    assert.deepEqual([onValue?.start, onValue?.end], [13, 19]);
    assert.match(frontMatterHover('labels:', 2)!.text, /\*\*labels\*\*: a mapping label → continuation \(task: classification\)/);
    assert.match(frontMatterHover('inputs: [text]', 0)!.text, /Default: required/);
    assert.equal(frontMatterHover('temperature: 3', 2), undefined, 'not our key');
    assert.equal(frontMatterHover('  negative: " bad"', 4), undefined, 'not a top-level key');
    assert.equal(frontMatterHover('task: generation', 5), undefined, 'between the colon and the value');
  });
});

describe('"did you mean" diagnostics carry the correction a quick fix applies', () => {
  /** Applies each diagnostic's replacement to its range (1-based, one line), like the editor's quick fix. */
  const applyFixes = (text: string, context?: Parameters<typeof checkPromptText>[2]): string => {
    const lines = text.split('\n');
    for (const d of checkPromptText(text, 'p.prompt', context)) {
      if (d.replacement === undefined) continue;
      assert.equal(d.endLine, d.line);
      const line = lines[d.line - 1];
      lines[d.line - 1] = line.slice(0, d.column - 1) + d.replacement + line.slice(d.endColumn! - 1);
    }
    return lines.join('\n');
  };

  it('an unknown key: the fix renames it to the known key', () => {
    const text = base('sof_prompt: prefix');
    const [d] = checkPromptText(text, 'p.prompt');
    assert.match(d.message, /did you mean "soft_prompt"/);
    assert.equal(d.replacement, 'soft_prompt');
    assert.deepEqual(checkPromptText(applyFixes(text), 'p.prompt'), []);
  });

  it('a variable not in inputs: the fix renames the variable, not the whole {{ … }}', () => {
    const text = base('', 'Review: {{ txt }} It was');
    const fixed = applyFixes(text);
    assert.ok(fixed.includes('Review: {{ text }} It was'), fixed);
    assert.deepEqual(checkPromptText(fixed, 'p.prompt'), []);
  });

  it('an input that is not a dataset column: the fix uses the column\'s name', () => {
    const text = base('', 'Review: {{ sentence }} It was').replace('inputs: [text]', 'inputs: [sentence]');
    const context = { file: 'd.jsonl', columns: ['sentance', 'label'], labels: ['negative', 'positive'] };
    const fixed = applyFixes(text, context);
    assert.match(fixed, /inputs: \[sentance\]/);
    // The body still names the old input: the next check says so, with its own fix.
    assert.match(checkPromptText(fixed, 'p.prompt', context)[0].message, /variable "sentence" is not listed in inputs \(\[sentance\]\)/);
  });

  it('no correction when nothing is close', () => {
    const [d] = checkPromptText(base('temperature: 0.5'), 'p.prompt');
    assert.equal(d.replacement, undefined);
  });
});
