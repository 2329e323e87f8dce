import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cachedLogits, decode, readGenerationConfig, resolveSampling } from '../../src/generation';
import { buildScoredExample, loadPromptFile } from '../../src/prompts';
import { projectSoftPrompt } from '../../src/projection';
import { loadAdapter, saveAdapter } from '../../src/tuning/adapter';
import { JobCancelledError, WorkerClient } from '../../src/worker/client';
import type { JobProgress, PlaygroundColumnId } from '../../src/worker/protocol';
import { FakeEngine, writeFakeModel } from '../helpers/fake-engine';
import { writeFixture, type Fixture } from '../helpers/tuning-fixtures';

const engineModule = path.join(__dirname, '..', 'helpers', 'fake-engine.js');

describe('worker: the playground job', function () {
  this.timeout(60000);
  let dir: string;
  let fixture: Fixture;
  let model: string;
  let adapter: string;
  let marker: string;
  let client: WorkerClient;
  const sampling = { temperature: 0.9, topP: 0.95, seed: 11 };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-playground-'));
    fixture = writeFixture(path.join(dir, 'data'));
    model = writeFakeModel(path.join(dir, 'model'), { hiddenSize: 6, seed: 2 });
    adapter = path.join(dir, 'adapter');
    const engine = new FakeEngine({ hiddenSize: 6, seed: 2 });
    // A soft prompt made of (scaled) vocabulary rows, so its projection is known: the tokens "ok".
    const data = new Float32Array(2 * 6);
    ['o', 'k'].forEach((ch, r) => data.set(engine.embeddings.subarray(ch.charCodeAt(0) * 6, ch.charCodeAt(0) * 6 + 6).map((x) => 3 * x), r * 6));
    saveAdapter(adapter, { info: engine.info, soft: { numVirtual: 2, hiddenSize: 6, data }, origin: { init: 'RANDOM' } });
    marker = path.join(dir, 'marker.prompt');
    fs.writeFileSync(marker, ['---', 'task: generation', 'inputs: [text]', 'target_column: label', 'max_new_tokens: 6', 'soft_prompt: marker', '---', 'Say {{ soft_prompt }}then: {{ text }}', ''].join('\n'));
    client = new WorkerClient({ engineModule });
  });
  after(async () => {
    await client.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const which of ['prefix', 'marker'] as const) {
    it(`generation (soft prompt at the ${which}): each column is what ptune generate gives, the projection's in place of the soft prompt`, async () => {
      const template = which === 'prefix' ? fixture.generationTemplate : marker;
      const row = { text: 'a fine film' };
      const events: JobProgress<'playground'>[] = [];
      const result = await client.run('playground', { model, template, row, soft: adapter, sampling, maxNewTokens: 6 }, { onProgress: (p) => events.push(p) }).result;
      assert.strictEqual(result.task, 'generation');
      assert.deepStrictEqual(result.columns.map((c) => c.column), ['hard', 'soft', 'projected']);
      const hard = await client.run('generate', { model, template, row, sampling, maxNewTokens: 6 }).result;
      const soft = await client.run('generate', { model, template, row, soft: adapter, sampling, maxNewTokens: 6 }).result;
      assert.strictEqual(result.columns[0].text, hard.text);
      assert.strictEqual(result.columns[1].text, soft.text);
      assert.deepStrictEqual(result.sampling, hard.sampling);

      // The projected column, in this thread: the nearest tokens' ids in the soft prompt's place.
      const engine = new FakeEngine({ hiddenSize: 6, seed: 2, dir: model });
      const projection = await projectSoftPrompt(engine, loadAdapter(adapter).soft, { topK: 1, metric: 'cosine', map: false });
      assert.strictEqual(projection.projectedText, 'ok');
      assert.strictEqual(result.projectedText, 'ok');
      const prompt = await loadPromptFile(template);
      const built = buildScoredExample(prompt, row, engine.tokenizer, { maxLength: 1024 - 6, softPromptIds: [...projection.projectedIds] });
      assert.ok(engine.tokenizer.decode(built.example.promptIds).includes(which === 'prefix' ? 'okSay: a fine film' : 'Say okthen: a fine film'));
      const config = readGenerationConfig(model, engine.tokenizer);
      const expected = await decode(cachedLogits(engine, { maxNewTokens: 6 }), engine.tokenizer, built.example.promptIds, { sampling: resolveSampling(sampling, config), maxNewTokens: 6, eosTokenIds: config.eosTokenIds });
      assert.strictEqual(result.columns[2].text, expected.text);

      // Streamed: the projection first, then each column's pieces add up to its text, column after column.
      assert.deepStrictEqual(events[0], { type: 'projection', text: 'ok' });
      for (const column of ['hard', 'soft', 'projected'] as PlaygroundColumnId[]) {
        const pieces = events.filter((e) => e.type === 'text' && e.column === column).map((e) => (e.type === 'text' ? e.text : ''));
        assert.strictEqual(pieces.join(''), result.columns.find((c) => c.column === column)!.text);
      }
      const order = events.filter((e) => e.type === 'column').map((e) => (e.type === 'column' ? e.result.column : ''));
      assert.deepStrictEqual(order, ['hard', 'soft', 'projected']);
    });
  }

  it('classification: each column’s label probabilities, the hard and soft ones as ▶ Test gives them', async () => {
    const row = { text: 'a fun film' };
    const result = await client.run('playground', { model, template: fixture.template, row, soft: adapter }).result;
    assert.strictEqual(result.task, 'classification');
    const hard = await client.run('testPrompt', { model, template: fixture.template, row }).result;
    const soft = await client.run('testPrompt', { model, template: fixture.template, row, soft: adapter }).result;
    if (hard.task !== 'classification' || soft.task !== 'classification') throw new Error('classification expected');
    assert.deepStrictEqual(result.columns[0].labels, hard.labels);
    assert.deepStrictEqual(result.columns[1].labels, soft.labels);
    assert.deepStrictEqual(result.columns.map((c) => c.predicted), [hard.predicted, soft.predicted, result.columns[2].predicted]);
    assert.ok(Math.abs(result.columns[2].labels!.reduce((s, l) => s + l.probability, 0) - 1) < 1e-12);
    assert.notDeepStrictEqual(result.columns[0].labels, result.columns[1].labels);
  });

  it('Cancel stops it between tokens: no later column starts', async () => {
    const slow = writeFakeModel(path.join(dir, 'slow-model'), { hiddenSize: 6, seed: 2, delayMs: 20 });
    const events: JobProgress<'playground'>[] = [];
    const handle = client.run('playground', { model: slow, template: fixture.generationTemplate, row: { text: 'x' }, soft: adapter, sampling: { temperature: 0 }, maxNewTokens: 50 }, {
      onProgress: (p) => {
        events.push(p);
        if (p.type === 'text' && p.tokens === 2) handle.cancel();
      },
    });
    await assert.rejects(handle.result, (e: Error) => e instanceof JobCancelledError);
    assert.ok(events.every((e) => e.type !== 'text' || e.column === 'hard'), 'the soft and projected columns never started');
    assert.ok(!events.some((e) => e.type === 'column'));
  });

  it('without a soft prompt only the hard column runs; bad settings get one clear message', async () => {
    const result = await client.run('playground', { model, template: fixture.generationTemplate, row: { text: 'x' }, sampling: { temperature: 0 } }).result;
    assert.deepStrictEqual(result.columns.map((c) => c.column), ['hard']);
    assert.strictEqual(result.projectedText, undefined);
    await assert.rejects(client.run('playground', { model, template: fixture.generationTemplate, row: { text: 'x' }, sampling: { topP: 3 } }).result, /--top-p must be a number in \(0, 1\]/);
  });
});
