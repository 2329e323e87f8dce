/**
 * The engine against an independent implementation: Transformers.js running the shared model's own ONNX
 * export (onnx/model.onnx), on 24 sentences of varied length in right-padded batches.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../src/engine/engine';
import { sharedPath } from '../helpers/shared';
import { HANDWRITTEN_SENTENCES, maxLogitDifference } from '../helpers/transformers-js';


describe('logits parity with Transformers.js on imdb-gpt2-small', function () {
  this.timeout(300_000);

  it('max abs logit difference ≤ 1e-4 on 24 sentences in padded batches', async function () {
    const dir = sharedPath(this, 'models/imdb-gpt2-small');
    const sst2 = sharedPath(this, 'datasets/sst2/dev.jsonl');
    const sentences = [
      ...HANDWRITTEN_SENTENCES,
      ...readFileSync(sst2, 'utf8').trim().split('\n').slice(0, 18).map((l) => JSON.parse(l).text as string),
    ];
    assert.ok(sentences.length >= 20);

    const engine = await Engine.load(dir, { chunkSize: 6 });
    const ids = sentences.map((s) => engine.tokenizer.encode(s));
    const ours = await engine.logits(ids);
    await engine.dispose();

    const maxDiff = await maxLogitDifference(dir, ids, ours, 8192, 6);
    console.log(`      max abs logit difference vs Transformers.js: ${maxDiff.toExponential(2)}`);
    assert.ok(maxDiff <= 1e-4, `max abs difference ${maxDiff}`);
  });

  it('padding invariance on the real model: loss alone vs inside a padded batch ≤ 1e-5', async function () {
    const dir = sharedPath(this, 'models/imdb-gpt2-small');
    const engine = await Engine.load(dir);
    const tok = engine.tokenizer;
    const conts = [tok.encode(' terrible'), tok.encode(' great')];
    const make = (text: string, gold: number) => ({ promptIds: tok.encode(`Review: ${text} My rating: the movie is`), continuations: conts, gold });
    const target = make('a gem .', 1);
    const batch = [make('an overlong , tedious and thoroughly unpleasant two hours that never finds its footing .', 0), target, make('fine .', 1)];
    const rnd = Float32Array.from({ length: 20 * 256 }, (_, i) => Math.sin(i) * 0.1);
    const soft = { numVirtual: 20, hiddenSize: 256, data: rnd };
    for (const kind of ['lm', 'verbalizer'] as const) {
      const alone = await engine.loss([target], soft, kind);
      const inside = await engine.loss(batch, soft, kind);
      assert.ok(Math.abs(alone.perExample[0] - inside.perExample[1]) <= 1e-5, `${kind}: ${alone.perExample[0]} vs ${inside.perExample[1]}`);
      alone.scores[0].forEach((s, c) => Number.isNaN(s) || assert.ok(Math.abs(s - inside.scores[1][c]) <= 1e-5));
    }
    await engine.dispose();
  });
});
