/** `ptune test`: prompt tests from the expect: setting, their output and exit codes (0 all pass, 1 any fails). */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runPtune } from '../helpers/cli';
import { writeFakeModel } from '../helpers/fake-engine';
import { writeFixture, type Fixture } from '../helpers/tuning-fixtures';

const ptune = (args: string[]) => runPtune(args);

describe('cli: ptune test', function () {
  let dir: string;
  let fx: Fixture;
  let model: string;
  let accuracy: number;
  /** The fixture's classification prompt with an expect: setting (data relative to the prompt file). */
  const promptWith = (name: string, expect: string[]): string => {
    const file = path.join(fx.dir, name);
    const text = fs.readFileSync(fx.template, 'utf8').replace('---\nText:', `${expect.join('\n')}\n---\nText:`);
    fs.writeFileSync(file, text);
    return file;
  };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-test-cmd-'));
    fx = writeFixture(path.join(dir, 'data'));
    model = writeFakeModel(path.join(dir, 'model'), { hiddenSize: 6, seed: 2 });
    // The accuracy ptune eval measures, so thresholds below and above it are known to pass and fail.
    const evaluated = await ptune(['eval', '--model', model, '--data', fx.dev, '--template', fx.template, '--json']);
    assert.strictEqual(evaluated.code, 0, evaluated.stderr);
    accuracy = (JSON.parse(evaluated.stdout.trim().split('\n').pop() as string) as { accuracy: number }).accuracy;
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('exit 0 when every condition holds; each test is a PASS line with the measured value', async () => {
    const file = promptWith('pass.prompt', ['expect:', '  data: dev.jsonl', `  accuracy: ">= ${accuracy}"`, '  ece: "<= 1"']);
    const r = await ptune(['test', file, '--model', model]);
    assert.strictEqual(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, new RegExp(`^PASS .*pass\\.prompt: accuracy >= ${accuracy}, ece <= 1 on dev\\.jsonl · n 6$`, 'm'));
    assert.match(r.stdout, new RegExp(`^ {5}accuracy ${accuracy.toFixed(3)} >= ${accuracy}$`, 'm'));
    assert.match(r.stdout, /^1 passed, 0 failed$/m);
  });

  it('exit 1 when a condition fails; the others still run; --json lists every test', async () => {
    const file = promptWith('fail.prompt', ['expect:', '  - data: dev.jsonl', `    accuracy: "> ${accuracy}"`, '  - data: dev.jsonl', '    limit: 2', '    accuracy: ">= 0"']);
    const r = await ptune(['test', file, '--model', model, '--json']);
    assert.strictEqual(r.code, 1, r.stderr + r.stdout);
    assert.match(r.stdout, new RegExp(`^ {5}accuracy ${accuracy.toFixed(3)} is not > ${accuracy}$`, 'm'));
    const summary = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { passed: number; failed: number; tests: { passed: boolean; n?: number }[] };
    assert.deepStrictEqual([summary.passed, summary.failed], [1, 1]);
    assert.deepStrictEqual(summary.tests.map((t) => [t.passed, t.n]), [[false, 6], [true, 2]]);
  });

  it('a dataset that cannot be read fails that test with its message (exit 1)', async () => {
    const file = promptWith('missing.prompt', ['expect: {data: nowhere.jsonl, accuracy: ">= 0"}']);
    const r = await ptune(['test', file, '--model', model]);
    assert.strictEqual(r.code, 1);
    assert.match(r.stdout, /^FAIL .*missing\.prompt: accuracy >= 0 on nowhere\.jsonl$/m);
    assert.match(r.stdout, /nowhere\.jsonl: dataset file not found/);
  });

  it('a mistake in expect is a file:line:col error before any model work (exit 1)', async () => {
    const file = promptWith('bad.prompt', ['expect:', '  data: dev.jsonl', '  accuracy: 0.7']);
    const r = await ptune(['test', file, '--model', path.join(dir, 'no-such-model')]);
    assert.strictEqual(r.code, 1);
    assert.strictEqual(r.stdout, '');
    assert.match(r.stderr, /^ptune: .*bad\.prompt:\d+:\d+: expect: accuracy must be a comparison in quotes, e\.g\. accuracy: ">= 0\.7"/);
  });

  it('files without expect: exit 1 saying there is nothing to test', async () => {
    const r = await ptune(['test', fx.template, '--model', model]);
    assert.strictEqual(r.code, 1);
    assert.match(r.stderr, /^ptune: no prompt tests: .*sentiment\.prompt has no expect: setting/);
  });
});
