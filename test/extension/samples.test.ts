/** Open Samples: the files it copies ship in the VSIX, are valid, and a user's existing file is never overwritten. */
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDataset } from '../../src/data/read';
import { checkPromptText, datasetContext, parsePromptFile } from '../../src/prompts';
import { SAMPLE_FILES, SAMPLE_PROMPTS, copySamples } from '../../src/extension/onboarding/samples';

const root = join(__dirname, '../../..');

describe('Open Samples', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'ptune-samples-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('copies every sample into an empty folder', () => {
    const result = copySamples(root, dir);
    assert.deepEqual(result.copied, SAMPLE_FILES.map((f) => join(dir, f.to)));
    assert.deepEqual(result.kept, []);
    for (const f of SAMPLE_FILES) assert.equal(readFileSync(join(dir, f.to), 'utf8'), readFileSync(join(root, f.from), 'utf8'));
  });

  it('keeps a file the user already has, byte for byte, and copies the rest', () => {
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'reviews.prompt'), 'my own prompt');
    writeFileSync(join(dir, 'data', 'reviews-dev.jsonl'), '{"text":"mine","label":"x"}\n');
    const result = copySamples(root, dir);
    assert.deepEqual(result.kept.sort(), [join(dir, 'data', 'reviews-dev.jsonl'), join(dir, 'reviews.prompt')]);
    assert.equal(result.copied.length, SAMPLE_FILES.length - 2);
    assert.equal(readFileSync(join(dir, 'reviews.prompt'), 'utf8'), 'my own prompt');
    assert.equal(readFileSync(join(dir, 'data', 'reviews-dev.jsonl'), 'utf8'), '{"text":"mine","label":"x"}\n');
    // A second run copies nothing.
    assert.deepEqual(copySamples(root, dir).copied, []);
  });

  it('a missing source is an error, not a silent skip', () => {
    assert.throws(() => copySamples(root, dir, [{ from: 'examples/nope.prompt', to: 'nope.prompt' }]), /ENOENT/);
    assert.equal(existsSync(join(dir, 'nope.prompt')), false);
  });

  it('each sample prompt fits its sample datasets with no diagnostics', async () => {
    copySamples(root, dir);
    for (const sample of SAMPLE_PROMPTS) {
      const text = readFileSync(join(dir, sample.prompt), 'utf8');
      const prompt = parsePromptFile(text, sample.prompt);
      for (const data of [sample.train, sample.dev]) {
        const dataset = await readDataset(join(dir, data));
        assert.ok(dataset.rows.length >= 30, data);
        assert.deepEqual(checkPromptText(text, sample.prompt, datasetContext(prompt, dataset)), [], `${sample.prompt} on ${data}`);
      }
    }
  });

  it('the samples ship in the VSIX: .vscodeignore does not drop them', () => {
    const ignore = readFileSync(join(root, '.vscodeignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    for (const f of SAMPLE_FILES) {
      const dropped = ignore.filter((pattern) => !pattern.startsWith('node_modules/') && f.from.startsWith(pattern.replace(/\*\*$/, '')));
      assert.deepEqual(dropped, [], f.from);
    }
  });
});
