/**
 * onnxruntime-node's CUDA execution provider, fetched the first time a user asks for `--device cuda`.
 * npm does not download it (this project's .npmrc skips onnxruntime-node's install step, which keeps
 * `npm install` offline and small); this fetches exactly what that step would: the files its
 * `script/install-metadata.js` lists for the `cuda12` manifest, from the NuGet package and version it names
 * (so they always match the installed onnxruntime-node), resolved through the NuGet v3 API
 * (service index → PackageBaseAddress/3.0.0 → `<id>/index.json` → `.nupkg`, as its `script/install-utils.js`).
 * Every file is extracted beside its destination and renamed into place only when all are complete: an
 * interrupted fetch leaves nothing half-written.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import AdmZip from 'adm-zip';
import { UserError } from '../engine/errors';
import { formatBytes } from './download';
import { DownloadCancelledError, header, NetworkError, readJson, request, MAX_REDIRECTS, type HubResponse } from './http';

/** Another NuGet v3 service index (a mirror; tests point it at a loopback server). */
export const NUGET_INDEX_ENV = 'PTUNE_ORT_NUGET_INDEX';

interface InstallMetadata {
  manifests: Record<string, Record<string, { package: string; path: string }>>;
  packages: Record<string, { name: string; versions: { feed: string; version: string }[] }>;
  feeds: Record<string, { type: string; index: string }>;
}

export interface CudaProviderPlan {
  /** The NuGet package id and the versions to try, in order, each with its feed's service index. */
  packageName: string;
  candidates: { version: string; index: string }[];
  /** Each file: where onnxruntime-node loads it from, and its path inside the package. */
  files: { dest: string; pathInPackage: string }[];
}

function ortRoot(): string {
  return path.dirname(require.resolve('onnxruntime-node/package.json'));
}

/**
 * What fetching the CUDA provider means on this platform, read from onnxruntime-node's own install metadata;
 * undefined where onnxruntime-node has no such download (its CUDA provider is bundled or absent there).
 */
export function cudaProviderPlan(opts: { root?: string; platform?: string; env?: NodeJS.ProcessEnv } = {}): CudaProviderPlan | undefined {
  const root = opts.root ?? ortRoot();
  const platform = opts.platform ?? `${process.platform}/${process.arch}`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const metadata = require(path.join(root, 'script', 'install-metadata.js')) as InstallMetadata;
  const manifest = metadata.manifests[`${platform}:cuda12`];
  if (!manifest) return undefined;
  const binFolder = path.join(root, 'bin', 'napi-v6', platform);
  const packageKeys = new Set(Object.values(manifest).map((f) => f.package));
  if (packageKeys.size !== 1) throw new Error(`onnxruntime-node's cuda12 manifest for ${platform} spans ${packageKeys.size} packages; expected one`);
  const info = metadata.packages[[...packageKeys][0]];
  const override = opts.env?.[NUGET_INDEX_ENV] ?? process.env[NUGET_INDEX_ENV];
  return {
    packageName: info.name,
    candidates: info.versions.map(({ feed, version }) => ({ version, index: override || metadata.feeds[feed].index })),
    files: Object.entries(manifest).map(([file, { path: pathInPackage }]) => ({ dest: path.normalize(path.join(binFolder, file)), pathInPackage })),
  };
}

/** The plan's files that are not in place yet (all of them, or none once fetched). */
export function missingCudaFiles(plan: CudaProviderPlan): string[] {
  return plan.files.filter((f) => !fs.existsSync(f.dest)).map((f) => f.dest);
}

export interface FetchProgress {
  /** Bytes of the package received, and its size when the server says. */
  received: number;
  total?: number;
}

export interface FetchOptions {
  signal?: AbortSignal;
  onStart?: (info: { packageName: string; version: string; url: string; bytes?: number }) => void;
  onProgress?: (p: FetchProgress) => void;
}

async function get(url: string, signal?: AbortSignal): Promise<HubResponse> {
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const res = await request('GET', current, { 'user-agent': 'prompt-tuning-studio' }, signal);
    const location = header(res.headers, 'location');
    if (res.status < 300 || res.status >= 400 || !location) return res;
    res.body.resume();
    current = new URL(location, current).toString();
  }
  throw new UserError(`${url}: more than ${MAX_REDIRECTS} redirects`);
}

async function getJson<T>(url: string, what: string, signal?: AbortSignal): Promise<T | undefined> {
  const res = await get(url, signal);
  if (res.status === 404) {
    res.body.resume();
    return undefined;
  }
  if (res.status !== 200) {
    res.body.resume();
    throw new NetworkError(`${url} answered HTTP ${res.status}`);
  }
  return readJson<T>(res, what);
}

/** The .nupkg address of the first candidate version the feed has. */
async function resolvePackage(plan: CudaProviderPlan, signal?: AbortSignal): Promise<{ url: string; version: string }> {
  const id = plan.packageName.toLowerCase();
  for (const { version, index } of plan.candidates) {
    const service = await getJson<{ resources?: { '@id': string; '@type': string }[] }>(index, `the NuGet service index ${index}`, signal);
    const base = service?.resources?.find((r) => r['@type'] === 'PackageBaseAddress/3.0.0')?.['@id'];
    if (!base) throw new UserError(`${index} is not a NuGet v3 service index (no PackageBaseAddress/3.0.0 resource)`);
    const root = base.endsWith('/') ? base : `${base}/`;
    const versions = await getJson<{ versions?: string[] }>(`${root}${id}/index.json`, `the NuGet versions of ${plan.packageName}`, signal);
    const v = version.toLowerCase();
    if (versions?.versions?.includes(v)) return { url: `${root}${id}/${v}/${id}.${v}.nupkg`, version };
  }
  throw new UserError(`${plan.packageName} ${plan.candidates.map((c) => c.version).join(' or ')} is not on ${plan.candidates[0]?.index}`);
}

async function download(url: string, file: string, opts: FetchOptions, start: (bytes?: number) => void): Promise<void> {
  const res = await get(url, opts.signal);
  if (res.status !== 200) {
    res.body.resume();
    throw new NetworkError(`${url} answered HTTP ${res.status}`);
  }
  const length = header(res.headers, 'content-length');
  const total = length ? Number(length) : undefined;
  start(total);
  const out = fs.createWriteStream(file);
  let received = 0;
  try {
    for await (const chunk of res.body) {
      received += (chunk as Buffer).length;
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      opts.onProgress?.({ received, total });
    }
  } catch (e) {
    out.destroy();
    throw e instanceof DownloadCancelledError || e instanceof NetworkError ? e : new NetworkError(`the download from ${new URL(url).host} broke off: ${(e as Error).message}`);
  } finally {
    await new Promise<void>((r) => out.end(r));
  }
  if (total !== undefined && received !== total) throw new NetworkError(`the download from ${new URL(url).host} ended after ${received} of ${total} bytes`);
}

/**
 * Fetches the plan's files into place (nothing when they already are). A failure is a UserError naming the
 * package, the server and what went wrong, with the manual command; nothing is left half-written.
 */
export async function fetchCudaProvider(plan: CudaProviderPlan, opts: FetchOptions = {}): Promise<string[]> {
  if (missingCudaFiles(plan).length === 0) return [];
  const folder = path.dirname(plan.files[0].dest);
  fs.mkdirSync(folder, { recursive: true });
  const scratch = fs.mkdtempSync(path.join(folder, '.ptune-cuda-'));
  const written: string[] = [];
  try {
    const { url, version } = await resolvePackage(plan, opts.signal);
    const nupkg = path.join(scratch, 'package.nupkg');
    await download(url, nupkg, opts, (bytes) => opts.onStart?.({ packageName: plan.packageName, version, url, bytes }));
    let zip: AdmZip;
    try {
      zip = new AdmZip(nupkg);
    } catch (e) {
      throw new UserError(`${url} is not a readable NuGet package: ${(e as Error).message}`);
    }
    // Every missing file complete beside its destination first, then renamed into place (files already there
    // are left as they are).
    const staged = plan.files.filter((f) => !fs.existsSync(f.dest)).map(({ dest, pathInPackage }) => {
      const entry = zip.getEntry(pathInPackage);
      if (!entry) throw new UserError(`${plan.packageName} ${version} (${url}) has no ${pathInPackage}`);
      const temp = path.join(scratch, path.basename(dest));
      fs.writeFileSync(temp, entry.getData());
      return { temp, dest };
    });
    for (const { temp, dest } of staged) {
      fs.renameSync(temp, dest);
      written.push(dest);
    }
    return written;
  } catch (e) {
    // A failure after some renames takes those back, so what was missing stays missing rather than half there.
    for (const file of written) fs.rmSync(file, { force: true });
    if (e instanceof DownloadCancelledError) throw e;
    throw new UserError(`--device cuda: could not fetch onnxruntime-node's CUDA provider (${plan.packageName}) from ${new URL(plan.candidates[0].index).host}: ${(e as Error).message}; or download it with \`ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node\` in the folder that holds node_modules`);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** "Microsoft.ML.OnnxRuntime.Gpu.Linux 1.30.0, 312.4 MiB" for progress lines. */
export function describeFetch(info: { packageName: string; version: string; bytes?: number }): string {
  return `${info.packageName} ${info.version}${info.bytes !== undefined ? `, ${formatBytes(info.bytes)}` : ''}`;
}
