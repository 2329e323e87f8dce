/**
 * The outside reference for the cache layout: Python's huggingface_hub itself. Python downloads from the
 * loopback hub and this tool finds its files offline; this tool downloads and Python, offline, finds ours
 * (hf_hub_download with HF_HUB_OFFLINE=1, and scan_cache_dir). Skipped, visibly, where python3 has no
 * huggingface_hub.
 */
import * as assert from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureModel } from '../../src/hub/download';
import { parseHubId } from '../../src/hub/model-id';
import { resolveModel } from '../../src/hub/resolve';
import { hubSettings } from '../../src/hub/settings';
import { commitSha, FakeHub, tinyRepoFiles } from './fake-hub';

const MAIN = commitSha('main');
const FILES = ['config.json', 'tokenizer.json', 'model.safetensors'];

function pythonHasHub(): string | undefined {
  const r = spawnSync('python3', ['-c', 'import huggingface_hub; print(huggingface_hub.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function python(code: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('python3', ['-c', code], { env: { ...process.env, HF_TOKEN: '', HF_HUB_DISABLE_TELEMETRY: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('hub: the cache is the one Python huggingface_hub reads and writes', function () {
  const version = pythonHasHub();
  let hub: FakeHub;
  let cache: string;
  let env: Record<string, string>;

  before(function () {
    if (!version) {
      console.log('    (skipped: python3 has no huggingface_hub)');
      this.skip();
    }
  });
  beforeEach(async () => {
    hub = await new FakeHub({ 'tiny/gpt': { refs: { main: MAIN }, commits: { [MAIN]: tinyRepoFiles() } } }).start();
    cache = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-hub-py-'));
    env = { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: cache, HF_HOME: path.join(cache, 'home') };
  });
  afterEach(async () => {
    await hub?.stop();
    if (cache) fs.rmSync(cache, { recursive: true, force: true });
  });

  it(`what Python (huggingface_hub ${version ?? '?'}) downloaded is used offline, and online without a request`, async () => {
    const r = await python(`from huggingface_hub import hf_hub_download\nfor f in ${JSON.stringify(FILES)}: print(hf_hub_download('tiny/gpt', f))`, env);
    assert.strictEqual(r.code, 0, r.stderr);
    const snapshot = path.join(cache, 'models--tiny--gpt', 'snapshots', MAIN);
    assert.deepStrictEqual(r.stdout.trim().split('\n'), FILES.map((f) => path.join(snapshot, f)));
    const before = hub.requests.length;
    assert.strictEqual((await resolveModel('tiny/gpt', { env: { ...env, HF_HUB_OFFLINE: '1' } })).dir, snapshot);
    assert.strictEqual((await resolveModel('tiny/gpt', { env })).dir, snapshot);
    assert.strictEqual(hub.requests.length, before, 'no request: the cache Python wrote is complete for this tool');
  });

  it('what this tool downloaded, Python finds offline (same paths and bytes) and its cache scan reads without warnings', async () => {
    const ours = await ensureModel(parseHubId('tiny/gpt'), { settings: hubSettings(env) });
    const code = [
      'import json, os',
      'from huggingface_hub import hf_hub_download, scan_cache_dir',
      `paths = [hf_hub_download('tiny/gpt', f) for f in ${JSON.stringify(FILES)}]`,
      'info = scan_cache_dir()',
      'repo = [r for r in info.repos if r.repo_id == "tiny/gpt"][0]',
      'rev = list(repo.revisions)[0]',
      'print(json.dumps({"paths": paths, "sizes": [os.path.getsize(p) for p in paths], "warnings": [str(w) for w in info.warnings],',
      '  "refs": sorted(repo.refs), "commit": rev.commit_hash, "files": sorted(f.file_name for f in rev.files), "size": repo.size_on_disk}))',
    ].join('\n');
    const r = await python(code, { ...env, HF_HUB_OFFLINE: '1' });
    assert.strictEqual(r.code, 0, r.stderr);
    const got = JSON.parse(r.stdout.trim().split('\n').pop()!) as { paths: string[]; sizes: number[]; warnings: string[]; refs: string[]; commit: string; files: string[]; size: number };
    assert.deepStrictEqual(got.paths, FILES.map((f) => path.join(ours.path, f)));
    const files = hub.repos['tiny/gpt'].commits[MAIN];
    assert.deepStrictEqual(got.sizes, FILES.map((f) => Buffer.from(files[f]).length));
    assert.deepStrictEqual(got.warnings, []);
    assert.deepStrictEqual(got.refs, ['main']);
    assert.strictEqual(got.commit, MAIN);
    assert.deepStrictEqual(got.files, fs.readdirSync(ours.path).sort());
    const blobs = fs.readdirSync(path.join(cache, 'models--tiny--gpt', 'blobs'));
    assert.strictEqual(got.size, blobs.reduce((s, b) => s + fs.statSync(path.join(cache, 'models--tiny--gpt', 'blobs', b)).size, 0));
  });
});
