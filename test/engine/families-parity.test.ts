/**
 * Every non-GPT-2 family against an outside reference: Transformers.js running each shared tiny model's own
 * ONNX export (onnx/model.onnx, made from the Hugging Face modeling code). Full-vocabulary logits on 12
 * sequences in right-padded batches, several longer than the sliding window where the model has one, and the
 * special tokens `tokenizer(text)` adds (a BOS for tiny-llama and tiny-gemma3, nothing for the others).
 */
import { strict as assert } from 'node:assert';
import { Engine } from '../../src/engine/engine';
import { sharedPath } from '../helpers/shared';
import { HANDWRITTEN_SENTENCES, maxLogitDifference } from '../helpers/transformers-js';

const SENTENCES = [
  ...HANDWRITTEN_SENTENCES,
  'a gem',
  'an overlong , tedious and thoroughly unpleasant two hours that never finds its footing .',
  'the acting is terrible , the plot is thin , and the ending is worse',
  'fine .',
  'one of the best films of the year , with a cast that never hits a false note and a script that keeps surprising you',
  'Review: a quiet , moving film . My rating: the movie is',
];

const MODELS: { name: string; addsBos: boolean; window?: number }[] = [
  { name: 'tiny-llama', addsBos: true },
  { name: 'tiny-mistral', addsBos: false, window: 6 },
  { name: 'tiny-qwen2', addsBos: false },
  { name: 'tiny-qwen3', addsBos: false },
  { name: 'tiny-phi3', addsBos: false },
  { name: 'tiny-gemma3', addsBos: true, window: 6 },
];

describe('logits parity with Transformers.js on the shared tiny models of every family', function () {
  this.timeout(300_000);

  for (const m of MODELS) {
    it(`${m.name}: max abs logit difference ≤ 1e-4 on ${SENTENCES.length} sequences in padded batches`, async function () {
      const dir = sharedPath(this, `models/${m.name}`);
      const engine = await Engine.load(dir, { chunkSize: 4 });
      const tok = engine.tokenizer;
      const ids = SENTENCES.map((s) => [...tok.prefixIds, ...tok.encode(s)]);
      if (m.window) assert.ok(ids.filter((s) => s.length > 2 * m.window!).length >= 4, 'several sequences are longer than the window');
      const ours = await engine.logits(ids);
      const V = engine.info.vocabSize;
      await engine.dispose();

      const { AutoTokenizer } = await import('@huggingface/transformers');
      const reference = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
      for (const [i, s] of SENTENCES.entries()) {
        assert.deepEqual(Array.from(reference.encode(s)), ids[i], `tokenizer(text) of sentence ${i + 1}`);
      }
      assert.equal(ids[0][0] === 8191, m.addsBos, m.addsBos ? 'a BOS leads the prompt' : 'no special token is added');
      const maxDiff = await maxLogitDifference(dir, ids, ours, V, 4);
      console.log(`      ${m.name}: max abs logit difference vs Transformers.js ${maxDiff.toExponential(2)}`);
      assert.ok(maxDiff <= 1e-4, `max abs difference ${maxDiff}`);
    });
  }
});
