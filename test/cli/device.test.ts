/**
 * `--device cuda` where onnxruntime-node's CUDA binaries are not installed: the worker's check is one clear message
 * naming what is missing; the CLI first tries to fetch them (test/hub/cuda-provider.test.ts), here from a
 * loopback port that refuses, so nothing is downloaded.
 */
import * as assert from 'assert';
import * as path from 'path';
import type { CliIo } from '../../src/cli/io';
import { run } from '../../src/cli/main';
import { checkDeviceAvailable } from '../../src/engine/runtime/device';
import { NUGET_INDEX_ENV } from '../../src/hub/cuda-provider';

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
    assert.throws(() => checkDeviceAvailable('cuda'), (e: Error) => {
      assert.match(e.message, /^--device cuda: onnxruntime-node's CUDA execution provider is not installed \(libonnxruntime_providers_cuda\.so/);
      assert.match(e.message, /ptune fetches them when a command is run with --device cuda/);
      assert.match(e.message, /ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node/);
      return true;
    });
    const io: CliIo = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: { [NUGET_INDEX_ENV]: 'http://127.0.0.1:9/v3/index.json' }, client: { engineModule: path.join(__dirname, '..', 'helpers', 'fake-engine.js') } };
    // An existing folder as the model, so the command gets as far as the fetch.
    const code = await run(['eval', '--model', __dirname, '--data', 'no-such.jsonl', '--template', 'no-such.prompt', '--device', 'cuda'], io);
    assert.strictEqual(code, 1);
    assert.strictEqual(stdout, '');
    const lines = stderr.trim().split('\n');
    assert.strictEqual(lines.length, 1, stderr);
    assert.match(lines[0], /^ptune: --device cuda: could not fetch onnxruntime-node's CUDA provider \(Microsoft\.ML\.OnnxRuntime\.Gpu\.Linux\) from 127\.0\.0\.1:9: cannot reach 127\.0\.0\.1:9: ECONNREFUSED; or download it with/);
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  });

  it('an unknown device lists the choices', async () => {
    let stderr = '';
    const io: CliIo = { stdout: { write: () => true }, stderr: { write: (t: string) => (stderr += t) }, env: {} };
    assert.strictEqual(await run(['eval', '--model', 'm', '--data', 'd', '--template', 't', '--device', 'tpu'], io), 1);
    assert.strictEqual(stderr, 'ptune: unknown --device "tpu": use one of cpu, cuda, dml, coreml, webgpu\n');
  });
});
