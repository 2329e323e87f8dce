import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readDataset } from '../../src/data';
import { softmax } from '../../src/eval/metrics';
import { buildScoredExample, drawShots, loadPromptFile } from '../../src/prompts';
import { WorkerClient } from '../../src/worker/client';
import { FakeEngine, writeFakeModel } from '../helpers/fake-engine';
import { writeFixture, type Fixture } from '../helpers/tuning-fixtures';

const engineModule = path.join(__dirname, '..', 'helpers', 'fake-engine.js');

/** ▶ Test (the testPrompt job) on a few-shot prompt: the extension passes the training file it remembers. */
describe('worker: few-shot prompts in ▶ Test', function () {
  this.timeout(60000);
  let dir: string;
  let fixture: Fixture;
  let model: string;
  let client: WorkerClient;
  let fewShot: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-shots-'));
    fixture = writeFixture(path.join(dir, 'data'));
    model = writeFakeModel(path.join(dir, 'model'), { hiddenSize: 6, seed: 2 });
    client = new WorkerClient({ engineModule });
    fewShot = path.join(dir, 'few-shot.prompt');
    fs.writeFileSync(fewShot, fs.readFileSync(fixture.template, 'utf8').replace('label_column: label', 'label_column: label\nshots: 1\nseed: 4'));
  });
  after(async () => {
    await client.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('scores the row after the examples drawn from shotsFrom, as ptune eval draws them', async () => {
    const row = { text: 'a fun film', label: 'positive' };
    const tested = await client.run('testPrompt', { model, template: fewShot, row, shotsFrom: fixture.train }).result;
    assert.strictEqual(tested.task, 'classification');
    const prompt = await loadPromptFile(fewShot);
    const engine = new FakeEngine({ hiddenSize: 6, seed: 2 });
    const shots = drawShots(prompt, (await readDataset(fixture.train)).rows);
    assert.strictEqual(shots.length, 2);
    const [expected] = await engine.score([buildScoredExample(prompt, row, engine.tokenizer, { shots }).example]);
    const [zeroShot] = await engine.score([buildScoredExample(prompt, row, engine.tokenizer).example]);
    if (tested.task !== 'classification') return;
    assert.deepStrictEqual(tested.labels.map((l) => l.probability), softmax(expected));
    assert.notDeepStrictEqual(tested.labels.map((l) => l.probability), softmax(zeroShot));
  });

  it('without a training file: one clear message naming the prompt file', async () => {
    await assert.rejects(
      client.run('testPrompt', { model, template: fewShot, row: { text: 'x' } }).result,
      (e: Error) => e.message === `${fewShot}: shots: 1 needs a training file to draw the few-shot examples from`,
    );
  });
});
