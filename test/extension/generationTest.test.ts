import '../helpers/register-vscode-fake'; // before the extension modules: they take l10n from 'vscode'
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../src/engine/errors';
import { resolveSampling, type ModelGenerationConfig } from '../../src/generation/config';
import { describeGeneration } from '../../src/extension/flows/describe';
import { GenerationStream } from '../../src/extension/flows/generationStream';
import { GENERATION_SETTINGS, samplingFromSettings } from '../../src/extension/generationSettings';
import { INLINE_MAX_CHARS, oneLine, quotedExcerpt } from '../../src/extension/language/inlineText';
import type { GenerationViewState } from '../../src/extension/views/protocol';
import type { GenerateResult } from '../../src/worker/protocol';

describe('inline text', () => {
  it('quotes a short text whole, escapes and all', () => {
    assert.equal(quotedExcerpt('a <b>\n"c"', 40), '"a <b>\\n\\"c\\""');
  });

  it('cuts a long text to the limit, keeping its beginning, and round-trips the kept part', () => {
    const text = 'The quick brown fox jumps over the lazy dog.\n'.repeat(20);
    for (const max of [10, 37, 80, 160]) {
      const excerpt = quotedExcerpt(text, max);
      assert.ok(excerpt.length <= max, `${excerpt.length} > ${max}`);
      assert.ok(excerpt.length >= max - 2, `${excerpt} wastes room`);
      assert.ok(excerpt.endsWith('…"'));
      const kept = JSON.parse(`${excerpt.slice(0, -2)}"`) as string;
      assert.ok(text.startsWith(kept));
    }
  });

  it('never splits an escape or a character made of several code points', () => {
    const emoji = '👩‍👩‍👧'; // 8 UTF-16 code units, one grapheme
    const text = `${'\t'.repeat(3)}${emoji.repeat(10)}`;
    for (let max = 3; max <= 40; max++) {
      const excerpt = quotedExcerpt(text, max);
      const kept = JSON.parse(`${excerpt.slice(0, -2)}"`) as string; // throws on a cut escape
      assert.equal(kept.replace(/\t/g, '').length % emoji.length, 0, `max ${max}: ${excerpt}`);
      assert.ok(excerpt.length <= max);
    }
  });

  it('flattens whitespace into one line and marks a cut', () => {
    assert.equal(oneLine('  a\n\n b\tc  '), 'a b c');
    const long = oneLine('x'.repeat(500));
    assert.equal(long.length, INLINE_MAX_CHARS);
    assert.ok(long.endsWith('…'));
  });
});

describe('describeGeneration (the streamed inline result)', () => {
  const long = 'Once upon a time, '.repeat(40);

  it('fits every state in the inline limit and says where it stands', () => {
    const cases = [
      { status: 'running', tail: ' · generating… 120 tokens' },
      { status: 'done', tail: ' · 120 tokens' },
      { status: 'cancelled', tail: ' · cancelled after 120 tokens' },
      { status: 'failed', tail: ' · failed' },
    ] as const;
    for (const { status, tail } of cases) {
      const { inline, detail } = describeGeneration({ text: long, tokens: 120, status, message: 'boom' });
      assert.ok(inline.length <= INLINE_MAX_CHARS, `${status}: ${inline.length}`);
      assert.ok(inline.startsWith('→ "Once upon a time, '), inline);
      assert.ok(inline.endsWith(`…"${tail}`), inline);
      // The hover and the output channel get the whole text.
      assert.ok(detail.endsWith(`\n${long}`));
    }
  });

  it('keeps a short answer whole, with its newlines visible', () => {
    assert.equal(describeGeneration({ text: 'Yes.\n', tokens: 1, status: 'done' }).inline, '→ "Yes.\\n" · 1 token');
    assert.equal(describeGeneration({ text: '', tokens: 0, status: 'running' }).inline, '→ "" · generating… 0 tokens');
  });

  it('marks a cancelled answer and keeps its partial text', () => {
    const { inline, detail } = describeGeneration({ text: 'partial', tokens: 3, status: 'cancelled' });
    assert.equal(inline, '→ "partial" · cancelled after 3 tokens');
    assert.equal(detail, 'cancelled after 3 tokens; the text so far\npartial');
  });
});

describe('promptTuning.generation.* settings → sampling request', () => {
  const settings = (values: Record<string, unknown>) => (key: string) => values[key];
  const greedyModel: ModelGenerationConfig = { doSample: false, temperature: 1, topK: 50, topP: 1, minP: 0, repetitionPenalty: 1, eosTokenIds: [0] };
  const samplingModel: ModelGenerationConfig = { ...greedyModel, doSample: true, temperature: 0.7, topP: 0.8, topK: 20 };

  it('leaves null settings out, so the model\'s generation_config.json decides', () => {
    const request = samplingFromSettings(settings({ 'generation.temperature': null, 'generation.topP': null, 'generation.seed': null }));
    assert.deepEqual(request, {});
    assert.deepEqual(resolveSampling(request, samplingModel), { temperature: 0.7, topK: 20, topP: 0.8, minP: 0, repetitionPenalty: 1, seed: 0 });
    assert.equal(resolveSampling(request, greedyModel).temperature, 0);
  });

  it('passes set values through under the sampling names', () => {
    const request = samplingFromSettings(settings({ 'generation.temperature': 0.5, 'generation.topP': 0.9, 'generation.seed': 7 }));
    assert.deepEqual(request, { temperature: 0.5, topP: 0.9, seed: 7 });
    assert.deepEqual(resolveSampling(request, greedyModel), { temperature: 0.5, topK: 50, topP: 0.9, minP: 0, repetitionPenalty: 1, seed: 7 });
    // Temperature 0 is greedy even on a model that samples by default.
    assert.equal(resolveSampling(samplingFromSettings(settings({ 'generation.temperature': 0 })), samplingModel).temperature, 0);
  });

  it('rejects an out-of-range value with a message naming the setting', () => {
    const bad: [string, unknown, RegExp][] = [
      ['generation.temperature', -1, /^promptTuning\.generation\.temperature must be a number ≥ 0/],
      ['generation.topP', 0, /^promptTuning\.generation\.topP must be a number in \(0, 1\]/],
      ['generation.topP', 1.5, /^promptTuning\.generation\.topP must be/],
      ['generation.topP', '0.9', /^promptTuning\.generation\.topP must be .*got "0\.9"/],
      ['generation.seed', 1.5, /^promptTuning\.generation\.seed must be a whole number ≥ 0/],
      ['generation.seed', -3, /^promptTuning\.generation\.seed must be/],
    ];
    for (const [key, value, message] of bad) {
      assert.throws(() => samplingFromSettings(settings({ [key]: value })), (e: unknown) => e instanceof UserError && message.test(e.message), `${key} = ${JSON.stringify(value)}`);
    }
  });

  it('reads exactly the settings package.json declares, each defaulting to null', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8'));
    const properties = pkg.contributes.configuration.properties as Record<string, { default: unknown; type: string[] }>;
    const declared = Object.keys(properties).filter((k) => k.startsWith('promptTuning.generation.'));
    assert.deepEqual(declared.sort(), Object.values(GENERATION_SETTINGS).map((k) => `promptTuning.${k}`).sort());
    for (const key of declared) {
      assert.equal(properties[key].default, null, key);
      assert.ok(properties[key].type.includes('null'), key);
    }
  });
});

describe('GenerationStream (what ▶ Test draws while a generation streams)', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const result = (text: string, tokens: number): GenerateResult => ({
    text, ids: Array.from({ length: tokens }, (_, i) => i), finishReason: 'stop', tokensPerSecond: 12.5, timeToFirstTokenMs: 80,
    promptTokens: 9, maxNewTokens: 40, warnings: [],
    sampling: { temperature: 0.7, topK: 50, topP: 1, minP: 0, repetitionPenalty: 1, seed: 3 },
  });
  const start = (redrawMs = 40) => {
    const draws: GenerationViewState[] = [];
    const stream = new GenerationStream({ file: 'story.prompt', source: 'row 2' }, (v) => draws.push(v), redrawMs);
    stream.started('job-1');
    return { stream, draws };
  };

  it('draws the start at once, then at most one redraw per interval with all the text so far', async () => {
    const { stream, draws } = start();
    assert.deepEqual(draws, [{ jobId: 'job-1', file: 'story.prompt', source: 'row 2', text: '', tokens: 0, status: 'running' }]);
    for (const [i, piece] of ['Once', ' upon', ' a', ' time'].entries()) stream.text(piece, i + 1);
    assert.equal(draws.length, 1, 'pieces arriving together are not drawn one by one');
    await sleep(100);
    assert.equal(draws.length, 2);
    assert.deepEqual({ text: draws[1].text, tokens: draws[1].tokens, status: draws[1].status }, { text: 'Once upon a time', tokens: 4, status: 'running' });
    stream.text(',', 5);
    await sleep(100);
    assert.equal(draws.length, 3);
    assert.equal(draws[2].text, 'Once upon a time,');
  });

  it('ends with the result\'s text (cut before a stop string) and its figures, and no late redraw', async () => {
    const { stream, draws } = start();
    stream.text('Hello.\nUs', 3);
    stream.done(result('Hello.', 3));
    const last = draws.at(-1)!;
    assert.equal(last.status, 'done');
    assert.equal(last.text, 'Hello.');
    assert.equal(last.message, '3 tokens (sampled, seed 3; stop string) · 12.5 tokens/s · first token 80 ms');
    const count = draws.length;
    await sleep(100);
    assert.equal(draws.length, count, 'the pending redraw was dropped');
  });

  it('keeps the partial text of a cancelled or failed generation, marked so', async () => {
    for (const how of ['cancelled', 'failed'] as const) {
      const { stream, draws } = start();
      stream.text('The film', 2);
      stream.stopped(how, how === 'failed' ? 'out of memory' : undefined);
      stream.text(' was', 3); // a piece still in flight changes nothing
      await sleep(100);
      assert.deepEqual(draws.at(-1), { jobId: 'job-1', file: 'story.prompt', source: 'row 2', text: 'The film', tokens: 2, status: how, message: how === 'failed' ? 'out of memory' : undefined });
      assert.equal(draws.length, 2);
    }
  });
});
