/**
 * The Python huggingface_hub cache layout (file_download.py), read and written the same way so that both
 * tools share downloads:
 *
 *   <cache>/models--owner--name/blobs/<etag>                 the file's bytes (etag: sha256 for LFS files, git sha1 otherwise)
 *   <cache>/models--owner--name/snapshots/<commit>/<file>    a relative symlink to ../../blobs/<etag> (a copy where links fail)
 *   <cache>/models--owner--name/refs/<revision>              the commit sha, no trailing newline
 *
 * Python and transformers also leave `.no_exist/`, `.locks/`, `trees/` and `CACHEDIR.TAG` there; the scanner skips them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../common/atomic-write';
import { COMMIT_SHA, DEFAULT_REVISION, type HubModelId } from './model-id';
import { SINGLE_WEIGHTS_FILE, unsupportedReason, WEIGHTS_INDEX_FILE } from './model-types';

const REPO_PREFIX = 'models--';

/** `models--owner--name` (huggingface_hub's repo_folder_name). */
export function repoFolderName(repo: string): string {
  return REPO_PREFIX + repo.split('/').join('--');
}

export function repoFolder(cacheDir: string, repo: string): string {
  return path.join(cacheDir, repoFolderName(repo));
}

export function blobPath(folder: string, etag: string): string {
  return path.join(folder, 'blobs', etag);
}

export function snapshotDir(folder: string, commit: string): string {
  return path.join(folder, 'snapshots', commit);
}

export function readRef(folder: string, revision: string): string | undefined {
  try {
    const commit = fs.readFileSync(path.join(folder, 'refs', revision), 'utf8').trim();
    return COMMIT_SHA.test(commit) ? commit : undefined;
  } catch {
    return undefined;
  }
}

/** Records which commit a branch or tag pointed to; a commit sha needs no ref. Written as Python does: no newline. */
export function writeRef(folder: string, revision: string, commit: string): void {
  if (revision === commit || readRef(folder, revision) === commit) return;
  writeFileAtomic(path.join(folder, 'refs', revision), commit);
}

/** The commit a cached revision stands for: the sha itself, else what refs/<revision> holds. */
export function cachedCommit(folder: string, revision: string): string | undefined {
  return COMMIT_SHA.test(revision) ? revision : readRef(folder, revision);
}

/**
 * Points snapshots/<commit>/<file> at the blob: a relative symlink as Python writes it, else (a file system
 * without links) a copy. Replaces whatever was there.
 */
export function linkSnapshotFile(blob: string, pointer: string): void {
  fs.mkdirSync(path.dirname(pointer), { recursive: true });
  const relative = path.relative(path.dirname(pointer), blob);
  const temp = `${pointer}.${process.pid}-${Math.random().toString(36).slice(2, 8)}.link`;
  try {
    fs.symlinkSync(relative, temp);
  } catch {
    fs.copyFileSync(blob, temp);
  }
  try {
    fs.renameSync(temp, pointer);
  } catch (e) {
    fs.rmSync(temp, { force: true });
    throw e;
  }
}

/** The weight files a snapshot needs: model.safetensors, or the index and every shard it lists. */
export function weightFiles(dir: string): string[] | undefined {
  if (fs.existsSync(path.join(dir, SINGLE_WEIGHTS_FILE))) return [SINGLE_WEIGHTS_FILE];
  const index = path.join(dir, WEIGHTS_INDEX_FILE);
  if (!fs.existsSync(index)) return undefined;
  try {
    return [WEIGHTS_INDEX_FILE, ...shardsOfIndex(fs.readFileSync(index, 'utf8'))];
  } catch {
    return undefined;
  }
}

/** The shard file names a model.safetensors.index.json lists, in order of first appearance. */
export function shardsOfIndex(text: string): string[] {
  const index = JSON.parse(text) as { weight_map?: Record<string, string> };
  if (!index || typeof index.weight_map !== 'object' || index.weight_map === null) throw new Error(`${WEIGHTS_INDEX_FILE} has no weight_map`);
  return [...new Set(Object.values(index.weight_map))];
}

/** True when the folder holds config.json and all its safetensors weights (links that resolve). */
export function isCompleteModel(dir: string): boolean {
  if (!fs.existsSync(path.join(dir, 'config.json'))) return false;
  const weights = weightFiles(dir);
  return weights !== undefined && weights.every((f) => fs.existsSync(path.join(dir, f)));
}

/** The complete cached snapshot of `id`, or undefined; touches no network. */
export function findCachedModel(cacheDir: string, id: HubModelId): { commit: string; path: string } | undefined {
  const folder = repoFolder(cacheDir, id.repo);
  const commit = cachedCommit(folder, id.revision ?? DEFAULT_REVISION);
  if (!commit) return undefined;
  const dir = snapshotDir(folder, commit);
  return isCompleteModel(dir) ? { commit, path: dir } : undefined;
}

export interface CachedModel {
  /** `owner/name`. */
  id: string;
  commit: string;
  /** The snapshot folder. */
  path: string;
  /** The branches and tags that point at this commit. */
  refs: string[];
  /** Bytes of the files in the snapshot. */
  sizeBytes: number;
  modelType?: string;
  /** config.json and all safetensors weights are there. */
  complete: boolean;
  supported: boolean;
  /** Why it cannot be used: unsupported model_type, or incomplete. */
  reason?: string;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/** config.json's model_type in a model folder, or undefined when it cannot be read. */
export function readModelType(dir: string): string | undefined {
  try {
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as { model_type?: unknown };
    return typeof config.model_type === 'string' ? config.model_type : undefined;
  } catch {
    return undefined;
  }
}

/** Every model snapshot in the cache; datasets, spaces and Python's bookkeeping folders are skipped. */
export function scanCache(cacheDir: string): CachedModel[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(cacheDir, { withFileTypes: true });
  } catch {
    return [];
  }
  const models: CachedModel[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || !entry.name.startsWith(REPO_PREFIX)) continue;
    const folder = path.join(cacheDir, entry.name);
    const id = entry.name.slice(REPO_PREFIX.length).split('--').join('/');
    const refs = new Map<string, string[]>();
    const refsDir = path.join(folder, 'refs');
    if (fs.existsSync(refsDir)) {
      for (const file of filesUnder(refsDir)) {
        const name = path.relative(refsDir, file).split(path.sep).join('/');
        const commit = readRef(folder, name);
        if (commit) refs.set(commit, [...(refs.get(commit) ?? []), name]);
      }
    }
    const snapshots = path.join(folder, 'snapshots');
    if (!fs.existsSync(snapshots)) continue;
    for (const commit of fs.readdirSync(snapshots)) {
      const dir = path.join(snapshots, commit);
      if (!fs.statSync(dir).isDirectory()) continue;
      let sizeBytes = 0;
      for (const file of filesUnder(dir)) {
        try {
          sizeBytes += fs.statSync(file).size;
        } catch {
          // a dangling link: its blob was deleted
        }
      }
      const modelType = readModelType(dir);
      const complete = isCompleteModel(dir);
      const typeProblem = unsupportedReason(modelType);
      const reason = !complete ? 'incomplete: config.json or safetensors weights missing' : typeProblem;
      models.push({ id, commit, path: dir, refs: refs.get(commit) ?? [], sizeBytes, modelType, complete, supported: reason === undefined, reason });
    }
  }
  return models.sort((a, b) => a.id.localeCompare(b.id) || b.refs.length - a.refs.length);
}
