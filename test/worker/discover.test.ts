import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { WorkerClient } from '../../src/worker/client';
import type { JobProgress } from '../../src/worker/protocol';
import { writeFakeModel } from '../helpers/fake-engine';
import { writeFixture, type Fixture } from '../helpers/tuning-fixtures';

const engineModule = path.join(__dirname, '..', 'helpers', 'fake-engine.js');

describe('worker: the discover job', function () {
  let dir: string;
  let fx: Fixture;
  let client: WorkerClient;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-discover-worker-'));
    fx = writeFixture(path.join(dir, 'data'));
    client = new WorkerClient({ engineModule });
  });
  after(async () => {
    await client.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reports steps and evaluations as it goes; Cancel stops it and writes nothing', async () => {
    const slow = writeFakeModel(path.join(dir, 'slow-model'), { hiddenSize: 6, seed: 2, delayMs: 15 });
    const out = path.join(dir, 'cancelled.prompt');
    const progress: JobProgress<'discover'>[] = [];
    const handle = client.run('discover', { model: slow, train: fx.train, template: fx.template, eval: fx.dev, out, tokens: 2, steps: 500, evalEvery: 2, batchSize: 4 }, {
      onProgress: (p) => {
        progress.push(p);
        if (p.type === 'step' && p.step === 5) handle.cancel();
      },
    });
    const result = await handle.result;
    assert.strictEqual(result.stopReason, 'cancelled');
    assert.strictEqual(result.saved, false);
    assert.ok(result.steps >= 5 && result.steps < 20, `stopped after ${result.steps} steps`);
    assert.ok(!fs.existsSync(out));
    assert.ok(progress.some((p) => p.type === 'status'));
    assert.deepStrictEqual(progress.filter((p) => p.type === 'eval').map((p) => p.type === 'eval' && p.step).slice(0, 3), [0, 2, 4]);
    assert.ok(progress.every((p) => p.type !== 'eval' || (p.on === 'dev' && p.ids.length === 2)));
  });
});
