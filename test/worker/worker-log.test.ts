/** WorkerClient onLog: the worker's stderr (device reports) reaches the caller line by line, not the process's stderr. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { WorkerClient } from '../../src/worker/client';
import { writeFakeModel } from '../helpers/fake-engine';

describe('worker: stderr to onLog', () => {
  it('delivers whole lines, split across writes, and nothing else', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-worker-log-'));
    // An engine module that logs as the device path does (two lines, the second written in two pieces).
    const engineModule = path.join(dir, 'logging-engine.js');
    fs.writeFileSync(engineModule, `const fake = require(${JSON.stringify(path.join(__dirname, '..', 'helpers', 'fake-engine.js'))});
exports.loadEngine = async (dir, opts) => {
  process.stderr.write('ptune: parity check cuda vs cpu: passed\\nptune: cuda: 310 nodes');
  process.stderr.write(' on CUDAExecutionProvider\\n');
  return fake.loadEngine(dir, opts);
};
`);
    const model = writeFakeModel(path.join(dir, 'model'), { hiddenSize: 4, seed: 1 });
    const lines: string[] = [];
    const client = new WorkerClient({ engineModule, onLog: (l) => lines.push(l) });
    try {
      await client.run('generate', { model, prompt: 'hi', maxNewTokens: 1 }).result;
      for (let i = 0; i < 50 && lines.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
      assert.deepStrictEqual(lines, ['ptune: parity check cuda vs cpu: passed', 'ptune: cuda: 310 nodes on CUDAExecutionProvider']);
    } finally {
      await client.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
