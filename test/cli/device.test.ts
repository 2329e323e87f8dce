/** `--device cuda` where onnxruntime-node's CUDA binaries are not installed: one clear message, exit 1, nothing run. */
import * as assert from 'assert';
import * as path from 'path';
import type { CliIo } from '../../src/cli/io';
import { run } from '../../src/cli/main';
import { checkDeviceAvailable } from '../../src/engine/runtime/device';

describe('ptune --device', () => {
  it('--device cuda without the CUDA provider says what is missing and how to get it', async function () {
    try {
      checkDeviceAvailable('cuda');
      console.log('      ⚠ skipped: onnxruntime-node\'s CUDA provider is installed here');
      this.skip();
    } catch {
      // expected on machines without the CUDA binaries
    }
    let stdout = '';
    let stderr = '';
    const io: CliIo = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: {}, client: { engineModule: path.join(__dirname, '..', 'helpers', 'fake-engine.js') } };
    const code = await run(['eval', '--model', 'no-such-model', '--data', 'no-such.jsonl', '--template', 'no-such.prompt', '--device', 'cuda'], io);
    assert.strictEqual(code, 1);
    assert.strictEqual(stdout, '');
    const lines = stderr.trim().split('\n');
    assert.strictEqual(lines.length, 1, stderr);
    assert.match(lines[0], /^ptune: --device cuda: onnxruntime-node's CUDA execution provider is not installed \(libonnxruntime_providers_cuda\.so/);
    assert.match(lines[0], /ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node/);
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  });

  it('an unknown device lists the choices', async () => {
    let stderr = '';
    const io: CliIo = { stdout: { write: () => true }, stderr: { write: (t: string) => (stderr += t) }, env: {} };
    assert.strictEqual(await run(['eval', '--model', 'm', '--data', 'd', '--template', 't', '--device', 'tpu'], io), 1);
    assert.strictEqual(stderr, 'ptune: unknown --device "tpu": use one of cpu, cuda, dml, coreml, webgpu\n');
  });
});
