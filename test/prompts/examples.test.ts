/**
 * The prompt files in examples/ against the real datasets in ../shared and the real tokenizer, and the demo
 * prompt against its own small dataset.
 */
import * as assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { loadTokenizer } from '../../src/engine/tokenizer';
import { buildScoredExample, checkPromptText, loadPromptFile, previewPrompt, readDatasetForPrompt } from '../../src/prompts';
import { readFileSync } from 'node:fs';
import { sharedPath } from '../helpers/shared';

const EXAMPLES = resolve(__dirname, '../../../examples');
const example = (name: string): string => join(EXAMPLES, name);

describe('examples: prompt files', () => {
  it('every example prompt file is free of errors and warnings', () => {
    for (const name of ['sst2-rating.prompt', 'sst2-overall.prompt', 'sst2-question.prompt', 'twitter-complaints.prompt', 'reviews.prompt']) {
      assert.deepEqual(checkPromptText(readFileSync(example(name), 'utf8'), name), [], name);
    }
  });

  it('the three SST-2 prompts are worded differently', async () => {
    const bodies = await Promise.all(['sst2-rating', 'sst2-overall', 'sst2-question'].map(async (n) => (await loadPromptFile(example(`${n}.prompt`))).body));
    assert.equal(new Set(bodies).size, 3);
  });

  for (const name of ['sst2-rating', 'sst2-overall', 'sst2-question']) {
    it(`${name}.prompt fits SST-2 dev (872 rows, labels negative/positive)`, async function () {
      const prompt = await loadPromptFile(example(`${name}.prompt`));
      const data = await readDatasetForPrompt(prompt, sharedPath(this, 'datasets/sst2/dev.jsonl'));
      assert.equal(data.rows.length, 872);
      assert.deepEqual(new Set(data.rows.map((r) => r.label)), new Set(['negative', 'positive']));
    });
  }

  it('twitter-complaints.prompt fits the twitter_complaints data (labels "complaint" / "no complaint")', async function () {
    const prompt = await loadPromptFile(example('twitter-complaints.prompt'));
    const data = await readDatasetForPrompt(prompt, sharedPath(this, 'datasets/twitter_complaints/train.jsonl'));
    assert.equal(data.rows.length, 50);
    assert.deepEqual(prompt.labels.map((l) => l.label), ['complaint', 'no complaint']);
    assert.equal(data.rows.filter((r) => r.label === 'complaint').length, 17);
  });

  it('the demo data: 60 train and 30 dev rows, balanced, and reviews.prompt fits them', async () => {
    const prompt = await loadPromptFile(example('reviews.prompt'));
    const train = await readDatasetForPrompt(prompt, example('data/reviews-train.jsonl'));
    const dev = await readDatasetForPrompt(prompt, example('data/reviews-dev.jsonl'));
    assert.equal(train.rows.length, 60);
    assert.equal(dev.rows.length, 30);
    for (const data of [train, dev]) assert.equal(data.rows.filter((r) => r.label === 'positive').length * 2, data.rows.length);
    const texts = new Set(train.rows.map((r) => r.text));
    assert.ok(dev.rows.every((r) => !texts.has(r.text)), 'dev and train overlap');
  });
});

describe('examples: with the real tokenizer', () => {
  it('sst2-rating: prompt ids are the tokenization of the rendered text; " terrible" and " great" are one token each', async function () {
    const tokenizer = await loadTokenizer(sharedPath(this, 'models/imdb-gpt2-small'));
    const prompt = await loadPromptFile(example('sst2-rating.prompt'));
    const row = { text: 'one long string of cliches .', label: 'negative' };
    const { example: ex, labels } = buildScoredExample(prompt, row, tokenizer, { maxLength: 256, numVirtual: 10 });
    const text = 'Review: one long string of cliches . My rating: the movie is';
    assert.deepEqual(ex.promptIds, tokenizer.encode(text));
    assert.equal(tokenizer.decode(ex.promptIds), text);
    assert.deepEqual(ex.continuations, [tokenizer.encode(' terrible'), tokenizer.encode(' great')]);
    assert.deepEqual(ex.continuations.map((c) => c.length), [1, 1]);
    assert.equal(ex.gold, 0);
    assert.deepEqual(labels, ['negative', 'positive']);
    const preview = previewPrompt(prompt, row, tokenizer);
    assert.equal(preview.pieces.join(''), text);
    assert.deepEqual(preview.pieces.slice(-3), [' the', ' movie', ' is']);
    assert.equal(preview.tokenCount, ex.promptIds.length);
  });

  it('sst2-question: the marker splits the ids at the line break', async function () {
    const tokenizer = await loadTokenizer(sharedPath(this, 'models/imdb-gpt2-small'));
    const prompt = await loadPromptFile(example('sst2-question.prompt'));
    const { example: ex } = buildScoredExample(prompt, { text: 'a gem .', label: 'positive' }, tokenizer);
    const head = tokenizer.encode('Movie review: a gem .\n');
    assert.equal(ex.softPromptAt, head.length);
    assert.deepEqual(ex.promptIds.slice(0, head.length), head);
    assert.equal(tokenizer.decode(ex.promptIds.slice(head.length)), 'Did the reviewer like the movie? Answer:');
  });

  it('truncates a long SST-2 review from the left to fit 64 positions', async function () {
    const tokenizer = await loadTokenizer(sharedPath(this, 'models/imdb-gpt2-small'));
    const prompt = await loadPromptFile(example('sst2-rating.prompt'));
    const text = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    const built = buildScoredExample(prompt, { text, label: 'positive' }, tokenizer, { maxLength: 64, numVirtual: 20 });
    assert.ok(built.truncated);
    assert.ok(built.example.promptIds.length + 20 + 1 <= 64);
    assert.ok(built.text.startsWith('Review: ') && built.text.endsWith(' word39 My rating: the movie is'), built.text);
  });
});
