/**
 * Malformed prompt files: each case asserts the exact message and where it points (1-based line/column),
 * the contract the editor's squiggles and the CLI's `file:line:col: message` output rely on.
 */
import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { checkPromptText, parsePromptFile, type DatasetContext, type Diagnostic } from '../../src/prompts';
import { isUserError } from '../../src/engine/errors';

interface Case {
  name: string;
  text: string;
  context?: DatasetContext;
  line: number;
  column: number;
  message: string;
  /** Where the range ends, when the case checks it. */
  end?: [number, number];
}

/** A valid file with one part swapped: `settings` replaces the front matter, `body` the body. */
function file(settings: string, body = 'Review: {{ text }}\nSentiment:\n'): string {
  return `---\n${settings}---\n${body}`;
}

const LABELS = 'labels:\n  negative: " bad"\n  positive: " good"\n';
const OK = `inputs: [text]\n${LABELS}`;
const KEYS = 'name, description, task, inputs, label_column, labels, label_names, target_column, target_prefix, max_new_tokens, shots, seed, soft_prompt, format, chat_template, chat_template_kwargs, expect';

const cases: Case[] = [
  {
    name: 'no front matter',
    text: 'Review: {{ text }}\n',
    line: 1,
    column: 1,
    message: 'a prompt file must start with a front-matter block: a line "---", the YAML settings, then another line "---" and the prompt body',
  },
  {
    name: 'front matter never closed',
    text: '---\ninputs: [text]\nReview: {{ text }}\n',
    line: 1,
    column: 1,
    message: 'the front matter is never closed: add a line "---" between the settings and the prompt body',
  },
  {
    name: 'YAML: unclosed flow list',
    text: file(`inputs: [text\n${LABELS}`),
    line: 3,
    column: 1,
    message: 'YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
  },
  {
    name: 'YAML: duplicate key',
    text: file(`inputs: [text]\ninputs: [text]\n${LABELS}`),
    line: 3,
    column: 1,
    message: 'YAML: Map keys must be unique',
  },
  {
    name: 'YAML: duplicate label',
    text: file('inputs: [text]\nlabels:\n  negative: " bad"\n  negative: " awful"\n'),
    line: 5,
    column: 3,
    message: 'YAML: Map keys must be unique',
  },
  {
    name: 'YAML: tab indentation',
    text: file('inputs: [text]\nlabels:\n\tnegative: " bad"\n'),
    line: 4,
    column: 1,
    message: 'YAML: Tabs are not allowed as indentation',
  },
  {
    name: 'YAML: unclosed quote',
    text: file('inputs: [text]\nlabels:\n  negative: " bad\n  positive: " good"\n'),
    line: 4,
    column: 18,
    message: 'YAML: Missing closing "quote',
  },
  {
    name: 'front matter is a list',
    text: file('- text\n- label\n'),
    line: 2,
    column: 1,
    message: 'the front matter must be "key: value" settings, found a list',
  },
  {
    name: 'unknown key with a suggestion',
    text: file(`inputs: [text]\nlables:\n  negative: " bad"\n  positive: " good"\n${LABELS}`),
    line: 3,
    column: 1,
    message: `unknown key "lables" (did you mean "labels"?); known keys: ${KEYS}`,
    end: [3, 7],
  },
  {
    name: 'unknown key without a suggestion',
    text: file(`colour: red\n${OK}`),
    line: 2,
    column: 1,
    message: `unknown key "colour"; known keys: ${KEYS}`,
  },
  {
    name: 'missing inputs',
    text: file(LABELS),
    line: 1,
    column: 1,
    message: 'missing required key "inputs" (the dataset columns the body uses, e.g. inputs: [text])',
  },
  {
    name: 'inputs is not a list',
    text: file(`inputs: text\n${LABELS}`),
    line: 2,
    column: 9,
    message: 'inputs must be a list, e.g. [a, b], found "text"',
  },
  {
    name: 'inputs is empty',
    text: file(`inputs: []\n${LABELS}`, 'Sentiment:\n'),
    line: 2,
    column: 9,
    message: 'inputs must name at least one dataset column',
  },
  {
    name: 'input is not a variable name',
    text: file(`inputs: [review text]\n${LABELS}`),
    line: 2,
    column: 10,
    message: 'input "review text" is not a valid template variable name (letters, digits and _, not starting with a digit); map the column to another name',
  },
  {
    name: 'input listed twice',
    text: file(`inputs: [text, text]\n${LABELS}`),
    line: 2,
    column: 16,
    message: '"text" is listed twice in inputs',
  },
  {
    name: 'input named soft_prompt',
    text: file(`inputs: [text, soft_prompt]\n${LABELS}`),
    line: 2,
    column: 16,
    message: '"soft_prompt" is reserved for the soft-prompt marker and cannot be an input',
  },
  {
    name: 'unknown task',
    text: file(`task: classify\n${OK}`),
    line: 2,
    column: 7,
    message: 'task must be "classification" or "generation", found "classify"',
  },
  {
    name: 'classification without labels',
    text: file('inputs: [text]\n'),
    line: 1,
    column: 1,
    message: 'missing required key "labels" (the verbalizer: each label and the continuation scored for it, e.g. positive: " great")',
  },
  {
    name: 'labels is a list',
    text: file('inputs: [text]\nlabels: [negative, positive]\n'),
    line: 3,
    column: 9,
    message: 'labels must map each label to its continuation, e.g. positive: " great", found a list',
  },
  {
    name: 'continuation is a number',
    text: file('inputs: [text]\nlabels:\n  negative: 0\n  positive: " good"\n'),
    line: 4,
    column: 13,
    message: 'the continuation of "negative" must be text (quote it, e.g. " negative"), found 0',
  },
  {
    name: 'continuation missing',
    text: file('inputs: [text]\nlabels:\n  negative:\n  positive: " good"\n'),
    line: 4,
    column: 3,
    message: 'label "negative" has no continuation; write the text to score, e.g. negative: " negative"',
  },
  {
    name: 'continuation empty',
    text: file('inputs: [text]\nlabels:\n  negative: ""\n  positive: " good"\n'),
    line: 4,
    column: 13,
    message: 'the continuation of "negative" is empty',
  },
  {
    name: 'an empty label (issue 12, item 15)',
    text: file('inputs: [text]\nlabels:\n  "": " bad"\n  positive: " good"\n'),
    line: 4,
    column: 3,
    message: 'a label must not be empty or blank (got ""): rows could not be told apart from rows with no label',
  },
  {
    name: 'duplicate continuations',
    text: file('inputs: [text]\nlabels:\n  negative: " good"\n  positive: " good"\n'),
    line: 5,
    column: 13,
    message: 'labels "negative" and "positive" have the same continuation " good", so they could never be told apart',
    end: [5, 20],
  },
  {
    name: 'a single label',
    text: file('inputs: [text]\nlabels:\n  positive: " good"\n'),
    line: 4,
    column: 3,
    message: 'labels needs at least two labels, found 1',
  },
  {
    name: 'labels on a generation task',
    text: file(`task: generation\ntarget_column: answer\n${OK}`),
    line: 5,
    column: 1,
    message: 'labels applies only to task: classification',
  },
  {
    name: 'generation without target_column',
    text: file('task: generation\ninputs: [text]\n'),
    line: 2,
    column: 1,
    message: 'task: generation needs target_column (the dataset column with the expected output)',
  },
  {
    name: 'target_column on a classification task',
    text: file(`target_column: answer\n${OK}`),
    line: 2,
    column: 1,
    message: 'target_column applies only to task: generation',
  },
  {
    name: 'negative shots',
    text: file(`shots: -1\n${OK}`),
    line: 2,
    column: 8,
    message: 'shots must be a whole number ≥ 0, found -1',
  },
  {
    name: 'fractional shots',
    text: file(`shots: 1.5\n${OK}`),
    line: 2,
    column: 8,
    message: 'shots must be a whole number ≥ 0, found 1.5',
  },
  {
    name: 'max_new_tokens zero',
    text: file('task: generation\ninputs: [text]\ntarget_column: answer\nmax_new_tokens: 0\n'),
    line: 5,
    column: 17,
    message: 'max_new_tokens must be a whole number ≥ 1, found 0',
  },
  {
    name: 'name is a list',
    text: file(`name: [a, b]\n${OK}`),
    line: 2,
    column: 7,
    message: 'name must be text, found a list',
  },
  {
    name: 'unknown soft_prompt placement',
    text: file(`soft_prompt: middle\n${OK}`),
    line: 2,
    column: 14,
    message: 'soft_prompt must be "prefix" or "marker", found "middle"',
  },
  {
    name: 'marker placement without a marker',
    text: file(`soft_prompt: marker\n${OK}`),
    line: 2,
    column: 14,
    message: 'soft_prompt: marker needs a {{ soft_prompt }} marker in the body where the virtual tokens go',
  },
  {
    name: 'marker with prefix placement',
    text: file(OK, 'Review: {{ text }}\n{{ soft_prompt }}Sentiment:\n'),
    line: 8,
    column: 4,
    message: '{{ soft_prompt }} marks where virtual tokens go, but soft_prompt is "prefix"; set soft_prompt: marker',
    end: [8, 15],
  },
  {
    name: 'marker twice',
    text: file(`soft_prompt: marker\n${OK}`, '{{ soft_prompt }}Review: {{ text }}\n{{ soft_prompt }}Sentiment:\n'),
    line: 9,
    column: 4,
    message: '{{ soft_prompt }} may appear only once (first on line 8)',
  },
  {
    name: 'marker with a filter',
    text: file(`soft_prompt: marker\n${OK}`, 'Review: {{ text }}\n{{ soft_prompt | trim }}Sentiment:\n'),
    line: 9,
    column: 4,
    message: 'soft_prompt can only be used as a bare {{ soft_prompt }} marker',
  },
  {
    name: 'variable not in inputs',
    text: file(OK, 'Review: {{ txt }}\nSentiment:\n'),
    line: 7,
    column: 12,
    message: 'variable "txt" is not listed in inputs ([text]) (did you mean "text"?)',
    end: [7, 15],
  },
  {
    name: 'variable not in inputs, inside a statement',
    text: file(OK, '{% if title %}Title: {{ title }}\n{% endif %}Review: {{ text }}\nSentiment:\n'),
    line: 7,
    column: 7,
    message: 'variable "title" is not listed in inputs ([text])',
  },
  {
    name: 'unclosed expression',
    text: file(OK, 'Review: {{ text }\nSentiment:\n'),
    line: 7,
    column: 9,
    message: '"{{" is never closed by "}}"',
    end: [7, 11],
  },
  {
    name: 'unclosed statement',
    text: file(OK, '{% if text \nReview: {{ text }}\n'),
    line: 7,
    column: 1,
    message: '"{%" is never closed by "%}"',
  },
  {
    name: 'unclosed comment',
    text: file(OK, 'Review: {{ text }}\n{# note\nSentiment:\n'),
    line: 8,
    column: 1,
    message: '"{#" is never closed by "#}"',
  },
  {
    name: 'empty expression',
    text: file(OK, 'Review: {{ text }} {{ }}\n'),
    line: 7,
    column: 20,
    message: 'empty expression "{{ }}"',
  },
  {
    name: 'invalid expression',
    text: file(OK, 'Review: {{ text | }}\nSentiment:\n'),
    line: 7,
    column: 9,
    message: 'invalid expression: Unexpected token: CloseExpression',
    end: [7, 21],
  },
  {
    name: 'unknown statement',
    text: file(OK, '{% foo %}Review: {{ text }}\n'),
    line: 7,
    column: 1,
    message: 'unknown statement "{% foo %}"',
  },
  {
    name: 'invalid if condition',
    text: file(OK, '{% if %}x{% endif %}Review: {{ text }}\n'),
    line: 7,
    column: 1,
    message: 'invalid {% if %} statement: Unexpected token: CloseStatement',
  },
  {
    name: 'if never closed',
    text: file(OK, 'Review: {{ text }}\n{% if text %}\nSentiment:\n'),
    line: 8,
    column: 1,
    message: '{% if %} is never closed: add {% endif %}',
  },
  {
    name: 'endfor without for',
    text: file(OK, 'Review: {{ text }}\n{% endfor %}\n'),
    line: 8,
    column: 1,
    message: '{% endfor %} has no matching {% for %}',
  },
  {
    name: 'mismatched end',
    text: file(OK, '{% for w in [1, 2] %}\n{% if text %}{{ text }}\n{% endfor %}\n'),
    line: 9,
    column: 1,
    message: '{% endfor %} found where {% endif %} was expected (to close the if block opened on line 8)',
  },
  {
    name: 'else outside a block',
    text: file(OK, 'Review: {{ text }}\n{% else %}\n'),
    line: 8,
    column: 1,
    message: '{% else %} outside of an if or for block',
  },
  {
    name: 'empty body',
    text: file(OK, '\n\n'),
    line: 6,
    column: 1,
    message: 'the prompt body is empty: write the prompt text after the closing "---"',
  },
  {
    name: 'input missing from the dataset',
    text: file(OK),
    context: { file: 'dev.jsonl', columns: ['sentence', 'label'] },
    line: 2,
    column: 10,
    message: 'input "text" is not a column of dev.jsonl (columns: sentence, label)',
  },
  {
    name: 'dataset label without a verbalizer entry',
    text: file(OK),
    context: { file: 'dev.jsonl', columns: ['text', 'label'], labels: ['negative', 'positive', 'neutral'], labelLines: { neutral: 14 } },
    line: 3,
    column: 1,
    message: 'label "neutral" in dev.jsonl (first on line 14) has no entry under labels',
    end: [3, 7],
  },
  {
    name: 'label column missing from the dataset',
    text: file(`label_column: sentiment\n${OK}`),
    context: { file: 'dev.jsonl', columns: ['text', 'label'] },
    line: 2,
    column: 15,
    message: 'label column "sentiment" is not a column of dev.jsonl (columns: text, label); set label_column',
  },
  {
    name: 'target column missing from the dataset',
    text: file('task: generation\ninputs: [text]\ntarget_column: answer\n'),
    context: { file: 'qa.csv', columns: ['text', 'gold'] },
    line: 4,
    column: 16,
    message: 'target column "answer" is not a column of qa.csv (columns: text, gold)',
  },
];

function errors(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((d) => d.severity === 'error');
}

describe('prompt validation: malformed files', () => {
  it('has at least 30 cases', () => assert.ok(cases.length >= 30, `${cases.length} cases`));

  for (const c of cases) {
    it(c.name, () => {
      const found = errors(checkPromptText(c.text, 'case.prompt', c.context));
      assert.ok(found.length > 0, 'expected an error');
      const first = found[0];
      assert.equal(first.message, c.message);
      assert.deepEqual([first.line, first.column], [c.line, c.column], `position of "${first.message}"`);
      if (c.end) assert.deepEqual([first.endLine, first.endColumn], c.end, 'end of the range');
    });
  }

  it('the throwing form reports every error as file:line:col: message', () => {
    const text = file(`colour: red\nshots: -1\n${OK}`, 'Review: {{ txt }}\n');
    assert.throws(
      () => parsePromptFile(text, 'bad.prompt'),
      (e: unknown) => {
        assert.ok(isUserError(e));
        assert.equal(
          (e as Error).message,
          [
            `bad.prompt:2:1: unknown key "colour"; known keys: ${KEYS}`,
            'bad.prompt:3:8: shots must be a whole number ≥ 0, found -1',
            'bad.prompt:9:12: variable "txt" is not listed in inputs ([text]) (did you mean "text"?)',
          ].join('\n'),
        );
        return true;
      },
    );
  });

  it('checkPromptText never throws, whatever the input', () => {
    const inputs = ['', '---', '---\n---', '---\n: :\n---\n{{', '\u0000\u0001', '---\ninputs: [a]\nlabels: {x: " a", y: " b"}\n---\n{%%}{{}}{##}'];
    for (const text of inputs) assert.ok(Array.isArray(checkPromptText(text, 'x.prompt')));
  });
});

describe('prompt validation: warnings', () => {
  it('warns about an input the body never uses', () => {
    const found = checkPromptText(file(`inputs: [text, title]\n${LABELS}`), 'w.prompt');
    assert.deepEqual(found, [{ severity: 'warning', message: 'input "title" is not used in the body', line: 2, column: 16, endLine: 2, endColumn: 21 }]);
  });

  it('warns when a continuation would be glued to the prompt', () => {
    const found = checkPromptText(file('inputs: [text]\nlabels:\n  negative: bad\n  positive: " good"\n'), 'w.prompt');
    assert.equal(found.length, 1);
    assert.equal(found[0].severity, 'warning');
    assert.equal(found[0].message, 'the continuation of "negative" has no leading space, so it is scored glued to the prompt ("…Sentiment:bad"); write " bad" unless that is intended');
    assert.deepEqual([found[0].line, found[0].column], [4, 3]);
  });

  it('does not warn when the body itself ends in a space', () => {
    const found = checkPromptText(file('inputs: [text]\nlabels:\n  negative: bad\n  positive: good\n', 'Review: {{ text }}\nSentiment: \n'), 'w.prompt');
    assert.deepEqual(found, []);
  });

  it('warns about a verbalizer label the dataset never uses', () => {
    const found = checkPromptText(file(OK), 'w.prompt', { file: 'd.jsonl', columns: ['text', 'label'], labels: ['positive'] });
    assert.deepEqual(found.map((d) => [d.severity, d.message, d.line, d.column]), [['warning', 'label "negative" never occurs in d.jsonl', 4, 3]]);
  });
});

describe('prompt validation: robustness', () => {
  // Front matter and body built from pieces that reach every branch of the checker, plus random text.
  const setting = fc.constantFrom('inputs: [text]\n', 'inputs: [text, title]\n', 'labels:\n', '  a: " x"\n', '  b: " y"\n', '  c: 1\n', 'task: generation\n', 'target_column: t\n', 'soft_prompt: marker\n', 'shots: 2\n', 'label_names: [a, b]\n', 'x: [\n', '\t', ':', '"', '- ', '  ');
  const bodyPiece = fc.constantFrom('{{ text }}', '{{ title }}', '{{ soft_prompt }}', '{{', '}}', '{%', '%}', '{#', '#}', '{% if text %}', '{% endif %}', '{% for w in text %}', '{% endfor %}', '{% else %}', '{% set y = 1 %}', '{{ y }}', '|', ' upper', '"', "'", '\n', 'Review: ', '-');
  const promptText = fc
    .tuple(fc.array(fc.oneof(setting, fc.string({ maxLength: 3 })), { maxLength: 12 }), fc.array(fc.oneof({ weight: 4, arbitrary: bodyPiece }, { weight: 1, arbitrary: fc.string({ maxLength: 3 }) }), { maxLength: 16 }))
    .map(([front, body]) => `---\n${front.join('')}\n---\n${body.join('')}`);

  it('never throws and never reports an internal error, for arbitrary mixtures of syntax', () => {
    fc.assert(
      fc.property(promptText, (text) => {
        const diagnostics = checkPromptText(text, 'fuzz.prompt', { columns: ['text'], labels: ['a', 'c'] });
        const lines = text.split('\n').length;
        for (const d of diagnostics) {
          assert.ok(!d.message.startsWith('internal error'), d.message);
          assert.ok(d.line >= 1 && d.line <= lines && d.column >= 1, JSON.stringify(d));
        }
      }),
      { numRuns: 2000, seed: 11 },
    );
  });
});
