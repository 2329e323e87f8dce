import * as assert from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CliIo } from '../../src/cli/io';
import { run } from '../../src/cli/main';
import { FAKE_CONFIG_FILE } from '../helpers/fake-engine';
import { writeFixture } from '../helpers/tuning-fixtures';
import { commitSha, FakeHub, tinyRepoFiles } from './fake-hub';

const MAIN = commitSha('main');
const V1 = commitSha('v1');
const engineModule = path.join(__dirname, '..', 'helpers', 'fake-engine.js');
const repoRoot = path.resolve(__dirname, '..', '..', '..');

async function ptune(args: string[], env: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env, client: { engineModule } };
  const code = await run(args, io);
  return { code, stdout, stderr, last: () => JSON.parse(stdout.trim().split('\n').pop() as string) as unknown };
}

describe('cli: ptune models download | list | info against a loopback hub', function () {
  let hub: FakeHub;
  let dir: string;
  let env: Record<string, string>;

  beforeEach(async () => {
    hub = await new FakeHub({
      'tiny/gpt': { refs: { main: MAIN, 'v1.0': V1 }, commits: { [MAIN]: tinyRepoFiles(), [V1]: tinyRepoFiles({ modelType: 'bert', seed: 'v1' }) } },
      'org/gated': { refs: { main: MAIN }, commits: { [MAIN]: tinyRepoFiles({ modelType: 'llama' }) }, gated: true, license: 'llama3.2' },
    }).start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-models-'));
    env = { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: path.join(dir, 'hub'), HF_HOME: path.join(dir, 'home') };
  });
  afterEach(async () => {
    await hub.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('download prints {id, revision, commit, path} last; list shows it with size, type and support; info reads the hub', async () => {
    const d = await ptune(['models', 'download', 'tiny/gpt'], env);
    assert.strictEqual(d.code, 0, d.stderr);
    const snapshot = path.join(env.HF_HUB_CACHE, 'models--tiny--gpt', 'snapshots', MAIN);
    assert.deepStrictEqual(d.last(), { id: 'tiny/gpt', revision: 'main', commit: MAIN, path: snapshot, fromCache: false });
    assert.match(d.stderr, /downloading tiny\/gpt \(5 files, [\d.]+ kB\)/);
    const tag = await ptune(['models', 'download', 'tiny/gpt', '--revision', 'v1.0'], env);
    assert.strictEqual(tag.code, 0, tag.stderr);
    assert.strictEqual((tag.last() as { commit: string }).commit, V1);

    const list = await ptune(['models', 'list', '--json'], env);
    const models = list.last() as Array<Record<string, unknown>>;
    assert.deepStrictEqual(models.map((m) => [m.id, m.commit, m.modelType, m.supported]).sort(), [['tiny/gpt', MAIN, 'gpt2', true], ['tiny/gpt', V1, 'bert', false]].sort());
    assert.ok(models.every((m) => typeof m.sizeBytes === 'number' && (m.sizeBytes as number) > 0 && typeof m.path === 'string'));
    const human = await ptune(['models', 'list'], env);
    assert.match(human.stdout, /tiny\/gpt\s+v1\.0\s+.*bert\s+no: model_type "bert" is not supported/);

    const info = await ptune(['models', 'info', 'org/gated', '--json'], env);
    assert.strictEqual(info.code, 0, info.stderr);
    assert.deepStrictEqual(
      (({ gated, license, modelType, supported }) => ({ gated, license, modelType, supported }))(info.last() as Record<string, unknown>),
      { gated: 'manual', license: 'llama3.2', modelType: 'llama', supported: true },
    );
  });

  it('bad ids, a conflicting --revision, a missing repo: one line each, exit 1', async () => {
    for (const [args, message] of [
      [['models', 'download', 'a/b/c'], /^ptune: ID "a\/b\/c" is not a valid Hugging Face id: "a\/b\/c" has 2 "\/"/],
      [['models', 'download', 'tiny/gpt@main', '--revision', 'v1.0'], /^ptune: ID says @main and --revision says v1\.0/],
      [['models', 'download', 'nobody/nothing'], /^ptune: nobody\/nothing was not found on http:\/\/127\.0\.0\.1:\d+/],
      [['models', 'download', 'org/gated'], /^ptune: org\/gated is a gated model/],
      [['models', 'info', 'tiny/gpt@nope'], /^ptune: tiny\/gpt has no revision "nope"/],
    ] as const) {
      const r = await ptune([...args], env);
      assert.strictEqual(r.code, 1, args.join(' '));
      assert.match(r.stderr, message);
      assert.strictEqual(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });

  it('--model and PTUNE_MODEL take a hub id: downloaded before the job is sent, then used from the cache with no request', async () => {
    const fx = writeFixture(path.join(dir, 'data'));
    const first = await ptune(['eval', '--model', 'tiny/gpt', '--data', fx.dev, '--template', fx.template, '--json'], env);
    const snapshot = path.join(env.HF_HUB_CACHE, 'models--tiny--gpt', 'snapshots', MAIN);
    // The worker got the snapshot folder (the fake engine wants its own file there).
    assert.match(first.stderr, new RegExp(`model folder ${snapshot.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} not found \\(no ${FAKE_CONFIG_FILE}\\)`));
    fs.writeFileSync(path.join(snapshot, FAKE_CONFIG_FILE), '{}');
    const before = hub.requests.length;
    const second = await ptune(['eval', '--model', 'tiny/gpt', '--data', fx.dev, '--template', fx.template, '--json'], env);
    assert.strictEqual(second.code, 0, second.stderr);
    assert.strictEqual(hub.requests.length, before);
    // PTUNE_MODEL stands in for --model, hub id included.
    const fromEnv = await ptune(['eval', '--data', fx.dev, '--template', fx.template, '--json'], { ...env, PTUNE_MODEL: 'tiny/gpt' });
    assert.strictEqual(fromEnv.code, 0, fromEnv.stderr);
    assert.strictEqual(hub.requests.length, before);
    const neither = await ptune(['eval', '--data', fx.dev, '--template', fx.template], env);
    assert.strictEqual(neither.code, 1);
    assert.strictEqual(neither.stderr, "ptune: required option '--model <dir|id>' not specified (or set PTUNE_MODEL)\n");
    // A malformed id is caught before anything runs.
    const bad = await ptune(['eval', '--model', 'my model', '--data', fx.dev, '--template', fx.template], env);
    assert.strictEqual(bad.code, 1);
    assert.match(bad.stderr, /^ptune: --model "my model" is neither an existing folder nor a valid Hugging Face id: it contains a space/);
  });

  it('bin/ptune.js models download in a real process: HF_ENDPOINT and HF_HUB_CACHE from its environment, progress on stderr', async () => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'ptune.js'), 'models', 'download', 'tiny/gpt'], { env: { ...process.env, ...env, HF_TOKEN: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise((r) => child.on('close', r));
    assert.strictEqual(code, 0, stderr);
    assert.strictEqual(JSON.parse(stdout.trim().split('\n').pop()!).path, path.join(env.HF_HUB_CACHE, 'models--tiny--gpt', 'snapshots', MAIN));
    assert.match(stderr, /download tiny\/gpt \(MB\): [\d.]+\/[\d.]+/);
    assert.match(stderr, /tiny\/gpt: downloaded/);
  });
});
