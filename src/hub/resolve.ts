/** A `--model` value (folder or hub id) to the local folder the engine loads. */
import * as path from 'node:path';
import { isUserError, UserError } from '../engine/errors';
import { classifyModel } from './model-id';
import { ensureModel, type DownloadOptions, type ResolvedModel } from './download';
import { hubSettings, type Env } from './settings';

export interface ResolveOptions extends Omit<DownloadOptions, 'settings'> {
  env: Env;
  /** Relative folders resolve against this (default: the cwd). */
  base?: string;
  /** The option's name for messages, e.g. "--model". */
  what?: string;
}

/** The folder for `text`: an existing folder as is, a hub id from the cache or downloaded into it. */
export async function resolveModel(text: string, options: ResolveOptions): Promise<{ dir: string; hub?: ResolvedModel }> {
  const ref = classifyModel(text, options.base, options.what);
  if (ref.kind === 'folder') return { dir: ref.dir };
  try {
    const hub = await ensureModel(ref.id, { ...options, settings: hubSettings(options.env) });
    return { dir: hub.path, hub };
  } catch (e) {
    // "models/gpt2" may have been meant as a folder: say that none exists either.
    if (isUserError(e) && / was not found on /.test(e.message)) {
      throw new UserError(`${e.message}; and there is no folder ${path.resolve(options.base ?? process.cwd(), text.trim())}`);
    }
    throw e;
  }
}
