/**
 * Fetching onnxruntime-node's CUDA provider on demand (src/hub/cuda-provider.ts), against a NuGet v3 feed on
 * 127.0.0.1 in the real API's layout (service index → PackageBaseAddress/3.0.0 → <id>/index.json → .nupkg)
 * and a copy of onnxruntime-node's own install metadata in a temporary package root, so nothing is written
 * into node_modules.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import AdmZip from 'adm-zip';
import { run } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/io';
import { cudaProviderPlan, fetchCudaProvider, missingCudaFiles, NUGET_INDEX_ENV, type CudaProviderPlan } from '../../src/hub/cuda-provider';
import { isUserError } from '../../src/engine/errors';

const userError = (message: RegExp) => (e: unknown) => {
  assert.ok(isUserError(e), String(e));
  assert.match((e as Error).message, message);
  return true;
};

const ORT = path.dirname(require.resolve('onnxruntime-node/package.json'));
const PLATFORM = 'linux/x64';

/** A package root holding onnxruntime-node's real install metadata and an empty bin folder. */
function fakeRoot(): string {
  const root = fs.mkdtempSync(path.join(tmpdir(), 'ptune-ort-'));
  fs.mkdirSync(path.join(root, 'script'));
  for (const f of ['install-metadata.js', 'install-metadata-versions.js']) fs.copyFileSync(path.join(ORT, 'script', f), path.join(root, 'script', f));
  return root;
}

interface Feed {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

/** A NuGet v3 feed serving `packages` (lower-case id → version → .nupkg bytes); `breakAfter` drops the .nupkg part-way. */
async function startFeed(packages: Record<string, Record<string, Buffer>>, opts: { breakAfter?: number } = {}): Promise<Feed> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url!);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (req.url === '/v3/index.json') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ version: '3.0.0', resources: [{ '@id': `${base}/v3-flatcontainer/`, '@type': 'PackageBaseAddress/3.0.0' }] }));
      return;
    }
    const m = /^\/v3-flatcontainer\/([^/]+)\/(?:index\.json|([^/]+)\/[^/]+\.nupkg)$/.exec(req.url!);
    const versions = m ? packages[m[1]] : undefined;
    if (!m || !versions) {
      res.statusCode = 404;
      res.end();
      return;
    }
    if (!m[2]) {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ versions: Object.keys(versions) }));
      return;
    }
    const body = versions[m[2]];
    if (!body) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader('content-length', body.length);
    if (opts.breakAfter !== undefined) {
      res.write(body.subarray(0, opts.breakAfter));
      res.destroy();
      return;
    }
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3/index.json`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** A .nupkg (a zip) holding the plan's files, each with recognisable bytes. */
function nupkg(plan: CudaProviderPlan, omit?: string): Buffer {
  const zip = new AdmZip();
  for (const f of plan.files) if (f.pathInPackage !== omit) zip.addFile(f.pathInPackage, Buffer.from(`binary of ${path.basename(f.dest)}\n`.repeat(1000)));
  zip.addFile('Microsoft.ML.OnnxRuntime.Gpu.Linux.nuspec', Buffer.from('<package/>'));
  return zip.toBuffer();
}

describe('the CUDA provider, fetched on demand', () => {
  let root: string;
  beforeEach(() => (root = fakeRoot()));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('reads what to fetch from onnxruntime-node\'s own install metadata (the installed version, its files)', () => {
    const plan = cudaProviderPlan({ root, platform: PLATFORM, env: {} })!;
    const version = JSON.parse(fs.readFileSync(path.join(ORT, 'package.json'), 'utf8')).version;
    assert.equal(plan.packageName, 'Microsoft.ML.OnnxRuntime.Gpu.Linux');
    assert.deepEqual(plan.candidates.map((c) => c.version), [version]);
    assert.equal(plan.candidates[0].index, 'https://api.nuget.org/v3/index.json');
    assert.ok(plan.files.some((f) => f.dest === path.join(root, 'bin', 'napi-v6', PLATFORM, 'libonnxruntime_providers_cuda.so')));
    assert.ok(plan.files.every((f) => f.pathInPackage.startsWith('runtimes/linux-x64/native/')));
    assert.equal(cudaProviderPlan({ root, platform: 'darwin/arm64', env: {} }), undefined, 'no download exists there');
  });

  it('fetches every file into onnxruntime-node\'s bin folder, then nothing the second time', async () => {
    const probe = cudaProviderPlan({ root, platform: PLATFORM, env: {} })!;
    const feed = await startFeed({ [probe.packageName.toLowerCase()]: { [probe.candidates[0].version]: nupkg(probe) } });
    try {
      const plan = cudaProviderPlan({ root, platform: PLATFORM, env: { [NUGET_INDEX_ENV]: feed.url } })!;
      const starts: string[] = [];
      let last = 0;
      const written = await fetchCudaProvider(plan, { onStart: (i) => starts.push(`${i.packageName} ${i.version} ${i.bytes}`), onProgress: (p) => (last = p.received) });
      assert.deepEqual(written.sort(), plan.files.map((f) => f.dest).sort());
      for (const f of plan.files) assert.equal(fs.readFileSync(f.dest, 'utf8'), `binary of ${path.basename(f.dest)}\n`.repeat(1000));
      assert.deepEqual(missingCudaFiles(plan), []);
      assert.equal(starts.length, 1);
      assert.equal(last, nupkg(plan).length);
      // No scratch left beside the files.
      assert.deepEqual(fs.readdirSync(path.dirname(plan.files[0].dest)).sort(), plan.files.map((f) => path.basename(f.dest)).sort());
      const before = feed.requests.length;
      assert.deepEqual(await fetchCudaProvider(plan), []);
      assert.equal(feed.requests.length, before, 'nothing fetched when everything is in place');
    } finally {
      await feed.close();
    }
  });

  it('a download that breaks off, a package without a file, or a version the feed lacks: one message, nothing written', async () => {
    const probe = cudaProviderPlan({ root, platform: PLATFORM, env: {} })!;
    const id = probe.packageName.toLowerCase();
    const v = probe.candidates[0].version;
    const cases: [Record<string, Record<string, Buffer>>, { breakAfter?: number }, RegExp][] = [
      [{ [id]: { [v]: nupkg(probe) } }, { breakAfter: 100 }, /^--device cuda: could not fetch onnxruntime-node's CUDA provider \(Microsoft\.ML\.OnnxRuntime\.Gpu\.Linux\) from 127\.0\.0\.1:\d+: /],
      [{ [id]: { [v]: nupkg(probe, probe.files[1].pathInPackage) } }, {}, new RegExp(`has no ${probe.files[1].pathInPackage.replace(/\./g, '\\.')}; or download it with`)],
      [{ [id]: { '0.0.1': nupkg(probe) } }, {}, new RegExp(`: Microsoft\\.ML\\.OnnxRuntime\\.Gpu\\.Linux ${v.replace(/\./g, '\\.')} is not on http://127\\.0\\.0\\.1:\\d+/v3/index\\.json; or download it with \`ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node\``)],
    ];
    for (const [packages, opts, message] of cases) {
      const feed = await startFeed(packages, opts);
      try {
        const plan = cudaProviderPlan({ root, platform: PLATFORM, env: { [NUGET_INDEX_ENV]: feed.url } })!;
        await assert.rejects(fetchCudaProvider(plan), userError(message));
        assert.deepEqual(fs.readdirSync(path.dirname(plan.files[0].dest)), [], 'nothing written');
      } finally {
        await feed.close();
      }
    }
  });

  it('a file already in place is kept as it is; only the missing ones are fetched', async () => {
    const probe = cudaProviderPlan({ root, platform: PLATFORM, env: {} })!;
    const feed = await startFeed({ [probe.packageName.toLowerCase()]: { [probe.candidates[0].version]: nupkg(probe) } });
    try {
      const plan = cudaProviderPlan({ root, platform: PLATFORM, env: { [NUGET_INDEX_ENV]: feed.url } })!;
      fs.mkdirSync(path.dirname(plan.files[0].dest), { recursive: true });
      fs.writeFileSync(plan.files[0].dest, 'the user\'s own build');
      const written = await fetchCudaProvider(plan);
      assert.deepEqual(written.sort(), plan.files.slice(1).map((f) => f.dest).sort());
      assert.equal(fs.readFileSync(plan.files[0].dest, 'utf8'), 'the user\'s own build');
    } finally {
      await feed.close();
    }
  });
});

describe('ptune --device cuda where the provider cannot be fetched', () => {
  it('says what it tried and how to get the provider by hand, exit 1, no stack', async function () {
    const plan = cudaProviderPlan();
    if (!plan || missingCudaFiles(plan).length === 0) {
      console.log('      ⚠ skipped: this platform has no CUDA provider download, or it is installed here');
      this.skip();
    }
    let [stdout, stderr] = ['', ''];
    // A feed without the package: the fetch fails before anything is written.
    const feed = await startFeed({});
    try {
      const io: CliIo = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: { [NUGET_INDEX_ENV]: feed.url }, client: { engineModule: path.join(__dirname, '..', 'helpers', 'fake-engine.js') } };
      const dir = fs.mkdtempSync(path.join(tmpdir(), 'ptune-cuda-cli-'));
      fs.writeFileSync(path.join(dir, 'd.jsonl'), '{"text":"a","label":"x"}\n');
      fs.writeFileSync(path.join(dir, 't.prompt'), '---\nlabels: [x, y]\n---\n{{ text }}\n');
      const code = await run(['eval', '--model', dir, '--data', path.join(dir, 'd.jsonl'), '--template', path.join(dir, 't.prompt'), '--device', 'cuda'], io);
      fs.rmSync(dir, { recursive: true, force: true });
      assert.equal(code, 1);
      assert.equal(stdout, '');
      assert.match(stderr, /^ptune: --device cuda: could not fetch onnxruntime-node's CUDA provider \(Microsoft\.ML\.OnnxRuntime\.Gpu\.Linux\) from 127\.0\.0\.1:\d+: Microsoft\.ML\.OnnxRuntime\.Gpu\.Linux [\d.]+ is not on http:\/\/127\.0\.0\.1:\d+\/v3\/index\.json; or download it with `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node`/m);
      assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
      assert.deepEqual(missingCudaFiles(plan!).sort(), plan!.files.map((f) => f.dest).sort(), 'nothing written into onnxruntime-node');
    } finally {
      await feed.close();
    }
  });
});
