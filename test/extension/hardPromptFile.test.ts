import '../helpers/register-vscode-fake'; // before the extension modules: they take l10n from 'vscode'
import * as assert from 'node:assert/strict';
import { hardPromptFile } from '../../src/extension/flows/hardPromptFile';
import { parsePromptFile, renderPrompt } from '../../src/prompts';

const prefixSource = [
  '---', 'name: sst2-overall', '# keep this comment', 'task: classification', 'inputs: [text]', 'label_column: label',
  'labels:', '  negative: " bad"', '  positive: " good"', 'soft_prompt: prefix', '---', '{{ text }} Overall, the movie was', '',
].join('\n');

const markerSource = [
  '---', 'name: marked', 'task: classification', 'inputs: [text]', 'label_column: label',
  'labels:', '  negative: " bad"', '  positive: " good"', 'soft_prompt: marker', '---', 'Review: {{ text }} {{ soft_prompt }} Verdict:', '',
].join('\n');

describe('hardPromptFile (Save as .prompt of a projection)', () => {
  it('puts the text in front of the body of a prefix prompt and renames it', () => {
    const text = hardPromptFile(prefixSource, 'great film', 'run-1-projection', 'Nearest-token projection of run-1.');
    const prompt = parsePromptFile(text, 'out.prompt');
    assert.equal(prompt.name, 'run-1-projection');
    assert.equal(prompt.description, 'Nearest-token projection of run-1.');
    assert.match(text, /# keep this comment/);
    assert.equal(renderPrompt(prompt, { text: 'a fine cast', label: 'positive' }).text, 'great filma fine cast Overall, the movie was');
  });

  it('replaces the soft-prompt marker of a marker prompt', () => {
    const prompt = parsePromptFile(hardPromptFile(markerSource, ' sweet', 'm', 'd'), 'out.prompt');
    assert.equal(renderPrompt(prompt, { text: 'x', label: 'negative' }).text, 'Review: x  sweet Verdict:');
  });

  it('keeps Jinja delimiters and markup in the text literal', () => {
    const hard = '{{ label }} {% if %}<img src=x onerror=alert(1)> "q" \\';
    const prompt = parsePromptFile(hardPromptFile(markerSource, hard, 'm', 'd'), 'out.prompt');
    assert.equal(renderPrompt(prompt, { text: 'x', label: 'negative' }).text, `Review: x ${hard} Verdict:`);
  });
});
