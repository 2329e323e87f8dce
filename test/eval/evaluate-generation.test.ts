import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { SoftPrompt } from '../../src/engine/api';
import { evaluateGeneration, writeGenerationPredictions, type GenerationItem } from '../../src/eval/evaluate-generation';
import { FakeEngine } from '../helpers/fake-engine';

/** Answers from a fixed table keyed by the prompt text, and records what it was asked. */
class ScriptedEngine extends FakeEngine {
  calls: { prompt: string; maxNewTokens: number; soft?: SoftPrompt; softPromptAt?: number }[] = [];
  constructor(private readonly answers: Record<string, string>) {
    super();
  }
  override async generate(promptIds: number[], maxNewTokens: number, soft?: SoftPrompt, softPromptAt?: number): Promise<number[]> {
    const prompt = this.tokenizer.decode(promptIds);
    this.calls.push({ prompt, maxNewTokens, soft, softPromptAt });
    return this.tokenizer.encode(this.answers[prompt]).slice(0, maxNewTokens);
  }
}

function item(engine: FakeEngine, prompt: string, target: string, softPromptAt?: number): GenerationItem {
  return { example: { promptIds: engine.tokenizer.encode(prompt), continuations: [], ...(softPromptAt !== undefined ? { softPromptAt } : {}) }, target };
}

describe('eval/evaluate-generation', () => {
  it('decodes greedy outputs and averages exact match, containment and token F1', async () => {
    const engine = new ScriptedEngine({ 'Q1:': ' Paris.', 'Q2:': ' It is the Eiffel Tower', 'Q3:': ' blue green' });
    const items = [item(engine, 'Q1:', 'paris'), item(engine, 'Q2:', 'the Eiffel tower'), item(engine, 'Q3:', 'green red', 2)];
    const soft: SoftPrompt = { numVirtual: 1, hiddenSize: 8, data: new Float32Array(8) };
    const result = await evaluateGeneration(engine, items, { maxNewTokens: 40, soft });
    assert.deepStrictEqual(result.predictions.map((p) => [p.output, p.exact, p.contains]), [
      [' Paris.', 1, 1],
      [' It is the Eiffel Tower', 0, 1],
      [' blue green', 0, 0],
    ]);
    // Q2: "it is eiffel tower" vs "eiffel tower": precision 2/4, recall 1 → 2/3. Q3: 1 of 2 each way → 1/2.
    const f1 = [1, 2 / 3, 1 / 2];
    result.predictions.forEach((p, i) => assert.ok(Math.abs(p.f1 - f1[i]) < 1e-12, `${i}: ${p.f1}`));
    assert.strictEqual(result.exactMatch, 1 / 3);
    assert.strictEqual(result.contains, 2 / 3);
    assert.ok(Math.abs(result.tokenF1 - (1 + 2 / 3 + 1 / 2) / 3) < 1e-12);
    assert.deepStrictEqual(engine.calls.map((c) => [c.maxNewTokens, c.soft === soft, c.softPromptAt]), [[40, true, undefined], [40, true, undefined], [40, true, 2]]);
  });

  it('matches the engine’s own greedy decoding and writes JSON Lines', async () => {
    const engine = new FakeEngine({ seed: 5 });
    const items = [item(engine, 'The movie was', 'good'), item(engine, 'I think', 'so')];
    const result = await evaluateGeneration(engine, items, { maxNewTokens: 3 });
    for (let i = 0; i < items.length; i++) {
      assert.strictEqual(result.predictions[i].output, engine.tokenizer.decode(await engine.generate(items[i].example.promptIds, 3)));
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-gen-'));
    try {
      const file = path.join(dir, 'gen.jsonl');
      writeGenerationPredictions(file, result);
      const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.deepStrictEqual(lines.map((l) => [l.index, l.target, l.output]), [[0, 'good', result.predictions[0].output], [1, 'so', result.predictions[1].output]]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops when the signal is aborted', async () => {
    const engine = new FakeEngine();
    const controller = new AbortController();
    const items = [item(engine, 'a', 'b'), item(engine, 'c', 'd'), item(engine, 'e', 'f')];
    await assert.rejects(
      evaluateGeneration(engine, items, { maxNewTokens: 2, signal: controller.signal, onProgress: (done) => done === 1 && controller.abort() }),
      (e: Error) => e.name === 'AbortError',
    );
    assert.strictEqual(engine.runCount, 1);
  });
});

describe('eval/generation metrics: ROUGE-L', () => {
  it('is the F-measure of the longest common word subsequence (hand-computed)', async () => {
    const { rougeL } = await import('../../src/prompts');
    // LCS "the cat on the mat" = 5 of 6 words each way.
    assert.ok(Math.abs(rougeL('the cat sat on the mat', 'the cat is on the mat') - 5 / 6) < 1e-12);
    // LCS "b d": precision 2/4, recall 2/3 → F = 4/7.
    assert.ok(Math.abs(rougeL('a b c d', 'b d e') - 4 / 7) < 1e-12);
    // Order matters (a subsequence, not a bag of words): "d b" vs "b d" share one in order.
    assert.strictEqual(rougeL('d b', 'b d'), 0.5);
    assert.strictEqual(rougeL('Hello, World!', 'hello world'), 1);
    assert.strictEqual(rougeL('', 'x'), 0);
    assert.strictEqual(rougeL('Ça va', 'ça  VA'), 1);
  });
});
