import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetOptionsFor, parsePromptFile, readDatasetForPrompt } from '../../src/prompts';
import { isUserError } from '../../src/engine/errors';

const dir = mkdtempSync(join(tmpdir(), 'ptune-fit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PROMPT = '---\ninputs: [text]\nlabels:\n  negative: " bad"\n  positive: " good"\n---\n{{ text }} It was';

describe('prompt files against datasets', () => {
  it('reads only the columns the prompt needs', async () => {
    const prompt = parsePromptFile(PROMPT, 'p.prompt');
    const file = join(dir, 'ok.jsonl');
    writeFileSync(file, '{"text": "x", "label": "positive", "id": 1}\n');
    const data = await readDatasetForPrompt(prompt, file);
    assert.deepEqual(data.rows, [{ text: 'x', label: 'positive' }]);
    assert.deepEqual(datasetOptionsFor(prompt), { textColumns: ['text'], labelColumn: 'label' });
  });

  it('names the prompt position and the dataset line of a label without a verbalizer entry', async () => {
    const prompt = parsePromptFile(PROMPT, 'p.prompt');
    const file = join(dir, 'neutral.jsonl');
    writeFileSync(file, '{"text": "x", "label": "positive"}\n{"text": "y", "label": "neutral"}\n');
    await assert.rejects(readDatasetForPrompt(prompt, file), (e: unknown) => {
      assert.ok(isUserError(e));
      assert.equal((e as Error).message, `p.prompt:3:1: label "neutral" in ${file} (first on line 2) has no entry under labels`);
      return true;
    });
  });

  it('maps integer labels through the prompt\'s label_names', async () => {
    const prompt = parsePromptFile(PROMPT.replace('inputs: [text]', 'inputs: [text]\nlabel_names: [negative, positive]'), 'p.prompt');
    const file = join(dir, 'ints.jsonl');
    writeFileSync(file, '{"text": "x", "label": 1}\n{"text": "y", "label": 0}\n');
    assert.deepEqual((await readDatasetForPrompt(prompt, file)).rows.map((r) => r.label), ['positive', 'negative']);
  });

  it('uses the target column for generation prompts', async () => {
    const prompt = parsePromptFile('---\ntask: generation\ninputs: [q]\ntarget_column: a\n---\nQ: {{ q }}\nA:', 'qa.prompt');
    const file = join(dir, 'qa.csv');
    writeFileSync(file, 'q,a,extra\n1+1,2,z\n');
    assert.deepEqual((await readDatasetForPrompt(prompt, file)).rows, [{ q: '1+1', a: '2' }]);
  });
});
