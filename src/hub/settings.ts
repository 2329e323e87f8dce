/**
 * Where the Hugging Face cache is and how to reach the hub, read from the environment exactly as Python's
 * huggingface_hub reads it (constants.py), so both tools share one cache and one login.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export type Env = Record<string, string | undefined>;

export interface HubSettings {
  /** The hub cache folder (holds models--owner--name/). */
  cacheDir: string;
  /** The server, without a trailing slash. */
  endpoint: string;
  /** Sent as `Authorization: Bearer` to the endpoint's host only. */
  token?: string;
  /** HF_HUB_OFFLINE: never touch the network. */
  offline: boolean;
}

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

/** huggingface_hub's `_is_true`. */
function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['1', 'ON', 'YES', 'TRUE'].includes(value.toUpperCase());
}

function expandUser(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

/** $HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface. */
export function hfHome(env: Env): string {
  if (env.HF_HOME) return expandUser(env.HF_HOME);
  return path.join(expandUser(env.XDG_CACHE_HOME || '~/.cache'), 'huggingface');
}

/** $HF_HUB_CACHE (or the older HUGGINGFACE_HUB_CACHE), else $HF_HOME/hub. */
export function hubCacheDir(env: Env): string {
  const given = env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE;
  return given ? expandUser(given) : path.join(hfHome(env), 'hub');
}

/**
 * $HF_TOKEN (or the older HUGGING_FACE_HUB_TOKEN), else the token file ($HF_TOKEN_PATH, else $HF_HOME/token),
 * as huggingface_hub's get_token: a blank variable falls through to the file.
 */
export function hubToken(env: Env): string | undefined {
  const fromEnv = (env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN)?.trim();
  if (fromEnv) return fromEnv;
  const file = env.HF_TOKEN_PATH ? expandUser(env.HF_TOKEN_PATH) : path.join(hfHome(env), 'token');
  try {
    return fs.readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export function hubSettings(env: Env): HubSettings {
  return {
    cacheDir: hubCacheDir(env),
    endpoint: (env.HF_ENDPOINT || DEFAULT_ENDPOINT).replace(/\/+$/, ''),
    token: hubToken(env),
    offline: isTrue(env.HF_HUB_OFFLINE || env.TRANSFORMERS_OFFLINE),
  };
}
