/**
 * What `--model`, PTUNE_MODEL and the extension's setting accept: a local folder, or a Hugging Face id
 * `owner/name` with an optional `@revision` (branch, tag or commit sha). A folder that exists wins.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserError } from '../engine/errors';

export interface HubModelId {
  /** `owner/name`. */
  repo: string;
  /** Branch, tag or commit sha; undefined means `main`. */
  revision?: string;
}

export const DEFAULT_REVISION = 'main';
export const COMMIT_SHA = /^[0-9a-f]{40}$/;

/** One part of a repo id as huggingface_hub's validate_repo_id allows it: letters, digits, `-`, `_`, `.`, at most 96. */
const ID_PART = /^[A-Za-z0-9_.-]{1,96}$/;

const ID_FORMAT = 'a Hugging Face id is owner/name, optionally @revision (a branch, tag or commit), e.g. HuggingFaceTB/SmolLM2-135M or HuggingFaceTB/SmolLM2-135M@main';

/** Why `text` is not a valid hub id, or undefined when it is one. */
export function hubIdProblem(text: string): string | undefined {
  const at = text.indexOf('@');
  const repo = at < 0 ? text : text.slice(0, at);
  const revision = at < 0 ? undefined : text.slice(at + 1);
  if (/\s/.test(text)) return 'it contains a space';
  const parts = repo.split('/');
  if (parts.length !== 2) return `"${repo}" has ${parts.length - 1} "/" (an id has exactly one, between owner and name)`;
  for (const part of parts) {
    if (!ID_PART.test(part)) return `"${part}" may only hold letters, digits, "-", "_" and "." (1 to 96 of them)`;
    if (part.startsWith('.') || part.startsWith('-') || part.endsWith('.') || part.endsWith('-')) return `"${part}" may not start or end with "." or "-"`;
    if (part.includes('--') || part.includes('..')) return `"${part}" may not hold "--" or ".."`;
  }
  if (revision !== undefined && (revision === '' || revision.includes('@') || revision.includes('..') || /^[/.]|\/$/.test(revision))) return `"@${revision}" is not a revision`;
  return undefined;
}

/** Parses `owner/name[@revision]`; a malformed id is a UserError that names what is wrong. */
export function parseHubId(text: string, what = 'model'): HubModelId {
  const problem = hubIdProblem(text);
  if (problem) throw new UserError(`${what} "${text}" is not a valid Hugging Face id: ${problem}; ${ID_FORMAT}`);
  const at = text.indexOf('@');
  return at < 0 ? { repo: text } : { repo: text.slice(0, at), revision: text.slice(at + 1) };
}

export function formatHubId(id: HubModelId): string {
  return id.revision && id.revision !== DEFAULT_REVISION ? `${id.repo}@${id.revision}` : id.repo;
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

/** True when the text is written as a path (absolute, ./, ../, ~, a backslash): never taken for a hub id. */
export function looksLikePath(text: string): boolean {
  return path.isAbsolute(text) || /^(\.{1,2}([/\\]|$)|~([/\\]|$))/.test(text) || text.includes('\\');
}

export type ModelRef = { kind: 'folder'; dir: string } | { kind: 'hub'; id: HubModelId };

/**
 * A folder that exists (relative to `base`) wins; then anything written as a path is a folder (the engine
 * reports a missing one); anything else must be a valid hub id, else one message names both readings.
 */
export function classifyModel(text: string, base = process.cwd(), what = 'model'): ModelRef {
  const trimmed = text.trim();
  if (trimmed === '') throw new UserError(`${what} is empty: give a model folder or a Hugging Face id (owner/name)`);
  const asPath = path.resolve(base, expandHome(trimmed));
  if (fs.existsSync(asPath) || looksLikePath(trimmed)) return { kind: 'folder', dir: asPath };
  const problem = hubIdProblem(trimmed);
  if (problem) {
    throw new UserError(`${what} "${trimmed}" is neither an existing folder nor a valid Hugging Face id: ${problem}; ${ID_FORMAT}`);
  }
  return { kind: 'hub', id: parseHubId(trimmed, what) };
}
