/**
 * Downloading a model from the hub into the shared cache (cache.ts), as huggingface_hub's
 * hf_hub_download does it, plus what it lacks for a UI: progress by bytes across files, parallel files,
 * resume within a run after a dropped connection, and nothing linked into the snapshot until every file of
 * the model is complete and verified.
 *
 * Per file: HEAD resolve/<commit>/<file> (relative redirects followed) gives the etag, size and, for LFS
 * files, the CDN location; the bytes go to blobs/<etag>.incomplete (resumed with Range when it exists),
 * are checked (size; sha256 for LFS files, whose etag is their sha256) and renamed to blobs/<etag>.
 */
import { createHash, type Hash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../engine/errors';
import { blobPath, cachedCommit, findCachedModel, isCompleteModel, linkSnapshotFile, repoFolder, shardsOfIndex, snapshotDir, writeRef } from './cache';
import { DownloadCancelledError, header, hubError, NetworkError, readJson, requestFollowing, type ErrorContext } from './http';
import { DEFAULT_REVISION, formatHubId, type HubModelId } from './model-id';
import { MODEL_METADATA_FILES, REQUIRED_FILES, SINGLE_WEIGHTS_FILE, WEIGHTS_INDEX_FILE } from './model-types';
import type { HubSettings } from './settings';

export interface DownloadProgress {
  /** The file that just received bytes. */
  file: string;
  receivedBytes: number;
  totalBytes: number;
  filesDone: number;
  filesTotal: number;
  bytesPerSecond: number;
  etaSeconds: number;
}

export interface DownloadOptions {
  settings: HubSettings;
  onProgress?(p: DownloadProgress): void;
  /** Status lines ("downloading 5 files, 270 MB"). */
  onMessage?(text: string): void;
  signal?: AbortSignal;
  /** Files downloaded at once (default 4). */
  concurrency?: number;
  /** Ask the hub even when the revision is cached (a branch may have moved). */
  refresh?: boolean;
}

export interface ResolvedModel {
  /** `owner/name[@revision]` as given. */
  id: string;
  repo: string;
  revision: string;
  commit: string;
  /** The snapshot folder. */
  path: string;
  /** True when nothing was fetched. */
  fromCache: boolean;
}

export interface RepoSibling {
  rfilename: string;
  size?: number;
  lfs?: { sha256?: string; size?: number };
}

/** The part of /api/models/{repo}/revision/{rev} this tool reads. */
export interface RepoInfo {
  id?: string;
  sha: string;
  siblings: RepoSibling[];
  gated?: boolean | string;
  private?: boolean;
  cardData?: { license?: string | string[] };
  tags?: string[];
  config?: { model_type?: string };
  safetensors?: { total?: number; parameters?: Record<string, number> };
}

const ETAG_NAME = /^[A-Za-z0-9._-]{1,128}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const RETRIES = 4;

function encodePath(file: string): string {
  return file.split('/').map(encodeURIComponent).join('/');
}

export function resolveUrl(settings: HubSettings, repo: string, revision: string, file: string): string {
  return `${settings.endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${encodePath(file)}`;
}

/** GET /api/models/{repo}/revision/{revision}: the commit sha and the file list (with sizes when `blobs`). */
export async function fetchRepoInfo(id: HubModelId, settings: HubSettings, signal?: AbortSignal, blobs = false): Promise<RepoInfo> {
  const revision = id.revision ?? DEFAULT_REVISION;
  const url = `${settings.endpoint}/api/models/${id.repo}/revision/${encodeURIComponent(revision)}${blobs ? '?blobs=true' : ''}`;
  const res = await withNetworkMessage(settings, () => requestFollowing('GET', url, settings, { followAll: false, signal }));
  if (res.status !== 200) throw await hubError(res, { settings, repo: id.repo, revision });
  const info = await readJson<RepoInfo>(res, `${id.repo}@${revision}`);
  if (typeof info?.sha !== 'string' || !Array.isArray(info.siblings)) throw new UserError(`${url}: the answer has no "sha" and "siblings": is HF_ENDPOINT (${settings.endpoint}) a Hugging Face hub?`);
  return info;
}

/** A network failure as one message that says what to do. */
async function withNetworkMessage<T>(settings: HubSettings, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof NetworkError) throw new UserError(`${e.message} (${settings.endpoint}): check the connection, or set HF_HUB_OFFLINE=1 to use only models already in the cache`);
    throw e;
  }
}

/** The files to download, from the repo's file list: config, tokenizer, safetensors weights; never .bin, .gguf, onnx/, .h5, .msgpack. */
export function planFiles(repo: string, siblings: readonly string[]): { metadata: string[]; weights: string[] | 'index' } {
  const present = new Set(siblings);
  for (const required of REQUIRED_FILES) {
    if (!present.has(required)) throw new UserError(`${repo} has no ${required}: it is not a Transformers model this tool can load`);
  }
  const metadata = MODEL_METADATA_FILES.filter((f) => present.has(f));
  if (present.has(SINGLE_WEIGHTS_FILE)) return { metadata, weights: [SINGLE_WEIGHTS_FILE] };
  if (present.has(WEIGHTS_INDEX_FILE)) return { metadata: [...metadata, WEIGHTS_INDEX_FILE], weights: 'index' };
  const others = siblings.filter((f) => /\.(bin|gguf|h5|msgpack|onnx|pt|pth)$/.test(f)).slice(0, 4);
  throw new UserError(
    `${repo} has no safetensors weights (${SINGLE_WEIGHTS_FILE} or ${WEIGHTS_INDEX_FILE})` +
      `${others.length ? `; it has ${others.join(', ')}` : ''}. This tool reads only safetensors: choose a repo that has them (many have a safetensors conversion).`,
  );
}

interface FileMeta {
  file: string;
  etag: string;
  size: number;
  /** Where to GET it: the resolve URL, or the CDN location of the redirect. */
  location: string;
  commit: string;
}

function normalizeEtag(etag: string | undefined): string | undefined {
  return etag?.replace(/^W\//, '').replace(/^"|"$/g, '');
}

/** HEAD on resolve/<commit>/<file>, as huggingface_hub's get_hf_file_metadata. */
async function fileMetadata(ctx: ErrorContext & { file: string }, commit: string, signal?: AbortSignal): Promise<FileMeta> {
  const { settings, repo, file } = ctx;
  const url = resolveUrl(settings, repo, commit, file);
  const res = await withNetworkMessage(settings, () => requestFollowing('HEAD', url, settings, { followAll: false, extraHeaders: { 'accept-encoding': 'identity' }, signal }));
  res.body.resume();
  if (res.status >= 400) throw await hubError(res, ctx);
  const repoCommit = header(res.headers, 'x-repo-commit');
  const etag = normalizeEtag(header(res.headers, 'x-linked-etag') ?? header(res.headers, 'etag'));
  const size = Number(header(res.headers, 'x-linked-size') ?? header(res.headers, 'content-length'));
  if (!repoCommit || !etag || !Number.isSafeInteger(size) || size < 0) {
    throw new UserError(`${url}: the answer lacks X-Repo-Commit, ETag or the size: is HF_ENDPOINT (${settings.endpoint}) a Hugging Face hub, or is a proxy in the way?`);
  }
  if (!ETAG_NAME.test(etag)) throw new UserError(`${url}: unexpected ETag ${JSON.stringify(etag)}`);
  const location = res.status >= 300 && header(res.headers, 'location') ? new URL(header(res.headers, 'location')!, res.url).toString() : res.url;
  return { file, etag, size, location, commit: repoCommit };
}

/** Byte counts across all files, with speed and ETA. */
class ProgressMeter {
  private readonly received = new Map<string, number>();
  private readonly started = Date.now();
  private startBytes = 0;
  filesDone = 0;

  constructor(private readonly files: FileMeta[], private readonly onProgress?: (p: DownloadProgress) => void) {}

  get total(): number {
    return this.files.reduce((s, f) => s + f.size, 0);
  }

  private get sum(): number {
    let s = 0;
    for (const v of this.received.values()) s += v;
    return s;
  }

  /** Bytes already on disk from an earlier run: they count as done but not towards the speed. */
  resumed(file: string, bytes: number): void {
    this.received.set(file, bytes);
    this.startBytes += bytes;
  }

  /** A file is complete (downloaded and verified, or already there). */
  finished(file: string, bytes: number): void {
    this.filesDone++;
    this.set(file, bytes);
  }

  set(file: string, bytes: number): void {
    this.received.set(file, bytes);
    if (!this.onProgress) return;
    const elapsed = (Date.now() - this.started) / 1000;
    const received = this.sum;
    // No speed (and no ETA) from the first fraction of a second: it would be noise.
    const speed = elapsed >= 0.5 ? (received - this.startBytes) / elapsed : 0;
    this.onProgress({
      file, receivedBytes: received, totalBytes: this.total, filesDone: this.filesDone, filesTotal: this.files.length,
      bytesPerSecond: speed, etaSeconds: speed > 0 ? (this.total - received) / speed : Infinity,
    });
  }
}

async function hashFile(file: string, hash: Hash): Promise<void> {
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
}

function writeFailure(file: string, e: NodeJS.ErrnoException): UserError {
  const why = e.code === 'ENOSPC' ? 'the disk is full' : e.code === 'EDQUOT' ? 'the disk quota is exhausted' : e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' : (e.code ?? e.message);
  return new UserError(`cannot write ${file}: ${why}. Nothing of it was kept; free some space (or set HF_HUB_CACHE to another disk) and run again.`);
}

/**
 * Downloads one file into blobs/<etag>, resuming blobs/<etag>.incomplete. A dropped connection is retried
 * (with Range) a few times; a failed write removes the partial file; cancelling keeps it for the next run.
 */
async function downloadBlob(meta: FileMeta, folder: string, ctx: ErrorContext, meter: ProgressMeter, signal: AbortSignal): Promise<void> {
  const { settings } = ctx;
  const blob = blobPath(folder, meta.etag);
  if (fs.existsSync(blob)) {
    meter.resumed(meta.file, meta.size);
    meter.finished(meta.file, meta.size);
    return;
  }
  const incomplete = `${blob}.incomplete`;
  fs.mkdirSync(path.dirname(blob), { recursive: true });
  const isLfs = SHA256.test(meta.etag);
  let offset = 0;
  try {
    offset = fs.statSync(incomplete).size;
  } catch {
    // nothing to resume
  }
  if (offset > meta.size) {
    fs.rmSync(incomplete, { force: true });
    offset = 0;
  }
  let hash = isLfs ? createHash('sha256') : undefined;
  if (hash && offset > 0) await hashFile(incomplete, hash);
  meter.resumed(meta.file, offset);
  for (let attempt = 0; offset < meta.size; attempt++) {
    try {
      const res = await requestFollowing('GET', meta.location, settings, { followAll: true, extraHeaders: offset > 0 ? { range: `bytes=${offset}-` } : {}, signal });
      if (res.status === 200 && offset > 0) {
        // The server ignored Range: start over.
        fs.rmSync(incomplete, { force: true });
        offset = 0;
        hash = isLfs ? createHash('sha256') : undefined;
      } else if (res.status === 206) {
        const range = header(res.headers, 'content-range') ?? '';
        if (!range.startsWith(`bytes ${offset}-`)) {
          res.body.destroy();
          throw new UserError(`${meta.location}: asked for bytes from ${offset}, got "${range}"`);
        }
      } else if (res.status !== 200) {
        throw await hubError(res, { ...ctx, file: meta.file });
      }
      let handle: fs.promises.FileHandle;
      try {
        handle = await fs.promises.open(incomplete, offset > 0 ? 'a' : 'w');
      } catch (e) {
        res.body.destroy();
        throw writeFailure(incomplete, e as NodeJS.ErrnoException);
      }
      try {
        for await (const chunk of res.body) {
          const bytes = chunk as Buffer;
          if (offset + bytes.length > meta.size) throw new UserError(`${meta.file}: the server sent more than the ${meta.size} bytes announced`);
          try {
            await handle.write(bytes);
          } catch (e) {
            throw writeFailure(incomplete, e as NodeJS.ErrnoException);
          }
          hash?.update(bytes);
          offset += bytes.length;
          meter.set(meta.file, offset);
        }
      } catch (e) {
        res.body.destroy();
        if (signal.aborted) throw new DownloadCancelledError();
        if (e instanceof UserError || e instanceof DownloadCancelledError) throw e;
        // The stream broke: retry below with the bytes kept.
        throw new NetworkError(`the connection to ${new URL(meta.location).host} dropped during ${meta.file}`, (e as NodeJS.ErrnoException).code);
      } finally {
        await handle.close().catch(() => undefined);
      }
      if (offset < meta.size) throw new NetworkError(`the connection to ${new URL(meta.location).host} closed after ${offset} of ${meta.size} bytes of ${meta.file}`);
    } catch (e) {
      if (e instanceof UserError && /^cannot write /.test(e.message)) fs.rmSync(incomplete, { force: true });
      if (!(e instanceof NetworkError)) throw e;
      if (signal.aborted) throw new DownloadCancelledError();
      if (attempt >= RETRIES) {
        throw new UserError(`${e.message}; gave up after ${RETRIES + 1} tries. Run again to resume from byte ${offset} (kept in ${incomplete}).`);
      }
      await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
    }
  }
  if (hash && hash.digest('hex') !== meta.etag) {
    fs.rmSync(incomplete, { force: true });
    throw new UserError(`${ctx.repo}: ${meta.file} is corrupt (its sha256 is not the ${meta.etag} the hub announced); removed, run again to download it anew`);
  }
  fs.renameSync(incomplete, blob);
  meter.finished(meta.file, meta.size);
}

/** Runs `tasks` at most `limit` at a time; the first failure aborts the rest and is rethrown once all have stopped. */
async function runPool(tasks: Array<(signal: AbortSignal) => Promise<void>>, limit: number, outer?: AbortSignal): Promise<void> {
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  outer?.addEventListener('abort', onAbort, { once: true });
  if (outer?.aborted) controller.abort();
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < tasks.length && failure === undefined) {
      const task = tasks[next++];
      try {
        await task(controller.signal);
      } catch (e) {
        if (failure === undefined) failure = e;
        controller.abort();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  } finally {
    outer?.removeEventListener('abort', onAbort);
  }
  if (failure !== undefined) throw outer?.aborted ? new DownloadCancelledError() : failure;
}

function checkFreeSpace(folder: string, bytes: number): void {
  if (bytes === 0) return;
  let free: number;
  try {
    const stats = fs.statfsSync(folder);
    free = stats.bavail * stats.bsize;
  } catch {
    return;
  }
  if (free < bytes) {
    throw new UserError(`not enough disk space in ${folder}: the model needs ${formatBytes(bytes)} more, ${formatBytes(free)} is free. Free some space or set HF_HUB_CACHE to another disk.`);
  }
}

export function formatBytes(n: number): string {
  if (n < 1000) return `${Math.round(n)} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/**
 * The model `id` as a local snapshot folder: from the cache when the revision is there complete (no
 * network), else downloaded. HF_HUB_OFFLINE=1 allows only the cache.
 */
export async function ensureModel(id: HubModelId, options: DownloadOptions): Promise<ResolvedModel> {
  const { settings } = options;
  const revision = id.revision ?? DEFAULT_REVISION;
  const display = formatHubId(id);
  const folder = repoFolder(settings.cacheDir, id.repo);
  if (!options.refresh || settings.offline) {
    const cached = findCachedModel(settings.cacheDir, id);
    if (cached) return { id: display, repo: id.repo, revision, commit: cached.commit, path: cached.path, fromCache: true };
  }
  if (settings.offline) {
    const known = cachedCommit(folder, revision);
    throw new UserError(
      `HF_HUB_OFFLINE is set and ${display} is ${known ? `only partly in the cache (${snapshotDir(folder, known)} lacks config.json or weights)` : `not in the cache ${settings.cacheDir}`}: unset HF_HUB_OFFLINE to download it, or give a model folder`,
    );
  }
  const ctx: ErrorContext = { settings, repo: id.repo, revision };
  const signal = options.signal ?? new AbortController().signal;
  const info = await fetchRepoInfo(id, settings, signal);
  const commit = info.sha;
  const snapshot = snapshotDir(folder, commit);
  if (isCompleteModel(snapshot)) {
    writeRef(folder, revision, commit);
    return { id: display, repo: id.repo, revision, commit, path: snapshot, fromCache: true };
  }
  const plan = planFiles(id.repo, info.siblings.map((s) => s.rfilename));
  const metas: FileMeta[] = [];
  const headAll = async (files: string[]) => {
    // allSettled: no request is still running when the first failure is reported.
    const settled = await Promise.allSettled(files.map((file) => fileMetadata({ ...ctx, file }, commit, signal)));
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const found = settled.map((r) => (r as PromiseFulfilledResult<FileMeta>).value);
    for (const m of found) {
      if (m.commit !== commit) throw new UserError(`${display}: ${m.file} answered for commit ${m.commit}, not ${commit}; the repo changed during the download, run again`);
    }
    metas.push(...found);
    return found;
  };
  const download = async (files: FileMeta[], meter: ProgressMeter) => {
    checkFreeSpace(folder, files.filter((m) => !fs.existsSync(blobPath(folder, m.etag))).reduce((s, m) => s + m.size, 0));
    // Files with the same content share one blob: fetch it once (two writers on one .incomplete would corrupt it).
    const byEtag = [...new Map(files.map((m) => [m.etag, m])).values()];
    await runPool(byEtag.map((m) => (s: AbortSignal) => downloadBlob(m, folder, ctx, meter, s)), options.concurrency ?? 4, signal);
  };
  const first = await headAll(plan.metadata);
  let weights: string[];
  if (plan.weights === 'index') {
    // The shard list is in the index: fetch it (small) before the rest.
    const indexMeta = first.filter((m) => m.file === WEIGHTS_INDEX_FILE);
    await download(indexMeta, new ProgressMeter(indexMeta));
    try {
      weights = shardsOfIndex(fs.readFileSync(blobPath(folder, indexMeta[0].etag), 'utf8'));
    } catch (e) {
      throw new UserError(`${display}: ${WEIGHTS_INDEX_FILE} is not a valid index (${(e as Error).message})`);
    }
    const listed = new Set(info.siblings.map((s) => s.rfilename));
    const missing = weights.filter((w) => !listed.has(w));
    if (missing.length) throw new UserError(`${display}: ${WEIGHTS_INDEX_FILE} lists ${missing.join(', ')}, which the repo does not have`);
  } else {
    weights = plan.weights;
  }
  await headAll(weights);
  const blobs = [...new Map(metas.map((m) => [m.etag, m])).values()];
  const meter = new ProgressMeter(blobs, options.onProgress);
  options.onMessage?.(`downloading ${display} (${blobs.length} files, ${formatBytes(meter.total)}) into ${folder}`);
  await download(metas, meter);
  // Only now, with every blob complete and verified, does the snapshot appear.
  for (const m of metas) linkSnapshotFile(blobPath(folder, m.etag), path.join(snapshot, ...m.file.split('/')));
  writeRef(folder, revision, commit);
  return { id: display, repo: id.repo, revision, commit, path: snapshot, fromCache: false };
}
