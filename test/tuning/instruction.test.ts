import * as assert from 'assert';
import { parsePromptFile } from '../../src/prompts';
import { defaultInitSpec, instructionText } from '../../src/tuning/instruction';

const prompt = (body: string, extra = '') => parsePromptFile(['---', 'name: p', 'task: classification', 'inputs: [text]', 'label_column: label', 'labels:', '  a: " a"', '  b: " b"', extra, '---', body].filter((l) => l !== '').join('\n'), 'p.prompt');

describe('tuning/instruction (the default init text)', () => {
  it('is the body with inputs left empty and whitespace collapsed', () => {
    assert.strictEqual(instructionText(prompt('Review: {{ text }}\nMy rating: the movie is\n')), 'Review: My rating: the movie is');
    assert.deepStrictEqual(defaultInitSpec(prompt('Tweet: {{ text }}\nComplaint?')), { kind: 'text', text: 'Tweet: Complaint?' });
  });
  it('leaves out the soft-prompt marker', () => {
    assert.strictEqual(instructionText(prompt('{{ text }}\n{{ soft_prompt }}Liked it?', 'soft_prompt: marker')), 'Liked it?');
  });
  it('falls back to vocab init when the body is only inputs', () => {
    assert.strictEqual(instructionText(prompt('{{ text }}')), undefined);
    assert.deepStrictEqual(defaultInitSpec(prompt('{{ text }}')), { kind: 'vocab' });
  });
});
