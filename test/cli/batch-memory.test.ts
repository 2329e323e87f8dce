/** `--batch-memory`: a bad value is one message before any work; a good one reaches the engine's load options. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { CliIo } from '../../src/cli/io';
import { run } from '../../src/cli/main';
import { writeFakeModel } from '../helpers/fake-engine';
import { LOAD_OPTIONS_FILE } from '../helpers/recording-engine';
import { writeFixture } from '../helpers/tuning-fixtures';

const engineModule = path.join(__dirname, '..', 'helpers', 'recording-engine.js');

function capture(): { io: CliIo; out: () => string; err: () => string } {
  let [stdout, stderr] = ['', ''];
  const io: CliIo = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: {}, client: { engineModule } };
  return { io, out: () => stdout, err: () => stderr };
}

describe('ptune --batch-memory', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-batch-memory-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const bad of ['0', '-5', 'lots']) {
    it(`--batch-memory ${bad}: one message, exit 1, nothing run`, async () => {
      const c = capture();
      assert.strictEqual(await run(['eval', '--model', 'no-such-model', '--data', 'd', '--template', 't', '--batch-memory', bad], c.io), 1);
      assert.strictEqual(c.out(), '');
      assert.strictEqual(c.err(), `ptune: --batch-memory must be a positive number, got ${JSON.stringify(bad)}\n`);
    });
  }

  it('reaches the engine the worker loads (eval and train); absent, the engine picks its default', async () => {
    const fx = writeFixture(path.join(dir, 'data'));
    const model = writeFakeModel(path.join(dir, 'model'), { hiddenSize: 6, seed: 2 });
    const loaded = () => JSON.parse(fs.readFileSync(path.join(model, LOAD_OPTIONS_FILE), 'utf8')) as Record<string, unknown>;
    let c = capture();
    assert.strictEqual(await run(['eval', '--model', model, '--data', fx.dev, '--template', fx.template, '--batch-memory', '300', '--json'], c.io), 0, c.err());
    assert.strictEqual(loaded().batchMemoryMB, 300);
    c = capture();
    const out = path.join(dir, 'adapter');
    assert.strictEqual(await run(['train', '--model', model, '--train', fx.train, '--template', fx.template, '--out', out, '--steps', '1', '--virtual-tokens', '2', '--batch-memory', '1.5'], c.io), 0, c.err());
    assert.strictEqual(loaded().batchMemoryMB, 1.5);
    c = capture();
    assert.strictEqual(await run(['eval', '--model', model, '--data', fx.dev, '--template', fx.template], c.io), 0, c.err());
    assert.strictEqual(loaded().batchMemoryMB, undefined);
  });
});
