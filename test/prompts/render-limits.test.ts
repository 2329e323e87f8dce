/**
 * Issue 12, items 5 and 11: rendering is bounded (characters, steps, range length, time) and every failure
 * inside a template is the user's error, naming the prompt file (and, for datasets, the row).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Template } from '@huggingface/jinja';
import { isUserError } from '../../src/engine/errors';
import { loadPromptFile, renderPrompt } from '../../src/prompts';
import { DEFAULT_RENDER_LIMITS, renderBody } from '../../src/prompts/template';
import { WorkerClient } from '../../src/worker/client';
import { writeFakeModel } from '../helpers/fake-engine';
import { writeFixture, writeJsonl } from '../helpers/tuning-fixtures';

const promptWith = (dir: string, name: string, body: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, ['---', 'name: t', 'task: classification', 'inputs: [text]', 'labels:', '  negative: " no"', '  positive: " yes"', '---', body, ''].join('\n'));
  return file;
};

describe('prompts: bounded rendering and template errors (issue 12, items 5 and 11)', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-render-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('renders ordinary templates exactly as @huggingface/jinja does (loops, filters, macros, namespace, set)', () => {
    const bodies = [
      'Text: {{ text }}\nAnswer:',
      '{% for w in text.split(" ") %}[{{ loop.index }}:{{ w|upper }}]{% endfor %}',
      '{% macro q(x) %}<{{ x|trim }}>{% endmacro %}{{ q(text) }}{{ range(2, 11, 3)|join(",") }}{{ range(5, 0, -2)|join(",") }}',
      '{% set ns = namespace(n=0) %}{% for c in text.split(" ") %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }} {{ text|length }}',
      '{% if text is defined and text|length > 3 %}long{% else %}short{% endif %}\n',
    ];
    for (const body of bodies) assert.strictEqual(renderBody(body, { text: ' a fine film ' }), new Template(body).render({ text: ' a fine film ' }), body);
  });

  const cases: [string, string, RegExp][] = [
    ['a range() past its limit', '{% for i in range(100000000) %}x{% endfor %}', /: range\(\) of 100,000,000 numbers is longer than the limit of 100,000$/],
    ['nested loops past the step limit', '{% for i in range(1000) %}{% for j in range(1000) %}x{% endfor %}{% endfor %}', /: the template took (more than 100,000 evaluation steps|longer than 1000 ms to render) \(a loop that is too long\?\)$/],
    ['text doubling past the character limit', '{% set ns = namespace(s="x") %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}', /: the template produced more than 1,000,000 characters$/],
    ['raise_exception()', '{{ raise_exception("no reviews longer than 3 words") }}', /: the template raised an error: no reviews longer than 3 words$/],
    ['calling a method that does not exist', '{{ text.shout() }}', /: the template failed: .*not a function/],
  ];
  for (const [what, body, message] of cases) {
    it(`${what}: a UserError naming the prompt file, within the time bound`, async () => {
      const file = promptWith(dir, `${what.replace(/\W+/g, '-')}.prompt`, body);
      const prompt = await loadPromptFile(file);
      const started = performance.now();
      assert.throws(() => renderPrompt(prompt, { text: 'a fine film' }), (e: Error) => isUserError(e) && e.message.startsWith(`${file}: `) && message.test(e.message));
      assert.ok(performance.now() - started < DEFAULT_RENDER_LIMITS.maxMillis + 500, `${performance.now() - started} ms`);
    });
  }

  it('each limit on its own: steps (deterministic), time, characters', () => {
    const loop = '{% for i in range(300) %}{% for j in range(300) %}x{% endfor %}{% endfor %}';
    assert.throws(() => renderBody(loop, {}, { ...DEFAULT_RENDER_LIMITS, maxSteps: 5_000, maxMillis: 1e9 }), { message: 'the template took more than 5,000 evaluation steps (a loop that is too long?)' });
    assert.throws(() => renderBody(loop, {}, { ...DEFAULT_RENDER_LIMITS, maxSteps: 1e9, maxMillis: 20 }), { message: 'the template took longer than 20 ms to render (a loop that is too long?)' });
    assert.throws(() => renderBody('{{ text }}{{ text }}', { text: 'abc' }, { ...DEFAULT_RENDER_LIMITS, maxChars: 5 }), { message: 'the template produced more than 5 characters' });
    assert.strictEqual(renderBody('{{ text }}', { text: 'abcde' }, { ...DEFAULT_RENDER_LIMITS, maxChars: 5 }), 'abcde');
  });

  it('in the worker: a template error names the data file and line, then the prompt file', async () => {
    const model = writeFakeModel(path.join(dir, 'model'), { hiddenSize: 6, seed: 2 });
    const template = promptWith(dir, 'raises.prompt', '{% if text == "a dull film" %}{{ raise_exception("bad row") }}{% endif %}{{ text }}');
    const data = writeJsonl(path.join(dir, 'rows.jsonl'), [{ text: 'a fine film', label: 'positive' }, { text: 'a dull film', label: 'negative' }]);
    const client = new WorkerClient({ engineModule: path.join(__dirname, '..', 'helpers', 'fake-engine.js') });
    try {
      await assert.rejects(client.run('eval', { model, data, template }).result, { name: 'UserError', message: `${data}:2: ${template}: the template raised an error: bad row` });
    } finally {
      await client.dispose();
    }
  });

  it('in the worker: a runaway preview does not hold up cancelling a training job', async function () {
    const fx = writeFixture(path.join(dir, 'fx2'));
    const model = writeFakeModel(path.join(dir, 'model2'), { hiddenSize: 6, seed: 2 });
    const bomb = promptWith(dir, 'bomb.prompt', '{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}');
    const client = new WorkerClient({ engineModule: path.join(__dirname, '..', 'helpers', 'fake-engine.js') });
    try {
      let stepped!: () => void;
      const firstStep = new Promise<void>((resolve) => (stepped = resolve));
      const training = client.run('train', { model, train: fx.train, template: fx.template, out: path.join(dir, 'never'), steps: 1_000_000, virtualTokens: 2 }, { onProgress: (p) => p.type === 'step' && stepped() });
      await firstStep;
      const preview = client.run('preview', { model, template: bomb, row: { text: 'x' } });
      const started = performance.now();
      training.cancel();
      const result = await training.result;
      const cancelSeconds = (performance.now() - started) / 1000;
      assert.strictEqual(result.stopReason, 'cancelled');
      // Before: the preview held the worker's thread for about a minute. Now one rendering is bounded by 1 s.
      assert.ok(cancelSeconds < DEFAULT_RENDER_LIMITS.maxMillis / 1000 + 1.5, `cancel took ${cancelSeconds.toFixed(2)} s`);
      await assert.rejects(preview.result, { name: 'UserError', message: new RegExp(`^${bomb.replace(/[\\/.]/g, '\\$&')}: the template took `) });
    } finally {
      await client.dispose();
    }
  });
});

describe('prompts: a verbalizer continuation that tokenizes to nothing (issue 12, item 12)', () => {
  it('names the prompt file, the label and the reason', async () => {
    const { buildScoredExample } = await import('../../src/prompts');
    const { CharTokenizer } = await import('./fake-tokenizer');
    // Like tokenizers whose normalizer strips whitespace: "  " becomes no tokens.
    class Stripping extends CharTokenizer {
      override encode(text: string): number[] {
        return super.encode(text.trim());
      }
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-verbalizer-'));
    try {
      const file = path.join(dir, 'blank.prompt');
      fs.writeFileSync(file, ['---', 'name: t', 'task: classification', 'inputs: [text]', 'labels:', '  negative: " no"', '  neutral: "  "', '---', 'Text: {{ text }}', ''].join('\n'));
      const prompt = await loadPromptFile(file);
      assert.throws(() => buildScoredExample(prompt, { text: 'x', label: 'negative' }, new Stripping()), {
        name: 'UserError',
        message: `${file}: the continuation of label "neutral" ("  ") tokenizes to no tokens with this model's tokenizer (whitespace or characters it drops), so the label could never be scored: give it visible text, e.g. " neutral"`,
      });
      assert.strictEqual(buildScoredExample(prompt, { text: 'x', label: 'negative' }, new CharTokenizer()).example.continuations[1].length, 2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
