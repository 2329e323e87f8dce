/**
 * `ptune models info`: what a model is and what it costs, without downloading its weights: the model type,
 * the parameter count (from the safetensors headers, read with two small Range requests per weight file,
 * or from the local files when cached), the F32 memory, the download size, gated or not, the license.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../engine/errors';
import { findCachedModel, shardsOfIndex, weightFiles } from './cache';
import { fetchRepoInfo, planFiles, resolveUrl, type RepoInfo } from './download';
import { hubError, readBody, requestFollowing } from './http';
import { DEFAULT_REVISION, formatHubId, type HubModelId } from './model-id';
import { unsupportedReason, WEIGHTS_INDEX_FILE } from './model-types';
import type { HubSettings } from './settings';

export interface ModelInfo {
  id: string;
  revision: string;
  commit?: string;
  modelType?: string;
  supported: boolean;
  reason?: string;
  parameters?: number;
  /** Memory for the weights in F32 (4 bytes a parameter), what the engine loads them as. */
  f32Bytes?: number;
  /** Bytes of the files this tool downloads. */
  downloadBytes?: number;
  /** false, or the hub's gating mode ("auto", "manual"). */
  gated: false | string;
  license?: string;
  cached: boolean;
  source: 'hub' | 'cache';
}

/** Parameters in a safetensors header (the JSON after the 8-byte length): the sum of the shapes' products. */
export function countParameters(header: Record<string, unknown>): number {
  let total = 0;
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const shape = (entry as { shape?: unknown }).shape;
    if (!Array.isArray(shape)) throw new Error(`tensor ${name} has no shape`);
    total += shape.reduce((p: number, d: unknown) => p * Number(d), 1);
  }
  return total;
}

function parseHeader(bytes: Buffer, what: string): Record<string, unknown> {
  try {
    return JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new UserError(`${what}: the safetensors header is not JSON`);
  }
}

function localHeader(file: string): Record<string, unknown> {
  const fd = fs.openSync(file, 'r');
  try {
    const len = Buffer.alloc(8);
    fs.readSync(fd, len, 0, 8, 0);
    const n = Number(len.readBigUInt64LE(0));
    if (n > 100_000_000) throw new UserError(`${file}: not a safetensors file (header of ${n} bytes)`);
    const buf = Buffer.alloc(n);
    fs.readSync(fd, buf, 0, n, 8);
    return parseHeader(buf, file);
  } finally {
    fs.closeSync(fd);
  }
}

async function rangeGet(url: string, settings: HubSettings, start: number, end: number, ctx: { repo: string; revision: string; file: string }): Promise<Buffer> {
  const res = await requestFollowing('GET', url, settings, { followAll: true, extraHeaders: { range: `bytes=${start}-${end}` } });
  if (res.status !== 206 && res.status !== 200) throw await hubError(res, { settings, ...ctx });
  const body = await readBody(res);
  // A server that ignores Range sends the whole file; take the part asked for.
  return res.status === 200 ? body.subarray(start, end + 1) : body;
}

async function remoteHeader(settings: HubSettings, repo: string, commit: string, file: string): Promise<Record<string, unknown>> {
  const url = resolveUrl(settings, repo, commit, file);
  const ctx = { repo, revision: commit, file };
  const n = Number((await rangeGet(url, settings, 0, 7, ctx)).readBigUInt64LE(0));
  if (n > 100_000_000) throw new UserError(`${repo}/${file}: not a safetensors file (header of ${n} bytes)`);
  return parseHeader(await rangeGet(url, settings, 8, 8 + n - 1, ctx), `${repo}/${file}`);
}

async function remoteText(settings: HubSettings, repo: string, commit: string, file: string): Promise<string> {
  const res = await requestFollowing('GET', resolveUrl(settings, repo, commit, file), settings, { followAll: true });
  if (res.status !== 200) throw await hubError(res, { settings, repo, revision: commit, file });
  return (await readBody(res)).toString('utf8');
}

function licenseOf(info: RepoInfo): string | undefined {
  const fromCard = info.cardData?.license;
  if (typeof fromCard === 'string') return fromCard;
  if (Array.isArray(fromCard)) return fromCard.join(', ');
  return info.tags?.find((t) => t.startsWith('license:'))?.slice('license:'.length);
}

function typeFields(modelType: string | undefined): Pick<ModelInfo, 'modelType' | 'supported' | 'reason'> {
  const reason = unsupportedReason(modelType);
  return { modelType, supported: reason === undefined, reason };
}

/** From the cache when offline, else from the hub (falling back to its API's figures where a file is gated). */
export async function modelInfo(id: HubModelId, settings: HubSettings): Promise<ModelInfo> {
  const revision = id.revision ?? DEFAULT_REVISION;
  const display = formatHubId(id);
  const cached = findCachedModel(settings.cacheDir, id);
  if (settings.offline) {
    if (!cached) throw new UserError(`HF_HUB_OFFLINE is set and ${display} is not in the cache ${settings.cacheDir}`);
    const config = JSON.parse(fs.readFileSync(path.join(cached.path, 'config.json'), 'utf8')) as { model_type?: string };
    const files = (weightFiles(cached.path) ?? []).filter((f) => f !== WEIGHTS_INDEX_FILE);
    const parameters = files.reduce((s, f) => s + countParameters(localHeader(path.join(cached.path, f))), 0);
    const downloadBytes = fs.readdirSync(cached.path).reduce((s, f) => s + fs.statSync(path.join(cached.path, f)).size, 0);
    return { id: display, revision, commit: cached.commit, ...typeFields(config.model_type), parameters, f32Bytes: 4 * parameters, downloadBytes, gated: false, cached: true, source: 'cache' };
  }
  const info = await fetchRepoInfo(id, settings, undefined, true);
  const commit = info.sha;
  const gated: false | string = info.gated ? String(info.gated) : false;
  const base = { id: display, revision, commit, gated, license: licenseOf(info), cached: cached?.commit === commit, source: 'hub' as const };
  const sizes = new Map(info.siblings.map((s) => [s.rfilename, s.lfs?.size ?? s.size]));
  const plan = planFiles(id.repo, [...sizes.keys()]);
  let modelType = info.config?.model_type;
  let parameters = info.safetensors?.total;
  try {
    const config = JSON.parse(await remoteText(settings, id.repo, commit, 'config.json')) as { model_type?: string };
    modelType = config.model_type;
    const weights = plan.weights === 'index' ? shardsOfIndex(await remoteText(settings, id.repo, commit, WEIGHTS_INDEX_FILE)) : plan.weights;
    let counted = 0;
    for (const file of weights) counted += countParameters(await remoteHeader(settings, id.repo, commit, file));
    parameters = counted;
    const all = [...plan.metadata, ...weights];
    const known = all.map((f) => sizes.get(f));
    const downloadBytes = known.every((s) => typeof s === 'number') ? (known as number[]).reduce((a, b) => a + b, 0) : undefined;
    return { ...base, ...typeFields(modelType), parameters, f32Bytes: 4 * parameters, downloadBytes };
  } catch (e) {
    // A gated repo without access still tells its type and size through the API.
    if (!(e instanceof UserError) || !gated || !/gated/.test(e.message)) throw e;
    return { ...base, ...typeFields(modelType), parameters, f32Bytes: parameters !== undefined ? 4 * parameters : undefined };
  }
}
