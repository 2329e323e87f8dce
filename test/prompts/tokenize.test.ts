import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { buildScoredExample, encodePlain, parsePromptFile, previewPrompt, type PromptFile } from '../../src/prompts';
import { isUserError } from '../../src/engine/errors';
import { CharTokenizer, WordTokenizer } from './fake-tokenizer';

const LABELS = 'labels:\n  negative: " bad"\n  positive: " good!"\n';
const ids = (s: string): number[] => [...s].map((c) => c.codePointAt(0) as number);

function prompt(settings: string, body: string): PromptFile {
  return parsePromptFile(`---\n${settings}---\n${body}`, 't.prompt');
}

const sentiment = prompt(`inputs: [text]\n${LABELS}`, 'Review: {{ text }}\nSentiment:');
const marker = prompt(`inputs: [text]\n${LABELS}soft_prompt: marker\n`, 'Review: {{ text }}\n{{ soft_prompt }}Sentiment:');

describe('prompt files: scored examples', () => {
  it('encodes prompt and each continuation separately, gold = index of the row label', () => {
    const built = buildScoredExample(sentiment, { text: 'ok', label: 'positive' }, new CharTokenizer());
    assert.deepEqual(built.example, {
      promptIds: ids('Review: ok\nSentiment:'),
      continuations: [ids(' bad'), ids(' good!')],
      gold: 1,
    });
    assert.deepEqual(built.labels, ['negative', 'positive']);
    assert.equal(built.truncated, false);
    assert.equal(built.text, 'Review: ok\nSentiment:');
  });

  it('leaves gold out for unlabelled rows and rejects labels without a verbalizer entry', () => {
    assert.equal(buildScoredExample(sentiment, { text: 'ok' }, new CharTokenizer()).example.gold, undefined);
    assert.throws(
      () => buildScoredExample(sentiment, { text: 'ok', label: 'neutral' }, new CharTokenizer()),
      (e: unknown) => isUserError(e) && (e as Error).message === 't.prompt: label "neutral" has no entry under labels',
    );
  });

  it('puts BOS first (only once) when the tokenizer adds one; continuations get none', () => {
    const tok = new CharTokenizer(1);
    const built = buildScoredExample(marker, { text: 'ok', label: 'negative' }, tok);
    assert.deepEqual(built.example.promptIds, [1, ...ids('Review: ok\nSentiment:')]);
    assert.deepEqual(built.example.continuations, [ids(' bad'), ids(' good!')]);
    assert.equal(built.example.softPromptAt, 1 + 'Review: ok\n'.length);
    assert.deepEqual(encodePlain(tok, 'ab'), ids('ab'));
  });

  it('sets softPromptAt to the token count of the text before the marker', () => {
    const built = buildScoredExample(marker, { text: 'two words', label: 'negative' }, new WordTokenizer());
    // "Review:" " two" " words" "\n" | "Sentiment:"
    assert.equal(built.example.softPromptAt, 4);
    assert.equal(buildScoredExample(sentiment, { text: 'x', label: 'negative' }, new WordTokenizer()).example.softPromptAt, undefined);
  });

  it('places given ids (a projected soft prompt) at the soft-prompt position', () => {
    const built = buildScoredExample(marker, { text: 'ok', label: 'negative' }, new CharTokenizer(), { softPromptIds: [900, 901], numVirtual: 50, maxLength: 40 });
    const head = ids('Review: ok\n');
    assert.deepEqual(built.example.promptIds, [...head, 900, 901, ...ids('Sentiment:')]);
    assert.equal(built.example.softPromptAt, undefined);
    assert.equal(built.truncated, false);
    const prefix = buildScoredExample(sentiment, { text: 'ok', label: 'negative' }, new CharTokenizer(), { softPromptIds: [900] });
    assert.deepEqual(prefix.example.promptIds.slice(0, 2), [900, ids('R')[0]]);
  });

  it('cuts tokens from the left of the input, keeping the instruction text and continuations', () => {
    const text = 'abcdefghijklmnopqrstuvwxyz';
    // fixed text "Review: " + "\nSentiment:" = 19 chars, longest continuation 6, 5 virtual tokens.
    const built = buildScoredExample(sentiment, { text, label: 'negative' }, new CharTokenizer(), { maxLength: 40, numVirtual: 5 });
    assert.equal(built.truncated, true);
    assert.equal(built.text, `Review: ${text.slice(-10)}\nSentiment:`);
    assert.equal(built.example.promptIds.length + 5 + 6, 40);
    assert.deepEqual(built.example.continuations, [ids(' bad'), ids(' good!')]);
  });

  it('truncation property: the result fits, is a suffix of the input, and cuts no more than needed', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 0, maxLength: 60 }), fc.integer({ min: 30, max: 100 }), fc.integer({ min: 0, max: 5 }), (text, maxLength, numVirtual) => {
        const tok = new CharTokenizer();
        const built = buildScoredExample(sentiment, { text, label: 'positive' }, tok, { maxLength, numVirtual });
        const total = built.example.promptIds.length + numVirtual + 6;
        assert.ok(total <= maxLength);
        const kept = built.text.slice('Review: '.length, -'\nSentiment:'.length);
        assert.ok(text.endsWith(kept));
        assert.ok(built.text.startsWith('Review: ') && built.text.endsWith('\nSentiment:'));
        if (built.truncated) {
          // Only whitespace at the cut may be dropped beyond the exact fit.
          const exact = text.slice(text.length - (maxLength - numVirtual - 6 - 19));
          assert.equal(kept, exact.trimStart());
        } else assert.equal(kept, text);
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it('cuts the longest input first when there are several', () => {
    const two = prompt(`inputs: [title, text]\n${LABELS}`, '{{ title }}: {{ text }} ->');
    const built = buildScoredExample(two, { title: 'short', text: 'a much longer body of text', label: 'negative' }, new CharTokenizer(), { maxLength: 30 });
    // 30 - 6 (longest continuation) = 24 tokens: 10 fixed, 3 kept from title, 14 left for the longer text.
    assert.equal(built.text, 'short: r body of text ->');
    assert.equal(built.example.promptIds.length, 24);
  });

  it('refuses when the fixed text alone cannot fit', () => {
    assert.throws(
      () => buildScoredExample(sentiment, { text: 'x', label: 'negative' }, new CharTokenizer(), { maxLength: 20, numVirtual: 4 }),
      (e: unknown) =>
        isUserError(e) && (e as Error).message === "t.prompt: the prompt's fixed text takes 19 tokens; with 4 virtual tokens and a 6-token continuation nothing fits in 20 tokens",
    );
  });

  it('never cuts few-shot examples', () => {
    const shots = prompt(`inputs: [text]\n${LABELS}`, '{{ text }} =');
    const built = buildScoredExample(shots, { text: 'abcdefghij', label: 'negative' }, new CharTokenizer(), { maxLength: 20, shots: [{ text: 'xy', label: 'negative' }] });
    // 20 - 6 = 14 tokens: the shot (10) and " =" (2) are kept whole, 2 remain for the input.
    assert.equal(built.text, 'xy = bad\n\nij =');
  });

  it('builds generation examples from the target column with the target prefix', () => {
    const qa = prompt('task: generation\ninputs: [q]\ntarget_column: a\n', 'Q: {{ q }}\nA:');
    const built = buildScoredExample(qa, { q: 'hi', a: 'yo' }, new CharTokenizer());
    assert.deepEqual(built.example, { promptIds: ids('Q: hi\nA:'), continuations: [ids(' yo')], gold: 0 });
    assert.deepEqual(built.labels, []);
  });

  it('previews text, ids, pieces and the count', () => {
    const preview = previewPrompt(marker, { text: 'ok' }, new CharTokenizer(1));
    assert.equal(preview.text, 'Review: ok\nSentiment:');
    assert.equal(preview.tokenCount, 1 + preview.text.length);
    assert.deepEqual(preview.pieces, ['<bos>', ...preview.text]);
    assert.equal(preview.softPromptAt, 1 + 'Review: ok\n'.length);
    assert.equal(preview.softPromptOffset, 'Review: ok\n'.length);
  });
});
