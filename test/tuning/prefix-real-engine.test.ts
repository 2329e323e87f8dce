/**
 * Prefix tuning on the real engine (tiny random GPT-2, and Llama with grouped-query attention): the init is
 * the model's own keys/values for the init text, one SGD step is exactly init − lr × the engine's gradient,
 * a short run lowers the loss, and the saved folder is a PREFIX_TUNING adapter with the method in its record.
 *
 * These need the engine's prefix support (ModelEngine.prefixFromTokens and PrefixPrompt inputs, the engine
 * side of issue 14); on an engine without it the suite is skipped, saying so.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ModelEngine, PrefixPrompt, ScoredExample } from '../../src/engine/api';
import { Engine } from '../../src/engine/engine';
import { loadPromptFile } from '../../src/prompts';
import { ADAPTER_CONFIG_FILE } from '../../src/tuning/adapter';
import { resolveTrainOptions } from '../../src/tuning/train-options';
import { checkpointRecord, runTraining, saveTrainedAdapter, setUpTraining, startTrainingRecord } from '../../src/tuning/train-run';
import { readTrainingRecord } from '../../src/tuning/training-record';
import { writeTinyFamily } from '../helpers/tiny-family';
import { writeTinyGpt2 } from '../helpers/tiny-model';
import { writeFixture } from '../helpers/tuning-fixtures';

const families: Record<string, (dir: string) => { dir: string }> = {
  gpt2: (dir) => writeTinyGpt2(dir, { nEmbd: 16, nHead: 2, nLayer: 2, seed: 3 }),
  llama: (dir) => writeTinyFamily(dir, 'llama', { seed: 5 }),
};

for (const [family, write] of Object.entries(families)) {
  describe(`prefix tuning on the real engine (tiny ${family})`, function () {
    this.timeout(120_000);
    let dir: string;
    let engine: ModelEngine;
    let train: ScoredExample[];

    before(async function () {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), `ptune-prefix-${family}-`));
      engine = await Engine.load(write(path.join(dir, 'model')).dir, { threads: 1 });
      const tok = engine.tokenizer;
      const example = (text: string, yes: boolean): ScoredExample => ({ promptIds: tok.encode(`${text} ->`), continuations: [tok.encode(' yes'), tok.encode(' no')], gold: yes ? 0 : 1 });
      train = ['red', 'blue', 'green', 'pink', 'gray', 'teal', 'gold', 'navy'].map((t, i) => example(t, i < 3));
    });
    after(async () => {
      if (!fs.existsSync(dir)) return;
      await engine.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('starts from the model\'s keys/values for the init text; one SGD step is init − lr × the engine\'s gradient', async () => {
      const prompt = await loadPromptFile(writeFixture(path.join(dir, 'data')).template);
      const setup = await setUpTraining(engine, prompt, resolveTrainOptions({ method: 'prefix-tuning', initText: 'a film', virtualTokens: 3, optimizer: 'sgd', lr: 0.5, steps: 1, batchSize: 8, shuffle: false }));
      const ids = [...engine.tokenizer.prefixIds, ...engine.tokenizer.encode('a film')];
      const expected = await engine.prefixFromTokens([0, 1, 2].map((i) => ids[i % ids.length]));
      assert.deepEqual([...setup.method.trainable.initial], [...expected.data]);
      const { numLayers, numKeyValueHeads, headDim } = engine.info;
      assert.deepEqual(setup.method.trainable.tensors, [{ name: 'prompt_embeddings', rows: 3, cols: numLayers * 2 * numKeyValueHeads * headDim, offset: 0 }]);
      const { grad } = await engine.lossAndGrad(train, expected, 'verbalizer');
      const out = await runTraining(setup, { engine, train });
      assert.deepEqual([...out.params], [...expected.data].map((v, i) => Math.fround(v - 0.5 * grad[i])));
    });

    it('a short run lowers the loss and saves a PREFIX_TUNING adapter whose record names the method', async () => {
      const fx = writeFixture(path.join(dir, 'run'));
      const prompt = await loadPromptFile(fx.template);
      const setup = await setUpTraining(engine, prompt, resolveTrainOptions({ method: 'prefix-tuning', virtualTokens: 4, lr: 0.05, steps: 8, batchSize: 4 }));
      const out = await runTraining(setup, { engine, train });
      assert.ok(out.finalLoss! < out.initialLoss, `loss ${out.initialLoss} → ${out.finalLoss}`);
      assert.equal((out.prompt as PrefixPrompt).kind, 'prefix');
      const folder = path.join(dir, 'adapter');
      const start = startTrainingRecord({ writtenBy: 'ptune train', engineVersion: 'test', prompt, train: { file: fx.train, hash: 'x', rows: train.length, truncatedRows: 0 }, seed: 0, setup });
      saveTrainedAdapter(folder, engine.info, setup.method, out.prompt, checkpointRecord(start, { config: setup.config, checkpoint: { params: out.params, prompt: out.prompt, step: out.savedStep, reason: 'latest' }, curve: [], evals: [], outcome: out }));
      const config = JSON.parse(fs.readFileSync(path.join(folder, ADAPTER_CONFIG_FILE), 'utf8')) as { peft_type: string; num_virtual_tokens: number };
      assert.deepEqual([config.peft_type, config.num_virtual_tokens], ['PREFIX_TUNING', 4]);
      assert.deepEqual(readTrainingRecord(folder)!.method, { name: 'prefix-tuning' });
    });
  });
}
