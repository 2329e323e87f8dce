/**
 * HTTP to the hub on Node's http/https, with huggingface_hub's rules: the token goes only to the endpoint's
 * own host (never to the CDN a large file redirects to), metadata requests follow redirects on the hub
 * (the 307 to a resolve-cache path) and stop at one to another host (the 302 to the CDN), and errors are
 * read from `X-Error-Code` (utils/_http.py hf_raise_for_status).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { UserError } from '../engine/errors';
import type { HubSettings } from './settings';

export const MAX_REDIRECTS = 5;
const TIMEOUT_MS = 30_000;

/** The user cancelled (AbortSignal): not an error to report. */
export class DownloadCancelledError extends Error {
  constructor() {
    super('download cancelled');
    this.name = 'DownloadCancelledError';
  }
}

/** The connection failed or dropped: worth retrying (and resuming). */
export class NetworkError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
    this.name = 'NetworkError';
  }
}

export interface HubResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The URL that answered (after the redirects followed). */
  url: string;
  body: http.IncomingMessage;
}

export function header(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** The headers for `url`: Authorization only when it is the endpoint's own host (scheme, name and port). */
export function headersFor(url: string, settings: HubSettings, extra: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': 'prompt-tuning-studio', ...extra };
  if (settings.token && new URL(url).origin === new URL(settings.endpoint).origin) headers.authorization = `Bearer ${settings.token}`;
  return headers;
}

/** One request, no redirects followed. The body is left to the caller (read it or destroy it). */
export function request(method: string, url: string, headers: Record<string, string>, signal?: AbortSignal): Promise<HubResponse> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new DownloadCancelledError());
    const target = new URL(url);
    const lib = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : undefined;
    if (!lib) return reject(new UserError(`cannot download from ${url}: only http and https are supported (check HF_ENDPOINT)`));
    const req = lib.request(target, { method, headers, timeout: TIMEOUT_MS }, (res) => {
      cleanup();
      resolve({ status: res.statusCode ?? 0, headers: res.headers, url, body: res });
    });
    const onAbort = () => req.destroy(new DownloadCancelledError());
    const cleanup = () => signal?.removeEventListener('abort', onAbort);
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('timeout', () => req.destroy(new NetworkError(`no answer from ${target.host} for ${TIMEOUT_MS / 1000} s`, 'ETIMEDOUT')));
    req.on('error', (e: NodeJS.ErrnoException) => {
      cleanup();
      if (e instanceof DownloadCancelledError || e instanceof NetworkError) reject(e);
      else reject(new NetworkError(`cannot reach ${target.host}: ${e.code ?? e.message}`, e.code));
    });
    req.end();
  });
}

function isRedirect(status: number): boolean {
  return status >= 300 && status < 400;
}

/**
 * Sends `method` to `url`, following redirects: every one when `followAll`, else only those that stay on
 * the same origin (as huggingface_hub's HEAD does, so that the CDN location and the metadata on the
 * redirect stay visible).
 * Authorization is recomputed for each hop, so it never reaches another host.
 */
export async function requestFollowing(method: string, url: string, settings: HubSettings, options: { followAll: boolean; extraHeaders?: Record<string, string>; signal?: AbortSignal }): Promise<HubResponse> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const res = await request(method, current, headersFor(current, settings, options.extraHeaders), options.signal);
    const location = header(res.headers, 'location');
    if (!isRedirect(res.status) || !location) return res;
    const target = new URL(location, current);
    // Metadata requests stay on the hub: a redirect elsewhere (the CDN) carries the file's metadata itself.
    if (!options.followAll && target.origin !== new URL(current).origin) return res;
    if (hop >= MAX_REDIRECTS) {
      res.body.resume();
      throw new UserError(`${url}: more than ${MAX_REDIRECTS} redirects`);
    }
    res.body.resume();
    current = target.toString();
  }
}

export async function readBody(res: HubResponse): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res.body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function readJson<T>(res: HubResponse, what: string): Promise<T> {
  const text = (await readBody(res)).toString('utf8');
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new UserError(`${what}: the server's answer is not JSON (${res.url}, ${text.slice(0, 80)})`);
  }
}

export interface ErrorContext {
  settings: HubSettings;
  repo: string;
  revision?: string;
  file?: string;
}

/** The X-Error-Code values the hub sends (huggingface_hub utils/_http.py). */
export type HubErrorCode = 'RepoNotFound' | 'GatedRepo' | 'RevisionNotFound' | 'EntryNotFound';

/** A UserError for a failed hub answer, naming the repo and what to do; the body is drained. */
export async function hubError(res: HubResponse, ctx: ErrorContext): Promise<UserError> {
  const code = header(res.headers, 'x-error-code');
  const serverMessage = header(res.headers, 'x-error-message') ?? (await readBody(res).catch(() => Buffer.alloc(0))).toString('utf8').slice(0, 200);
  const page = `${ctx.settings.endpoint}/${ctx.repo}`;
  const revision = ctx.revision ?? 'main';
  switch (code) {
    case 'GatedRepo':
      return new UserError(
        `${ctx.repo} is a gated model: ${ctx.settings.token ? 'the token in use (HF_TOKEN or the token file) has no access to it yet' : 'it needs a Hugging Face token'}. ` +
          `Accept its license on ${page} while logged in, then set HF_TOKEN to a token of that account (or run huggingface-cli login).`,
      );
    case 'RevisionNotFound':
      return new UserError(`${ctx.repo} has no revision "${revision}" (a branch, tag or commit): see ${page}/tree/main for what exists`);
    case 'EntryNotFound':
      return new UserError(`${ctx.repo}@${revision} has no file "${ctx.file ?? '?'}"`);
    case 'RepoNotFound':
      return new UserError(`${ctx.repo} was not found on ${ctx.settings.endpoint}: check the id${ctx.settings.token ? '' : ', or, if it is private, set HF_TOKEN to a token that can read it'}`);
  }
  if (res.status === 401) return new UserError(`${ctx.repo}: ${ctx.settings.endpoint} refused access (401)${ctx.settings.token ? ': the token in use is not valid for it' : ': it may be private; set HF_TOKEN'}`);
  if (res.status === 404) return new UserError(ctx.file ? `${ctx.repo}@${revision} has no file "${ctx.file}"` : `${ctx.repo}@${revision} was not found on ${ctx.settings.endpoint}`);
  return new UserError(`${ctx.settings.endpoint} answered ${res.status} for ${res.url}${serverMessage ? `: ${serverMessage}` : ''}`);
}
