/**
 * A Hugging Face hub on 127.0.0.1 for tests, in the real hub's URL layout and headers:
 *   GET  /api/models/{owner}/{name}/revision/{rev}[?blobs=true]   {id, sha, siblings, gated, cardData}
 *   HEAD/GET /{owner}/{name}/resolve/{rev}/{file}
 *        small (git) files: 307 to the relative /api/resolve-cache/models/{repo}/{commit}/{file}, which answers with
 *                           ETag (git blob sha1), X-Repo-Commit, Content-Length
 *        LFS files (*.safetensors, *.bin, *.gguf, *.onnx): 302 to a second server (the "CDN", another port) carrying
 *                           X-Linked-Etag (sha256), X-Linked-Size, X-Repo-Commit
 *   errors with X-Error-Code: RepoNotFound (401), GatedRepo (403), RevisionNotFound (404), EntryNotFound (404)
 * The CDN (on 127.0.0.2, else another port of 127.0.0.1) honours Range (206) and can drop a connection part-way through a file once. Every request is recorded.
 */
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRepo {
  /** Branches and tags → commit. */
  refs: Record<string, string>;
  /** Commit → files. */
  commits: Record<string, Record<string, Buffer | string>>;
  gated?: boolean;
  license?: string;
}

export interface RecordedRequest {
  server: 'hub' | 'cdn';
  method: string;
  url: string;
  authorization?: string;
  range?: string;
}

const LFS = /\.(safetensors|bin|gguf|onnx|h5|msgpack)$/;

const digests = new WeakMap<Buffer, Map<string, string>>();

/** Hashes memoised per buffer: the server answers many requests for the same (possibly large) file. */
function memo(content: Buffer, kind: string, compute: () => string): string {
  let known = digests.get(content);
  if (!known) digests.set(content, (known = new Map()));
  let value = known.get(kind);
  if (value === undefined) known.set(kind, (value = compute()));
  return value;
}

export function gitBlobSha1(content: Buffer): string {
  return memo(content, 'sha1', () => createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex'));
}

export function sha256(content: Buffer): string {
  return memo(content, 'sha256', () => createHash('sha256').update(content).digest('hex'));
}

/** File contents as bytes, without copying a Buffer. */
function bytesOf(content: Buffer | string): Buffer {
  return typeof content === 'string' ? Buffer.from(content) : content;
}

/** A safetensors file of F32 tensors filled with a pattern. */
export function safetensors(tensors: Record<string, number[]>): Buffer {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, shape] of Object.entries(tensors)) {
    const bytes = 4 * shape.reduce((a, b) => a * b, 1);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8 !== 0) json += ' ';
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const data = Buffer.alloc(offset);
  for (let i = 0; i < offset; i++) data[i] = (i * 7 + 3) & 0xff;
  return Buffer.concat([len, Buffer.from(json), data]);
}

export function commitSha(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}

export class FakeHub {
  readonly requests: RecordedRequest[] = [];
  /** Tokens that may read gated repos. */
  readonly validTokens = new Set<string>();
  /** "repo/file" → bytes after which the CDN drops the connection, once. */
  readonly dropAfter = new Map<string, number>();
  /** "repo/file" listed in the repo's siblings but answered 404 EntryNotFound by resolve (a repo that changed). */
  readonly missingOnResolve = new Set<string>();
  /** Milliseconds the CDN waits before answering a GET, so that parallel downloads overlap. */
  cdnDelayMs = 0;
  /** The most CDN GETs in flight at once. */
  maxCdnInFlight = 0;
  private cdnInFlight = 0;
  private hub!: http.Server;
  private cdn!: http.Server;
  /** sha256 → content, what the CDN serves. */
  private readonly blobs = new Map<string, Buffer>();

  constructor(readonly repos: Record<string, FakeRepo>) {}

  get endpoint(): string {
    return `http://127.0.0.1:${(this.hub.address() as AddressInfo).port}`;
  }

  get cdnOrigin(): string {
    const { address, port } = this.cdn.address() as AddressInfo;
    return `http://${address}:${port}`;
  }

  async start(): Promise<this> {
    this.hub = http.createServer((req, res) => this.serveHub(req, res));
    this.cdn = http.createServer((req, res) => this.serveCdn(req, res));
    await new Promise<void>((r) => this.hub.listen(0, '127.0.0.1', r));
    // The CDN on another loopback address, so that it is another host by name as well as by port (as the real
    // CDN is); where only 127.0.0.1 exists (macOS), another port of it.
    await new Promise<void>((resolve, reject) => {
      this.cdn.once('error', (e: NodeJS.ErrnoException) => (e.code === 'EADDRNOTAVAIL' ? this.cdn.listen(0, '127.0.0.1', resolve) : reject(e)));
      this.cdn.listen(0, '127.0.0.2', resolve);
    });
    return this;
  }

  async stop(): Promise<void> {
    for (const s of [this.hub, this.cdn]) s.closeAllConnections();
    await Promise.all([this.hub, this.cdn].map((s) => new Promise((r) => s.close(r))));
  }

  /** The requests for a file name (any server), e.g. to check what was never asked for. */
  requestsFor(file: string): RecordedRequest[] {
    return this.requests.filter((r) => decodeURIComponent(r.url.split('?')[0]).endsWith(`/${file}`));
  }

  private record(server: 'hub' | 'cdn', req: http.IncomingMessage): void {
    this.requests.push({ server, method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, range: req.headers.range });
  }

  private fail(res: http.ServerResponse, status: number, code: string, message: string, commit?: string): void {
    res.writeHead(status, { 'X-Error-Code': code, 'X-Error-Message': message, 'Content-Type': 'application/json', ...(commit ? { 'X-Repo-Commit': commit } : {}) });
    res.end(JSON.stringify({ error: message }));
  }

  private authorized(repo: FakeRepo, req: http.IncomingMessage): boolean {
    if (!repo.gated) return true;
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    return token !== undefined && this.validTokens.has(token);
  }

  private commitOf(repo: FakeRepo, revision: string): string | undefined {
    return repo.refs[revision] ?? (repo.commits[revision] ? revision : undefined);
  }

  private serveHub(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.record('hub', req);
    const url = new URL(req.url ?? '/', this.endpoint);
    const parts = url.pathname.split('/').slice(1).map(decodeURIComponent);
    if (parts[0] === 'api' && parts[1] === 'models' && parts[4] === 'revision') {
      const name = `${parts[2]}/${parts[3]}`;
      const repo = this.repos[name];
      if (!repo) return this.fail(res, 401, 'RepoNotFound', 'Repository not found');
      const commit = this.commitOf(repo, parts[5]);
      if (!commit) return this.fail(res, 404, 'RevisionNotFound', `Invalid rev id: ${parts[5]}`);
      const blobs = url.searchParams.get('blobs') === 'true';
      const siblings = Object.entries(repo.commits[commit]).map(([rfilename, content]) => {
        const bytes = bytesOf(content);
        if (!blobs) return { rfilename };
        return LFS.test(rfilename) ? { rfilename, size: bytes.length, lfs: { sha256: sha256(bytes), size: bytes.length, pointerSize: 134 } } : { rfilename, size: bytes.length, blobId: gitBlobSha1(bytes) };
      });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const configText = repo.commits[commit]['config.json'];
      const config = configText === undefined ? undefined : { model_type: (JSON.parse(String(configText)) as { model_type?: string }).model_type };
      res.end(JSON.stringify({ id: name, sha: commit, siblings, gated: repo.gated ? 'manual' : false, private: false, config, cardData: repo.license ? { license: repo.license } : undefined }));
      return;
    }
    if (parts[0] === 'api' && parts[1] === 'resolve-cache' && parts[2] === 'models') {
      const name = `${parts[3]}/${parts[4]}`;
      const commit = parts[5];
      const file = parts.slice(6).join('/');
      const content = this.repos[name]?.commits[commit]?.[file];
      if (content === undefined) return this.fail(res, 404, 'EntryNotFound', 'not found');
      const bytes = bytesOf(content);
      res.writeHead(200, { ETag: `"${gitBlobSha1(bytes)}"`, 'X-Repo-Commit': commit, 'Content-Length': bytes.length, 'Content-Type': 'text/plain' });
      res.end(req.method === 'HEAD' ? undefined : bytes);
      return;
    }
    if (parts[2] === 'resolve') {
      const name = `${parts[0]}/${parts[1]}`;
      const repo = this.repos[name];
      if (!repo) return this.fail(res, 401, 'RepoNotFound', 'Repository not found');
      if (!this.authorized(repo, req)) return this.fail(res, 403, 'GatedRepo', 'Access to model is restricted');
      const commit = this.commitOf(repo, parts[3]);
      if (!commit) return this.fail(res, 404, 'RevisionNotFound', 'Invalid rev id');
      const file = parts.slice(4).join('/');
      const content = this.missingOnResolve.has(`${name}/${file}`) ? undefined : repo.commits[commit][file];
      if (content === undefined) return this.fail(res, 404, 'EntryNotFound', 'Entry not found', commit);
      const bytes = bytesOf(content);
      if (LFS.test(file)) {
        const hash = sha256(bytes);
        this.blobs.set(hash, bytes);
        res.writeHead(302, {
          Location: `${this.cdnOrigin}/repos/${hash}?key=${encodeURIComponent(`${name}/${file}`)}&Expires=9999999999&Signature=x`,
          'X-Linked-Etag': `"${hash}"`, 'X-Linked-Size': bytes.length, 'X-Repo-Commit': commit, ETag: `"${gitBlobSha1(Buffer.from('pointer'))}"`, 'Content-Length': 0,
        });
        res.end();
        return;
      }
      res.writeHead(307, { Location: `/api/resolve-cache/models/${name}/${commit}/${encodeURIComponent(file)}`, 'X-Repo-Commit': commit, 'Content-Length': 0 });
      res.end();
      return;
    }
    res.writeHead(404);
    res.end();
  }

  private serveCdn(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.record('cdn', req);
    if (req.method !== 'GET' || this.cdnDelayMs === 0) return this.answerCdn(req, res);
    this.maxCdnInFlight = Math.max(this.maxCdnInFlight, ++this.cdnInFlight);
    res.on('close', () => this.cdnInFlight--);
    setTimeout(() => this.answerCdn(req, res), this.cdnDelayMs);
  }

  private answerCdn(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.cdnOrigin);
    const bytes = this.blobs.get(url.pathname.split('/').pop() ?? '');
    if (!bytes) {
      res.writeHead(403);
      res.end();
      return;
    }
    let start = 0;
    let end = bytes.length - 1;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      start = Number(range[1]);
      if (range[2]) end = Math.min(end, Number(range[2]));
    }
    const body = bytes.subarray(start, end + 1);
    res.writeHead(range ? 206 : 200, { 'Content-Length': body.length, ETag: `"${sha256(bytes)}"`, 'Accept-Ranges': 'bytes', ...(range ? { 'Content-Range': `bytes ${start}-${end}/${bytes.length}` } : {}) });
    if (req.method === 'HEAD') return void res.end();
    const key = url.searchParams.get('key') ?? '';
    const drop = this.dropAfter.get(key);
    if (drop !== undefined && drop > start && drop < start + body.length) {
      this.dropAfter.delete(key);
      res.write(body.subarray(0, drop - start), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(body);
  }
}

/** A tiny model repo: config, tokenizer files, safetensors weights, and files this tool must never fetch. */
export function tinyRepoFiles(options: { modelType?: string; width?: number; sharded?: boolean; seed?: string } = {}): Record<string, Buffer | string> {
  const width = options.width ?? 64;
  const files: Record<string, Buffer | string> = {
    'config.json': JSON.stringify({ model_type: options.modelType ?? 'gpt2', n_embd: width, seed: options.seed ?? '' }),
    'generation_config.json': '{"bos_token_id": 0}',
    'tokenizer.json': JSON.stringify({ version: '1.0', model: { type: 'BPE', vocab: { a: 0, b: 1 } } }),
    'tokenizer_config.json': '{}',
    // The same bytes as tokenizer_config.json: two snapshot files, one blob.
    'special_tokens_map.json': '{}',
    'README.md': '# tiny',
    'pytorch_model.bin': Buffer.alloc(1000, 1),
    'model.gguf': Buffer.alloc(1000, 2),
    'onnx/model.onnx': Buffer.alloc(1000, 3),
    'flax_model.msgpack': Buffer.alloc(100, 4),
  };
  if (options.sharded) {
    files['model-00001-of-00002.safetensors'] = safetensors({ 'wte.weight': [100, width] });
    files['model-00002-of-00002.safetensors'] = safetensors({ 'h.0.weight': [width, width], 'h.0.bias': [width] });
    files['model.safetensors.index.json'] = JSON.stringify({ metadata: {}, weight_map: { 'wte.weight': 'model-00001-of-00002.safetensors', 'h.0.weight': 'model-00002-of-00002.safetensors', 'h.0.bias': 'model-00002-of-00002.safetensors' } });
  } else {
    files['model.safetensors'] = safetensors({ 'wte.weight': [100, width], 'h.0.weight': [width, width] });
  }
  return files;
}
