import * as assert from 'node:assert/strict';
import { drawShots, parsePromptFile, renderPrompt, withHardPrefix, type PromptFile } from '../../src/prompts';
import type { Row } from '../../src/data';
import { isUserError } from '../../src/engine/errors';

const LABELS = 'labels:\n  negative: " bad"\n  positive: " good"\n';

function prompt(settings: string, body: string): PromptFile {
  return parsePromptFile(`---\n${settings}---\n${body}`, 't.prompt');
}

const train: Row[] = [];
for (let i = 0; i < 10; i++) train.push({ text: `p${i}`, label: 'positive' }, { text: `n${i}`, label: 'negative' });

describe('prompt files: rendering', () => {
  it('splits the text at the marker and reports its character offset', () => {
    const p = prompt(`inputs: [text]\n${LABELS}soft_prompt: marker\n`, 'Review: {{ text }}\n{{ soft_prompt }}Sentiment:\n');
    const r = renderPrompt(p, { text: 'fine' });
    assert.deepEqual(r, { text: 'Review: fine\nSentiment:', softPromptOffset: 'Review: fine\n'.length });
  });

  it('leaves no soft-prompt offset for prefix prompts', () => {
    const p = prompt(`inputs: [text]\n${LABELS}`, '{{ text }} was');
    assert.deepEqual(renderPrompt(p, { text: 'it' }), { text: 'it was' });
  });

  it('renders row values as given (no HTML escaping, no trimming)', () => {
    const p = prompt(`inputs: [text]\n${LABELS}`, '[{{ text }}]');
    assert.equal(renderPrompt(p, { text: ' <b>&amp; "q" \n' }).text, '[ <b>&amp; "q" \n]');
  });

  it('puts few-shot examples, each with its continuation and a blank line, before the query', () => {
    const p = prompt(`inputs: [text]\n${LABELS}soft_prompt: marker\n`, '{{ soft_prompt }}R: {{ text }} =');
    const shots = [
      { text: 'x', label: 'positive' },
      { text: 'y', label: 'negative' },
    ];
    const r = renderPrompt(p, { text: 'z' }, shots);
    assert.equal(r.text, 'R: x = good\n\nR: y = bad\n\nR: z =');
    assert.equal(r.softPromptOffset, 'R: x = good\n\nR: y = bad\n\n'.length);
  });

  it('renders generation shots with the target prefix', () => {
    const p = prompt('task: generation\ninputs: [q]\ntarget_column: a\n', 'Q: {{ q }}\nA:');
    assert.equal(renderPrompt(p, { q: '2+2' }, [{ q: '1+1', a: '2' }]).text, 'Q: 1+1\nA: 2\n\nQ: 2+2\nA:');
  });

  it('draws k rows per label, deterministically for a seed, mixed across labels', () => {
    const p = prompt(`inputs: [text]\n${LABELS}shots: 3\n`, '{{ text }}');
    const a = drawShots(p, train, 7);
    assert.equal(a.length, 6);
    assert.equal(a.filter((r) => r.label === 'positive').length, 3);
    assert.equal(a.filter((r) => r.label === 'negative').length, 3);
    assert.deepEqual(drawShots(p, train, 7), a);
    assert.notDeepEqual(drawShots(p, train, 8), a);
    assert.equal(new Set(a.map((r) => r.text)).size, 6);
    assert.ok(a.every((r) => train.includes(r)));
    // The default seed is the file's `seed`.
    assert.deepEqual(drawShots(p, train), drawShots(p, train, 0));
  });

  it('refuses shots when a label has too few training rows', () => {
    const p = prompt(`inputs: [text]\n${LABELS}shots: 2\n`, '{{ text }}');
    assert.throws(
      () => drawShots(p, [train[0], train[1], train[2]], 0),
      (e: unknown) => isUserError(e) && (e as Error).message === 't.prompt: shots: 2 needs 2 training rows labelled "negative", found 1',
    );
  });

  it('renders a projected soft prompt as literal text: prefix before everything, marker at the marker', () => {
    const prefix = withHardPrefix(prompt(`inputs: [text]\n${LABELS}`, 'R: {{ text }}'), 'great film');
    assert.deepEqual(renderPrompt(prefix, { text: 'x' }, [{ text: 's', label: 'positive' }]), { text: 'great filmR: s good\n\nR: x' });
    const marker = withHardPrefix(prompt(`inputs: [text]\n${LABELS}soft_prompt: marker\n`, 'R: {{ text }}\n{{ soft_prompt }}S:'), ' [v] ');
    assert.deepEqual(renderPrompt(marker, { text: 'x' }), { text: 'R: x\n [v] S:' });
  });

  it('fails clearly when the row lacks an input column or the marker sits in a branch not taken', () => {
    const p = prompt(`inputs: [text]\n${LABELS}soft_prompt: marker\n`, '{% if text %}{{ soft_prompt }}{% endif %}{{ text }}');
    assert.throws(() => renderPrompt(p, { other: 'x' }), /t\.prompt: the row has no column "text" \(listed in inputs\)/);
    assert.throws(() => renderPrompt(p, { text: '' }), /t\.prompt: \{\{ soft_prompt \}\} was not rendered for this row/);
  });
});
