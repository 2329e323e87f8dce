import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPromptText, loadPromptFile, parsePromptFile, renderPrompt } from '../../src/prompts';
import { isUserError } from '../../src/engine/errors';

/** The example from the issue, verbatim. */
const ISSUE_EXAMPLE = `---
name: sst2-review
task: classification          # or: generation
inputs: [text]                # dataset columns the body uses
label_column: label
labels:                       # verbalizer: label -> continuation scored right after the prompt (leading space matters)
  negative: " terrible"
  positive: " great"
shots: 0                      # few-shot: k examples per label, drawn (seeded) from a train file, rendered with the same body
soft_prompt: prefix           # where virtual tokens go: prefix (PEFT's default) or marker: at {{ soft_prompt }} in the body
---
Review: {{ text }}
Sentiment:
`;

describe('prompt files: parsing', () => {
  it('reads every setting of the documented example', () => {
    const p = parsePromptFile(ISSUE_EXAMPLE, 'sst2.prompt');
    assert.equal(p.name, 'sst2-review');
    assert.equal(p.task, 'classification');
    assert.deepEqual(p.inputs, ['text']);
    assert.equal(p.labelColumn, 'label');
    assert.deepEqual(p.labels, [
      { label: 'negative', continuation: ' terrible' },
      { label: 'positive', continuation: ' great' },
    ]);
    assert.equal(p.shots, 0);
    assert.equal(p.softPrompt, 'prefix');
    assert.equal(p.body, 'Review: {{ text }}\nSentiment:\n');
    assert.equal(p.bodyLine, 12);
    assert.deepEqual(checkPromptText(ISSUE_EXAMPLE, 'sst2.prompt'), []);
  });

  it('renders the example to "Review: <text>\\nSentiment:" (one trailing newline dropped, as in Jinja)', () => {
    const p = parsePromptFile(ISSUE_EXAMPLE, 'sst2.prompt');
    assert.deepEqual(renderPrompt(p, { text: 'a gem .', label: 'positive' }), { text: 'Review: a gem .\nSentiment:' });
  });

  it('drops only one trailing newline', () => {
    const p = parsePromptFile('---\ninputs: [q]\nlabels: {a: " a", b: " b"}\n---\nQ: {{ q }}\n\n', 'x.prompt');
    assert.equal(renderPrompt(p, { q: '1' }).text, 'Q: 1\n');
  });

  it('applies defaults: name from the file name, classification, label column "label", prefix, no shots', () => {
    const p = parsePromptFile('---\ninputs: [text]\nlabels: {no: " no", yes: " yes"}\n---\n{{ text }}?', 'dir/my-task.prompt');
    assert.equal(p.name, 'my-task');
    assert.equal(p.task, 'classification');
    assert.equal(p.labelColumn, 'label');
    assert.equal(p.softPrompt, 'prefix');
    assert.equal(p.shots, 0);
    assert.equal(p.seed, 0);
  });

  it('treats YAML booleans-looking labels as text keys (yes/no stay strings in YAML 1.2)', () => {
    const p = parsePromptFile('---\ninputs: [text]\nlabels: {no: " no", yes: " yes"}\n---\n{{ text }}?', 'x.prompt');
    assert.deepEqual(p.labels.map((l) => l.label), ['no', 'yes']);
  });

  it('accepts CRLF line endings and a BOM, with the same positions', () => {
    const crlf = '\ufeff' + ISSUE_EXAMPLE.replace(/\n/g, '\r\n');
    const p = parsePromptFile(crlf, 'x.prompt');
    assert.equal(renderPrompt(p, { text: 't' }).text, 'Review: t\nSentiment:');
    const bad = crlf.replace('{{ text }}', '{{ txt }}');
    const [d] = checkPromptText(bad, 'x.prompt');
    assert.deepEqual([d.line, d.column], [12, 12]);
  });

  it('reads a generation prompt with its defaults', () => {
    const p = parsePromptFile('---\ntask: generation\ninputs: [question]\ntarget_column: answer\n---\nQ: {{ question }}\nA:', 'qa.prompt');
    assert.equal(p.task, 'generation');
    assert.equal(p.targetColumn, 'answer');
    assert.equal(p.targetPrefix, ' ');
    assert.equal(p.maxNewTokens, 20);
    assert.deepEqual(p.labels, []);
  });

  it('does not count template-defined names (for, set, macro) as inputs', () => {
    const body = '{% set t = text | trim %}{% for w in [1, 2] %}{{ w }}{{ loop.index }}{% endfor %}{% macro m(x) %}{{ x }}{% endmacro %}{{ m(t) }}';
    const text = `---\ninputs: [text]\nlabels: {a: " a", b: " b"}\n---\n${body}`;
    assert.deepEqual(checkPromptText(text, 'x.prompt'), []);
  });

  it('ignores names inside strings, attributes, filters and tests', () => {
    const body = '{{ "title" }}{{ text.title }}{{ text | title }}{% if text is defined %}{{ text }}{% endif %}';
    assert.deepEqual(checkPromptText(`---\ninputs: [text]\nlabels: {a: " a", b: " b"}\n---\n${body}`, 'x.prompt'), []);
  });

  it('loads from disk and reports a missing file as a UserError', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptune-prompt-'));
    const path = join(dir, 'a.prompt');
    writeFileSync(path, ISSUE_EXAMPLE);
    assert.equal((await loadPromptFile(path)).name, 'sst2-review');
    await assert.rejects(loadPromptFile(join(dir, 'missing.prompt')), (e: unknown) => isUserError(e) && (e as Error).message === `${join(dir, 'missing.prompt')}: prompt file not found`);
  });
});
