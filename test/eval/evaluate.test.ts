import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { ModelEngine, ScoredExample, SoftPrompt } from '../../src/engine/api';
import { evaluate, writePredictions, type EvalItem } from '../../src/eval/evaluate';
import { FakeEngine } from '../helpers/fake-engine';

const LABELS = ['negative', 'positive'];

function items(engine: ModelEngine, texts: string[], golds: string[]): EvalItem[] {
  const tok = engine.tokenizer;
  return texts.map((text, i) => ({
    example: { promptIds: tok.encode(`Review: ${text}\nSentiment:`), continuations: LABELS.map((l) => tok.encode(` ${l}`)) } as ScoredExample,
    labels: LABELS,
    goldLabel: golds[i],
  }));
}

const TEXTS = ['great film', 'awful plot', 'loved it', 'boring', 'superb acting', 'a mess', 'fine', 'dull and long', 'wonderful', 'bad'];
const GOLDS = ['positive', 'negative', 'positive', 'negative', 'positive', 'negative', 'positive', 'negative', 'positive', 'negative'];

describe('eval/evaluate', () => {
  it('predicts the argmax of summed label log-probs and matches a direct scoring loop', async () => {
    const engine = new FakeEngine({ seed: 3 });
    const data = items(engine, TEXTS, GOLDS);
    const result = await evaluate(engine, data, { batchSize: 3 });
    const reference = await new FakeEngine({ seed: 3 }).score(data.map((d) => d.example));
    assert.strictEqual(result.n, TEXTS.length);
    assert.deepStrictEqual(result.labels, LABELS);
    result.predictions.forEach((p, i) => {
      assert.deepStrictEqual(p.logProbs, reference[i]);
      assert.strictEqual(p.predicted, reference[i][1] > reference[i][0] ? 'positive' : 'negative');
      assert.strictEqual(p.gold, GOLDS[i]);
    });
    const correct = result.predictions.filter((p) => p.predicted === p.gold).length;
    assert.strictEqual(result.accuracy, correct / TEXTS.length);
    assert.strictEqual(result.confusion.flat().reduce((a, b) => a + b, 0), TEXTS.length);
    assert.ok(result.examplesPerSecond > 0);
  });

  it('gives the same predictions whatever the batch size, and reports progress per batch', async () => {
    const engine = new FakeEngine({ seed: 3 });
    const data = items(engine, TEXTS, GOLDS);
    const progress: [number, number][] = [];
    const a = await evaluate(engine, data, { batchSize: 4, onProgress: (done, total) => progress.push([done, total]) });
    const b = await evaluate(engine, data, { batchSize: 1 });
    assert.deepStrictEqual(a.predictions, b.predictions);
    assert.deepStrictEqual(progress, [[0, 10], [4, 10], [8, 10], [10, 10]]);
  });

  it('passes the soft prompt to the engine, which changes the scores', async () => {
    const engine = new FakeEngine({ seed: 3, hiddenSize: 8 });
    const data = items(engine, TEXTS, GOLDS);
    const soft: SoftPrompt = { numVirtual: 2, hiddenSize: 8, data: Float32Array.from({ length: 16 }, (_, i) => Math.sin(i) * 3) };
    const plain = await evaluate(engine, data);
    const tuned = await evaluate(engine, data, { soft });
    assert.notDeepStrictEqual(plain.predictions[0].logProbs, tuned.predictions[0].logProbs);
    assert.deepStrictEqual(tuned.predictions.map((p) => p.logProbs), await engine.score(data.map((d) => d.example), soft));
  });

  it('breaks ties towards the first label', async () => {
    class FixedScores extends FakeEngine {
      override async score(examples: ScoredExample[]): Promise<number[][]> {
        return examples.map((_, i) => [[-1, -1], [-7, -5], [-3, -2]][i]);
      }
    }
    const engine = new FixedScores();
    const result = await evaluate(engine, items(engine, ['a', 'b', 'c'], ['negative', 'positive', 'positive']));
    assert.deepStrictEqual(result.predictions.map((p) => p.predicted), ['negative', 'positive', 'positive']);
    assert.strictEqual(result.accuracy, 1);
  });

  for (const bad of [NaN, Infinity, -Infinity]) {
    it(`stops with a message when the model produces a ${bad} score (item 8: no silent "accuracy 33%")`, async () => {
      class BrokenModel extends FakeEngine {
        override async score(examples: ScoredExample[]): Promise<number[][]> {
          return examples.map((_, i) => (i === 1 ? [bad, -5] : [-1, -2]));
        }
      }
      const engine = new BrokenModel();
      await assert.rejects(evaluate(engine, items(engine, ['a', 'b', 'c'], ['negative', 'positive', 'positive'])), {
        name: 'UserError',
        message: `evaluation stopped: the score of example 2 is ${bad}, not a finite number; the model holds NaN or infinite values (or overflows)`,
      });
    });
  }

  it('stops between batches when the signal is aborted', async () => {
    const engine = new FakeEngine();
    const data = items(engine, TEXTS, GOLDS);
    const controller = new AbortController();
    await assert.rejects(
      evaluate(engine, data, { batchSize: 2, signal: controller.signal, onProgress: (done) => done >= 4 && controller.abort() }),
      (e: Error) => e.name === 'AbortError',
    );
    assert.strictEqual(engine.runCount, 2);
  });

  it('rejects a gold label outside the labels, naming the example', async () => {
    const engine = new FakeEngine();
    const data = items(engine, ['x', 'y'], ['positive', 'neutral']);
    await assert.rejects(evaluate(engine, data), /example 1: gold label "neutral" is not one of \[negative, positive\]/);
    assert.strictEqual(engine.runCount, 0);
  });

  it('rejects examples with different label lists', async () => {
    const engine = new FakeEngine();
    const data = items(engine, ['x', 'y'], ['positive', 'negative']);
    data[1] = { ...data[1], labels: ['positive', 'negative'] };
    await assert.rejects(evaluate(engine, data), /example 1 has labels \[positive, negative\] but example 0 has \[negative, positive\]/);
  });

  it('writes predictions as JSON Lines atomically, keeping labels such as __proto__ as plain keys', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-pred-'));
    try {
      const file = path.join(dir, 'sub', 'predictions.jsonl');
      writePredictions(file, {
        labels: ['__proto__', 'b'],
        predictions: [
          { logProbs: [-1, -2], predicted: '__proto__', gold: 'b' },
          { logProbs: [-3, -0.5], predicted: 'b', gold: 'b' },
        ],
      });
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      assert.strictEqual(lines.length, 3);
      assert.strictEqual(lines[2], '');
      const first = JSON.parse(lines[0]);
      assert.strictEqual(first.index, 0);
      assert.strictEqual(first.correct, false);
      assert.deepStrictEqual(Object.keys(first.logProbs), ['__proto__', 'b']);
      assert.strictEqual(Object.getOwnPropertyDescriptor(first.logProbs, '__proto__')!.value, -1);
      const p = first.probabilities;
      const expected = 1 / (1 + Math.exp(-1));
      assert.ok(Math.abs(Object.getOwnPropertyDescriptor(p, '__proto__')!.value - expected) < 1e-12);
      assert.deepStrictEqual(JSON.parse(lines[1]).correct, true);
      assert.deepStrictEqual(fs.readdirSync(path.dirname(file)), ['predictions.jsonl']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
