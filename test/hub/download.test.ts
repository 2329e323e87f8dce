import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoFolder, scanCache } from '../../src/hub/cache';
import { ensureModel, type DownloadProgress } from '../../src/hub/download';
import { DownloadCancelledError } from '../../src/hub/http';
import { modelInfo } from '../../src/hub/info';
import { classifyModel, parseHubId } from '../../src/hub/model-id';
import { resolveModel } from '../../src/hub/resolve';
import { hubSettings, type Env } from '../../src/hub/settings';
import { commitSha, FakeHub, gitBlobSha1, sha256, tinyRepoFiles, type FakeRepo } from './fake-hub';

const MAIN = commitSha('main');
const V1 = commitSha('v1');
const NEVER_NEEDED = ['pytorch_model.bin', 'model.gguf', 'onnx/model.onnx', 'flax_model.msgpack', 'README.md'];

function repos(): Record<string, FakeRepo> {
  return {
    'tiny/gpt': { refs: { main: MAIN, 'v1.0': V1 }, commits: { [MAIN]: tinyRepoFiles({ seed: 'main' }), [V1]: tinyRepoFiles({ seed: 'v1', width: 32 }) } },
    'tiny/sharded': { refs: { main: MAIN }, commits: { [MAIN]: tinyRepoFiles({ sharded: true }) } },
    'tiny/big': { refs: { main: MAIN }, commits: { [MAIN]: tinyRepoFiles({ width: 256 }) } },
    'org/gated': { refs: { main: MAIN }, commits: { [MAIN]: tinyRepoFiles({ modelType: 'llama' }) }, gated: true, license: 'llama3.2' },
    'tiny/bin-only': { refs: { main: MAIN }, commits: { [MAIN]: { 'config.json': '{"model_type":"gpt2"}', 'pytorch_model.bin': Buffer.alloc(10) } } },
    'tiny/no-config': { refs: { main: MAIN }, commits: { [MAIN]: { 'model.safetensors': Buffer.alloc(16) } } },
  };
}

describe('hub: downloads into the Python huggingface_hub cache layout', function () {
  let hub: FakeHub;
  let cache: string;
  let env: Env;

  beforeEach(async () => {
    hub = await new FakeHub(repos()).start();
    cache = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-hub-'));
    env = { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: cache, HF_HOME: path.join(cache, 'home') };
  });
  afterEach(async () => {
    await hub.stop();
    fs.rmSync(cache, { recursive: true, force: true });
  });

  const files = () => hub.repos['tiny/gpt'].commits[MAIN];

  it('writes blobs named by etag, relative snapshot links and an unterminated ref; fetches only what the tool needs; a second run asks nothing', async () => {
    const progress: DownloadProgress[] = [];
    const got = await ensureModel(parseHubId('tiny/gpt'), { settings: hubSettings(env), onProgress: (p) => progress.push(p) });
    const folder = path.join(cache, 'models--tiny--gpt');
    assert.strictEqual(got.path, path.join(folder, 'snapshots', MAIN));
    assert.strictEqual(got.commit, MAIN);
    assert.strictEqual(got.fromCache, false);
    assert.strictEqual(fs.readFileSync(path.join(folder, 'refs', 'main'), 'utf8'), MAIN, 'refs/main holds the sha without a newline');
    const expected = ['config.json', 'generation_config.json', 'model.safetensors', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json'];
    assert.deepStrictEqual(fs.readdirSync(got.path).sort(), expected);
    for (const file of expected) {
      const content = Buffer.from(files()[file]);
      const etag = file.endsWith('.safetensors') ? sha256(content) : gitBlobSha1(content);
      const pointer = path.join(got.path, file);
      assert.ok(fs.lstatSync(pointer).isSymbolicLink(), `${file} is a symlink`);
      assert.strictEqual(fs.readlinkSync(pointer), path.join('..', '..', 'blobs', etag), `${file} links relatively to its blob`);
      assert.deepStrictEqual(fs.readFileSync(path.join(folder, 'blobs', etag)), content);
    }
    assert.strictEqual(fs.readdirSync(path.join(folder, 'blobs')).length, expected.length - 1, 'the two identical files share one blob, and no .incomplete is left');
    for (const file of NEVER_NEEDED) assert.deepStrictEqual(hub.requestsFor(file), [], `${file} is never requested`);
    // Bytes over distinct blobs: the shared one comes down once.
    const distinct = new Map(expected.map((f) => { const b = Buffer.from(files()[f]); return [sha256(b), b.length] as const; }));
    const total = [...distinct.values()].reduce((s, n) => s + n, 0);
    const last = progress[progress.length - 1];
    assert.strictEqual(last.totalBytes, total);
    assert.strictEqual(last.receivedBytes, total);
    assert.ok(progress.length >= 5);
    assert.deepStrictEqual([last.filesDone, last.filesTotal], [5, 5], 'six files, five distinct blobs, all done');
    assert.ok(progress.every((p, i) => i === 0 || p.receivedBytes >= progress[i - 1].receivedBytes), 'progress never goes back');

    const before = hub.requests.length;
    const again = await ensureModel(parseHubId('tiny/gpt'), { settings: hubSettings(env) });
    assert.strictEqual(hub.requests.length, before, 'the second run makes no request');
    assert.strictEqual(again.path, got.path);
    assert.strictEqual(again.fromCache, true);
  });

  it('downloads the index and every shard it lists, the shards in parallel', async () => {
    hub.cdnDelayMs = 150;
    const got = await ensureModel(parseHubId('tiny/sharded'), { settings: hubSettings(env) });
    assert.strictEqual(hub.maxCdnInFlight, 2, 'both shards were in flight at once');
    assert.deepStrictEqual(fs.readdirSync(got.path).filter((f) => f.includes('safetensors')).sort(), ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors.index.json']);
    for (const f of ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']) {
      assert.deepStrictEqual(fs.readFileSync(path.join(got.path, f)), hub.repos['tiny/sharded'].commits[MAIN][f]);
    }
  });

  it('@tag and @commit download that revision; a tag gets its ref, a commit needs none', async () => {
    const tagged = await ensureModel(parseHubId('tiny/gpt@v1.0'), { settings: hubSettings(env) });
    assert.strictEqual(tagged.commit, V1);
    assert.strictEqual(JSON.parse(fs.readFileSync(path.join(tagged.path, 'config.json'), 'utf8')).seed, 'v1');
    const folder = repoFolder(cache, 'tiny/gpt');
    assert.strictEqual(fs.readFileSync(path.join(folder, 'refs', 'v1.0'), 'utf8'), V1);
    assert.ok(!fs.existsSync(path.join(folder, 'refs', 'main')));
    const byCommit = await ensureModel(parseHubId(`tiny/gpt@${MAIN}`), { settings: hubSettings(env) });
    assert.strictEqual(byCommit.path, path.join(folder, 'snapshots', MAIN));
    assert.deepStrictEqual(fs.readdirSync(path.join(folder, 'refs')), ['v1.0']);
    // The commit's snapshot is used without asking again.
    const before = hub.requests.length;
    await ensureModel(parseHubId(`tiny/gpt@${MAIN}`), { settings: hubSettings(env) });
    assert.strictEqual(hub.requests.length, before);
  });

  it('a connection dropped mid-file resumes with Range and ends byte-identical', async () => {
    const content = Buffer.from(hub.repos['tiny/big'].commits[MAIN]['model.safetensors']);
    const cut = Math.floor(content.length / 3);
    hub.dropAfter.set('tiny/big/model.safetensors', cut);
    const got = await ensureModel(parseHubId('tiny/big'), { settings: hubSettings(env) });
    const gets = hub.requests.filter((r) => r.server === 'cdn' && r.method === 'GET');
    assert.strictEqual(gets.length, 2, 'one retry');
    assert.strictEqual(gets[0].range, undefined);
    assert.strictEqual(gets[1].range, `bytes=${cut}-`);
    assert.deepStrictEqual(fs.readFileSync(path.join(got.path, 'model.safetensors')), content);
  });

  it('resumes blobs/<etag>.incomplete left by an earlier run', async () => {
    const content = Buffer.from(hub.repos['tiny/big'].commits[MAIN]['model.safetensors']);
    const blobs = path.join(repoFolder(cache, 'tiny/big'), 'blobs');
    fs.mkdirSync(blobs, { recursive: true });
    fs.writeFileSync(path.join(blobs, `${sha256(content)}.incomplete`), content.subarray(0, 1000));
    const got = await ensureModel(parseHubId('tiny/big'), { settings: hubSettings(env) });
    const gets = hub.requests.filter((r) => r.server === 'cdn' && r.method === 'GET');
    assert.deepStrictEqual(gets.map((r) => r.range), ['bytes=1000-']);
    assert.deepStrictEqual(fs.readFileSync(path.join(got.path, 'model.safetensors')), content);
  });

  it('a corrupt partial file fails the sha256 check and is removed', async () => {
    const content = Buffer.from(hub.repos['tiny/big'].commits[MAIN]['model.safetensors']);
    const incomplete = path.join(repoFolder(cache, 'tiny/big'), 'blobs', `${sha256(content)}.incomplete`);
    fs.mkdirSync(path.dirname(incomplete), { recursive: true });
    fs.writeFileSync(incomplete, Buffer.alloc(1000, 0xee));
    await assert.rejects(ensureModel(parseHubId('tiny/big'), { settings: hubSettings(env) }), (e: Error) => e.name === 'UserError' && /model\.safetensors is corrupt \(its sha256/.test(e.message));
    assert.ok(!fs.existsSync(incomplete));
    assert.ok(!fs.existsSync(path.join(repoFolder(cache, 'tiny/big'), 'snapshots')), 'no snapshot');
  });

  it('a gated repo: without a token one message that says what to do and nothing written; with HF_TOKEN it downloads, and the token never reaches the CDN', async () => {
    await assert.rejects(ensureModel(parseHubId('org/gated'), { settings: hubSettings(env) }), (e: Error) => {
      assert.strictEqual(e.name, 'UserError');
      assert.match(e.message, /org\/gated is a gated model/);
      assert.match(e.message, /Accept its license on http:\/\/127\.0\.0\.1:\d+\/org\/gated/);
      assert.match(e.message, /HF_TOKEN/);
      return true;
    });
    const folder = repoFolder(cache, 'org/gated');
    assert.ok(!fs.existsSync(path.join(folder, 'snapshots')) && !fs.existsSync(path.join(folder, 'refs')), 'nothing half-written');
    hub.validTokens.add('hf_secret');
    const firstRun = hub.requests.length;
    const got = await ensureModel(parseHubId('org/gated'), { settings: hubSettings({ ...env, HF_TOKEN: 'hf_secret' }) });
    assert.ok(fs.existsSync(path.join(got.path, 'model.safetensors')));
    const cdn = hub.requests.filter((r) => r.server === 'cdn');
    assert.ok(cdn.length > 0);
    assert.ok(cdn.every((r) => r.authorization === undefined), 'no Authorization to the CDN');
    assert.deepStrictEqual(hub.requests.slice(firstRun).filter((r) => r.server === 'hub' && r.authorization !== 'Bearer hf_secret'), []);
    assert.ok(hub.requests.slice(firstRun).filter((r) => r.server === 'hub').every((r) => r.authorization === 'Bearer hf_secret'));
  });

  it('reads the token from $HF_HOME/token', async () => {
    hub.validTokens.add('hf_from_file');
    fs.mkdirSync(env.HF_HOME!, { recursive: true });
    fs.writeFileSync(path.join(env.HF_HOME!, 'token'), 'hf_from_file\n');
    const got = await ensureModel(parseHubId('org/gated'), { settings: hubSettings(env) });
    assert.ok(fs.existsSync(path.join(got.path, 'config.json')));
  });

  it('a missing repo, a missing revision, a missing file and a repo without safetensors: one clear message each', async () => {
    const settings = hubSettings(env);
    await assert.rejects(ensureModel(parseHubId('nobody/nothing'), { settings }), (e: Error) => e.name === 'UserError' && /^nobody\/nothing was not found on http:\/\/127\.0\.0\.1:\d+: check the id/.test(e.message));
    await assert.rejects(ensureModel(parseHubId('tiny/gpt@nope'), { settings }), (e: Error) => e.name === 'UserError' && /tiny\/gpt has no revision "nope"/.test(e.message));
    hub.missingOnResolve.add('tiny/gpt/tokenizer.json');
    await assert.rejects(ensureModel(parseHubId('tiny/gpt'), { settings }), (e: Error) => e.name === 'UserError' && /tiny\/gpt@main has no file "tokenizer\.json"/.test(e.message));
    await assert.rejects(ensureModel(parseHubId('tiny/bin-only'), { settings }), (e: Error) => e.name === 'UserError' && /has no safetensors weights .*pytorch_model\.bin/.test(e.message));
    await assert.rejects(ensureModel(parseHubId('tiny/no-config'), { settings }), (e: Error) => e.name === 'UserError' && /has no config\.json/.test(e.message));
    assert.deepStrictEqual(hub.requestsFor('pytorch_model.bin'), []);
    for (const repo of ['tiny/gpt', 'nobody/nothing']) assert.ok(!fs.existsSync(path.join(repoFolder(cache, repo), 'snapshots')));
  });

  it('an id the hub does not know may have been meant as a folder: the message says neither exists', async () => {
    await assert.rejects(resolveModel('models/gpt2', { env, base: cache }), (e: Error) => e.name === 'UserError' && e.message.startsWith('models/gpt2 was not found on http://127.0.0.1:') && e.message.endsWith(`; and there is no folder ${path.join(cache, 'models', 'gpt2')}`));
  });

  it('malformed ids are one message; an existing folder wins over an id', () => {
    for (const [text, why] of [['a/b/c', /has 2 "\/"/], ['my model/x', /contains a space/], ['owner/na--me', /"--"/], ['owner/name@', /not a revision/]] as const) {
      assert.throws(() => classifyModel(text, cache), (e: Error) => e.name === 'UserError' && why.test(e.message) && /neither an existing folder nor a valid Hugging Face id/.test(e.message), text);
    }
    fs.mkdirSync(path.join(cache, 'tiny', 'gpt'), { recursive: true });
    assert.deepStrictEqual(classifyModel('tiny/gpt', cache), { kind: 'folder', dir: path.join(cache, 'tiny', 'gpt') });
    assert.deepStrictEqual(classifyModel('tiny/other@v2', cache), { kind: 'hub', id: { repo: 'tiny/other', revision: 'v2' } });
    assert.strictEqual(classifyModel('./missing', cache).kind, 'folder');
  });

  it('a failing write (a full disk) is one message and leaves nothing half-written', async function () {
    if (!fs.existsSync('/dev/full')) this.skip();
    const content = Buffer.from(hub.repos['tiny/big'].commits[MAIN]['model.safetensors']);
    const blobs = path.join(repoFolder(cache, 'tiny/big'), 'blobs');
    fs.mkdirSync(blobs, { recursive: true });
    // Every write to /dev/full fails with ENOSPC, as on a full disk.
    fs.symlinkSync('/dev/full', path.join(blobs, `${sha256(content)}.incomplete`));
    await assert.rejects(ensureModel(parseHubId('tiny/big'), { settings: hubSettings(env) }), (e: Error) => e.name === 'UserError' && /cannot write .*\.incomplete: the disk is full\. Nothing of it was kept/.test(e.message));
    assert.ok(!fs.readdirSync(blobs).some((f) => f.endsWith('.incomplete')), 'the partial file is gone');
    assert.ok(!fs.existsSync(path.join(blobs, sha256(content))));
    const folder = repoFolder(cache, 'tiny/big');
    assert.ok(!fs.existsSync(path.join(folder, 'snapshots')) && !fs.existsSync(path.join(folder, 'refs')));
  });

  it('cancelling stops the download, keeps the partial file for a resume and links nothing', async () => {
    const controller = new AbortController();
    hub.dropAfter.set('tiny/big/model.safetensors', 10); // slows nothing, but the first event comes early
    await assert.rejects(
      ensureModel(parseHubId('tiny/big'), { settings: hubSettings(env), signal: controller.signal, onProgress: () => controller.abort() }),
      (e: Error) => e instanceof DownloadCancelledError,
    );
    const folder = repoFolder(cache, 'tiny/big');
    assert.ok(!fs.existsSync(path.join(folder, 'snapshots')));
    const got = await ensureModel(parseHubId('tiny/big'), { settings: hubSettings(env) });
    assert.deepStrictEqual(fs.readFileSync(path.join(got.path, 'model.safetensors')), hub.repos['tiny/big'].commits[MAIN]['model.safetensors']);
  });

  it('HF_HUB_OFFLINE=1 uses a cache written in the Python layout (with its bookkeeping files) and never touches the network', async () => {
    const folder = path.join(cache, 'models--py--cached');
    const config = Buffer.from('{"model_type":"llama"}');
    const weights = tinyRepoFiles()['model.safetensors'] as Buffer;
    const tokenizer = Buffer.from('{}');
    fs.mkdirSync(path.join(folder, 'blobs'), { recursive: true });
    fs.mkdirSync(path.join(folder, 'snapshots', MAIN), { recursive: true });
    fs.mkdirSync(path.join(folder, 'refs'), { recursive: true });
    for (const [name, bytes, etag] of [['config.json', config, gitBlobSha1(config)], ['tokenizer.json', tokenizer, gitBlobSha1(tokenizer)], ['model.safetensors', weights, sha256(weights)]] as const) {
      fs.writeFileSync(path.join(folder, 'blobs', etag), bytes);
      fs.symlinkSync(path.join('..', '..', 'blobs', etag), path.join(folder, 'snapshots', MAIN, name));
    }
    fs.writeFileSync(path.join(folder, 'refs', 'main'), MAIN);
    fs.mkdirSync(path.join(folder, '.no_exist', MAIN), { recursive: true });
    fs.writeFileSync(path.join(folder, '.no_exist', MAIN, 'generation_config.json'), '');
    fs.mkdirSync(path.join(cache, '.locks', 'models--py--cached'), { recursive: true });
    fs.writeFileSync(path.join(cache, 'CACHEDIR.TAG'), 'Signature: 8a477f597d28d172789f06886806bc55');
    fs.mkdirSync(path.join(cache, 'datasets--x--y', 'snapshots'), { recursive: true });
    const offline = { ...env, HF_HUB_OFFLINE: '1' };
    const got = await resolveModel('py/cached', { env: offline, base: cache });
    assert.strictEqual(got.dir, path.join(folder, 'snapshots', MAIN));
    await assert.rejects(resolveModel('tiny/gpt', { env: offline, base: cache }), (e: Error) => e.name === 'UserError' && /HF_HUB_OFFLINE is set and tiny\/gpt is not in the cache/.test(e.message));
    const info = await modelInfo(parseHubId('py/cached'), hubSettings(offline));
    assert.strictEqual(info.modelType, 'llama');
    assert.strictEqual(info.parameters, 100 * 64 + 64 * 64);
    assert.deepStrictEqual(hub.requests, [], 'no request at all');
    const listed = scanCache(cache);
    assert.deepStrictEqual(listed.map((m) => [m.id, m.commit, m.refs, m.modelType, m.complete, m.supported]), [['py/cached', MAIN, ['main'], 'llama', true, true]]);
    assert.strictEqual(listed[0].sizeBytes, config.length + tokenizer.length + weights.length);
  });

  it('models info: parameters and F32 memory from the safetensors headers by Range, without downloading the weights', async () => {
    const info = await modelInfo(parseHubId('tiny/sharded'), hubSettings(env));
    assert.strictEqual(info.modelType, 'gpt2');
    assert.strictEqual(info.supported, true);
    assert.strictEqual(info.parameters, 100 * 64 + 64 * 64 + 64);
    assert.strictEqual(info.f32Bytes, 4 * info.parameters!);
    assert.strictEqual(info.gated, false);
    const weights = hub.repos['tiny/sharded'].commits[MAIN];
    assert.strictEqual(info.downloadBytes, ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'model.safetensors.index.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'].reduce((s, f) => s + Buffer.from(weights[f]).length, 0));
    const cdn = hub.requests.filter((r) => r.server === 'cdn');
    assert.ok(cdn.length === 4 && cdn.every((r) => /^bytes=\d+-\d+$/.test(r.range ?? '')), 'only header ranges');
    assert.ok(!fs.existsSync(path.join(cache, 'models--tiny--sharded')), 'nothing downloaded');
    const gated = await modelInfo(parseHubId('org/gated'), hubSettings(env));
    assert.strictEqual(gated.gated, 'manual');
    assert.strictEqual(gated.license, 'llama3.2');
  });
});
