/**
 * Every job that takes an adapter takes a prefix-tuning one too (eval, generate), through the worker and the
 * fake engine, where a prefix acts as the soft prompt of its value halves; projection refuses it with its reason.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { ModelInfo, PrefixPrompt, SoftPrompt } from '../../src/engine/api';
import { saveAdapter } from '../../src/tuning/adapter';
import { WorkerClient } from '../../src/worker/client';
import { PREFIX_NOT_PROJECTABLE } from '../../src/worker/jobs/soft';
import { FakeEngine, writeFakeModel } from '../helpers/fake-engine';
import { writeFixture, type Fixture } from '../helpers/tuning-fixtures';

const engineModule = path.join(__dirname, '..', 'helpers', 'fake-engine.js');

describe('worker: prefix-tuning adapters in eval, generate and project', function () {
  let dir: string;
  let fixture: Fixture;
  let model: string;
  let client: WorkerClient;
  let info: ModelInfo;
  const H = 6;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-worker-prefix-'));
    fixture = writeFixture(path.join(dir, 'data'));
    model = writeFakeModel(path.join(dir, 'model'), { hiddenSize: H, seed: 2 });
    info = new FakeEngine({ hiddenSize: H, seed: 2 }).info;
    client = new WorkerClient({ engineModule });
    // A prefix for the fake's one layer, and the soft prompt it acts as (its value halves).
    const prefix: PrefixPrompt = { kind: 'prefix', numVirtual: 2, numLayers: 1, numKeyValueHeads: 1, headDim: H, data: Float32Array.from({ length: 2 * 2 * H }, (_, i) => Math.cos(i) * 2) };
    const soft: SoftPrompt = { numVirtual: 2, hiddenSize: H, data: new Float32Array(2 * H) };
    for (let r = 0; r < 2; r++) soft.data.set(prefix.data.subarray(r * 2 * H + H, (r + 1) * 2 * H), r * H);
    saveAdapter(path.join(dir, 'prefix'), { info, soft: prefix, origin: { init: 'RANDOM' }, method: { type: 'prefix-tuning' } });
    saveAdapter(path.join(dir, 'soft'), { info, soft, origin: { init: 'RANDOM' } });
  });
  after(async () => {
    await client.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('eval and generate with a prefix adapter give what its equivalent soft prompt gives (the prefix reaches the engine)', async () => {
    const predictions = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');
    await client.run('eval', { model, data: fixture.dev, template: fixture.template, soft: path.join(dir, 'prefix'), predictions: path.join(dir, 'p.jsonl') }).result;
    await client.run('eval', { model, data: fixture.dev, template: fixture.template, soft: path.join(dir, 'soft'), predictions: path.join(dir, 's.jsonl') }).result;
    await client.run('eval', { model, data: fixture.dev, template: fixture.template, predictions: path.join(dir, 'h.jsonl') }).result;
    assert.strictEqual(predictions('p.jsonl'), predictions('s.jsonl'));
    assert.notStrictEqual(predictions('p.jsonl'), predictions('h.jsonl'));
    const generated = await client.run('generate', { model, prompt: 'ab', maxNewTokens: 6, soft: path.join(dir, 'prefix') }).result;
    const viaSoft = await client.run('generate', { model, prompt: 'ab', maxNewTokens: 6, soft: path.join(dir, 'soft') }).result;
    assert.deepStrictEqual(generated.ids, viaSoft.ids);
  });

  it('projection refuses a prefix adapter with one message saying why', async () => {
    await assert.rejects(client.run('project', { model, soft: path.join(dir, 'prefix') }).result, {
      name: 'UserError',
      message: `${path.join(dir, 'prefix')} is a prefix-tuning adapter (peft_type PREFIX_TUNING): ${PREFIX_NOT_PROJECTABLE}`,
    });
  });
});
