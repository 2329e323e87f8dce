/** New Prompt File's skeletons and the snippets: valid as they are, and the snippets are the same texts. */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROMPT_KINDS, PROMPT_SKELETONS, checkPromptText, parsePromptFile } from '../../src/prompts';

const root = join(__dirname, '../../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** A snippet body as inserted when every tab stop keeps its default (`$n` repeats stop n's value). */
function expandSnippet(body: string[]): string {
  const values = new Map<string, string>();
  return body.join('\n')
    .replace(/\$\{(\d+):([^}]*)\}/g, (_, n: string, value: string) => { values.set(n, value); return value; })
    .replace(/\$(\d+)/g, (_, n: string) => values.get(n) ?? '');
}

describe('new prompt files', () => {
  for (const kind of PROMPT_KINDS) {
    it(`the ${kind} skeleton validates with no diagnostics`, () => {
      const { text } = PROMPT_SKELETONS[kind];
      assert.deepEqual(checkPromptText(text, PROMPT_SKELETONS[kind].fileName), []);
      const prompt = parsePromptFile(text, 'new.prompt');
      assert.equal(prompt.task, kind === 'generation' ? 'generation' : 'classification');
      assert.equal(prompt.format, kind === 'chat' ? 'chat' : 'text');
    });
  }

  it('the snippets, with their defaults, are the skeletons (and so validate)', () => {
    const contribution = pkg.contributes.snippets.find((s: { language: string }) => s.language === 'ptune-prompt');
    const snippets = JSON.parse(readFileSync(join(root, contribution.path), 'utf8')) as Record<string, { body: string[] }>;
    const byKind = { classification: 'Classification prompt', generation: 'Generation prompt', chat: 'Chat prompt' } as const;
    for (const kind of PROMPT_KINDS) assert.equal(expandSnippet(snippets[byKind[kind]].body), PROMPT_SKELETONS[kind].text, kind);
  });
});
