/**
 * Telling Google's Dotprompt files from ours. The Dotprompt files below use the features of its reference
 * (https://google.github.io/dotprompt/reference/ and github.com/google/dotprompt): the frontmatter fields
 * model / config / input / output / tools / metadata / namespaced extensions, Picoschema and JSON Schema,
 * and the Handlebars template with Dotprompt's helpers and role markers.
 */
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROMPT_KINDS, PROMPT_SKELETONS, detectDotprompt } from '../../src/prompts';

const lines = (...l: string[]): string => l.join('\n') + '\n';

const DOTPROMPT_FILES: Record<string, string> = {
  'Go example shape: JSON Schema input, output format, role markers': lines(
    '---', 'model: "gemini-2.5-flash"', 'description: "Shorten the text."', 'input:', '  schema:', '    type: object',
    '    properties:', '      text:', '        type: string', '    required:', '      - text', 'output:', '  format: "text"', '---',
    '<<<dotprompt:role:user>>>', 'Shorten this:', '', '{{text}}'),
  'Genkit: provider/model, config, Picoschema, JSON output': lines(
    '---', 'model: googleai/gemini-1.5-flash', 'config:', '  temperature: 0.7', '  topK: 20', 'input:', '  schema:',
    '    name: string', '    language?: string', 'output:', '  format: json', '  schema:', '    greeting: string, the greeting', '---',
    'Greet {{name}} in {{language}}.'),
  'only an output section, plain {{var}} body': lines('---', 'output:', '  format: json', '---', 'List three facts about {{topic}}.'),
  'tools and metadata': lines('---', 'name: weather', 'tools: [timeOfDay]', 'metadata:', '  owner: me', '---', 'What is the weather in {{city}}?'),
  'a namespaced extension key': lines('---', 'mycorp.ownerId: 12345', '---', 'Hello {{name}}'),
  'no front matter, {{role}} and {{#each}}': lines('{{role "system"}}', 'You are helpful.', '{{role "user"}}', '{{#each items}}- {{this}}', '{{/each}}'),
  'a partial and a comment': lines('---', 'name: withPartial', '---', '{{! greets the user }}', '{{> header}}', 'Hi {{name}}'),
  '{{#if}} / {{else}} and {{history}}': lines('---', 'description: chat', '---', '{{#if isLoggedIn}}Welcome back!{{else}}Please log in.{{/if}}', '{{history}}'),
  'media and triple-stash': lines('---', 'input:', '  schema:', '    photoUrl: string', '---', 'Describe {{media url=photoUrl}} and {{{rawHtml}}}'),
  'YAML that does not parse, but Dotprompt keys': lines('---', 'model: googleai/gemini-1.5-pro', 'config:', '  topP 0.8', '  temperature: 1', '---', 'Hi {{name}}'),
};

const examples = join(__dirname, '../../../examples');

describe('Dotprompt detection', () => {
  for (const [name, text] of Object.entries(DOTPROMPT_FILES)) {
    it(`detects Dotprompt: ${name}`, () => {
      const verdict = detectDotprompt(text);
      assert.equal(verdict.isDotprompt, true);
      assert.ok(verdict.reasons.length > 0);
    });
  }

  it('says why (for the hint): the keys and the Handlebars it found', () => {
    assert.deepEqual(detectDotprompt(DOTPROMPT_FILES['Genkit: provider/model, config, Picoschema, JSON output']).reasons,
      ['the front-matter key "model"', 'the front-matter key "config"', 'the front-matter key "input"', 'the front-matter key "output"']);
    assert.deepEqual(detectDotprompt(DOTPROMPT_FILES['a partial and a comment']).reasons,
      ['a Handlebars partial ({{> …}})', 'a Handlebars comment ({{! …}})']);
  });

  it('never detects our own examples/*.prompt or the new-file skeletons', () => {
    const files = readdirSync(examples).filter((f) => f.endsWith('.prompt'));
    assert.ok(files.length >= 6);
    for (const file of files) assert.deepEqual(detectDotprompt(readFileSync(join(examples, file), 'utf8')), { isDotprompt: false, reasons: [] }, file);
    for (const kind of PROMPT_KINDS) assert.equal(detectDotprompt(PROMPT_SKELETONS[kind].text).isDotprompt, false, kind);
  });

  it('keeps checking our files that have mistakes, Jinja blocks and comments', () => {
    const ours = [
      // A key only our format has wins over a Dotprompt key written by mistake: the error is reported.
      lines('---', 'model: gpt2', 'inputs: [text]', 'labels: {a: " a", b: " b"}', '---', '{{ text }}'),
      lines('---', 'modle: x', 'inputs: [text]', '---', '{{ text }}'),
      lines('---', 'task: generation', 'inputs: [q]', 'target_column: a', '---', '{# a Jinja comment #}{% if q %}Q: {{ q }}{% endif %}', '{{ q | upper }}'),
      lines('---', 'name: x', '---', '{{ text }}'),
      lines('no front matter {{ text }}'),
      lines('---', 'inputs: [text', '---', '{{ text }}'),
    ];
    for (const text of ours) assert.equal(detectDotprompt(text).isDotprompt, false, text);
  });
});
