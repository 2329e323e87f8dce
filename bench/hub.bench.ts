/**
 * npm run bench:hub — downloads a 200 MB safetensors file from the loopback fake hub (HEAD, 302 to the
 * "CDN" port, GET, sha256 check, rename, snapshot link) into a temp cache, and, for scale, streams the
 * same bytes over loopback straight into a file with stream.pipeline (no hub logic, no hash). Prints one
 * JSON object as its last stdout line: {"bytes", "seconds", "MBps", "baselineSeconds", "baselineMBps"}.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ensureModel } from '../src/hub/download';
import { hubSettings } from '../src/hub/settings';
import { commitSha, FakeHub, safetensors, tinyRepoFiles } from '../test/hub/fake-hub';

const FLOATS = 50_000_000;

async function baseline(bytes: Buffer, file: string): Promise<number> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Length': bytes.length });
    res.end(bytes);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const t = performance.now();
  await new Promise<void>((resolve, reject) => {
    http.get(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, (res) => pipeline(res, fs.createWriteStream(file)).then(resolve, reject)).on('error', reject);
  });
  const seconds = (performance.now() - t) / 1000;
  server.close();
  fs.rmSync(file);
  return seconds;
}

async function main(): Promise<void> {
  const commit = commitSha('bench');
  const files = tinyRepoFiles();
  const weights = safetensors({ w: [FLOATS] });
  files['model.safetensors'] = weights;
  const hub = await new FakeHub({ 'bench/big': { refs: { main: commit }, commits: { [commit]: files } } }).start();
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-bench-hub-'));
  try {
    const t = performance.now();
    await ensureModel({ repo: 'bench/big' }, { settings: hubSettings({ HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: cache }) });
    const seconds = (performance.now() - t) / 1000;
    const baselineSeconds = await baseline(weights, path.join(cache, 'baseline.bin'));
    const mbps = (s: number) => +(weights.length / 1e6 / s).toFixed(1);
    console.log(JSON.stringify({ bytes: weights.length, seconds: +seconds.toFixed(2), MBps: mbps(seconds), baselineSeconds: +baselineSeconds.toFixed(2), baselineMBps: mbps(baselineSeconds) }));
  } finally {
    await hub.stop();
    fs.rmSync(cache, { recursive: true, force: true });
  }
}

void main();
