/** `--weights`: an unknown format is one message before any work; int8 evaluates the shared model as float32 does. */
import * as assert from 'assert';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import type { CliIo } from '../../src/cli/io';
import { run } from '../../src/cli/main';
import { sharedPath } from '../helpers/shared';

function capture(): { io: CliIo; out: () => string; err: () => string } {
  let [stdout, stderr] = ['', ''];
  const io: CliIo = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: {} };
  return { io, out: () => stdout, err: () => stderr };
}

describe('ptune --weights', () => {
  it('an unknown format lists the choices, exit 1, nothing run', async () => {
    const c = capture();
    assert.strictEqual(await run(['eval', '--model', 'no-such-model', '--data', 'd', '--template', 't', '--weights', 'int3'], c.io), 1);
    assert.strictEqual(c.out(), '');
    assert.strictEqual(c.err(), 'ptune: --weights int3 is not a weight format: use f32, int8, int4\n');
  });

  it('int8 scores SST-2 rows like float32 (the same prediction on at least 95% of rows)', async function () {
    const model = sharedPath(this, 'models/imdb-gpt2-small');
    const data = sharedPath(this, 'datasets/sst2/dev.jsonl');
    const template = path.join(__dirname, '..', '..', '..', 'examples', 'sst2-rating.prompt');
    const dir = mkdtempSync(path.join(tmpdir(), 'ptune-weights-'));
    const predicted: Record<string, string[]> = {};
    try {
      for (const weights of ['f32', 'int8']) {
        const c = capture();
        const file = path.join(dir, `${weights}.jsonl`);
        const code = await run(['eval', '--model', model, '--data', data, '--template', template, '--limit', '60', '--threads', '1', '--weights', weights, '--predictions', file], c.io);
        assert.strictEqual(code, 0, c.err());
        predicted[weights] = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line).predicted);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.strictEqual(predicted.int8.length, 60);
    const same = predicted.int8.filter((p, i) => p === predicted.f32[i]).length;
    assert.ok(same >= 57, `${same} of 60 predictions agree`);
  });
});
