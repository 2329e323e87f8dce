/**
 * Every path a command writes is checked against everything it reads before any model work: an output must
 * not be an input, must not be a folder that holds an input (replacing it would delete the input), and must
 * not be the working directory, the home directory or a filesystem root. Paths are compared after resolving
 * symbolic links, so a link cannot smuggle an input under an output.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UserError } from '../engine/errors';
import { recoverInterruptedWrites } from './atomic-write';

/** A path given on the command line, and the flag it came with (for messages). */
export interface PathArgument {
  flag: string;
  path: string;
}

/** `p` with symbolic links resolved as far as it exists (a path not yet created keeps its missing tail). */
export function realPath(p: string): string {
  const resolved = path.resolve(p);
  const missing: string[] = [];
  let existing = resolved;
  for (;;) {
    try {
      return path.join(fs.realpathSync.native(existing), ...missing.reverse());
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return resolved;
      missing.push(path.basename(existing));
      existing = parent;
    }
  }
}

/** True when `inner` is `outer` or lies inside it. */
export function isWithin(outer: string, inner: string): boolean {
  const relative = path.relative(outer, inner);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** Receives a sentence for the user (a repair that was made). */
export type Note = (sentence: string) => void;

/**
 * Throws a UserError naming the flag when `output` may not be written because of where it is (see the file
 * comment); first repairs what an interrupted earlier write to it left, telling `note`. Writes nothing else.
 */
export function checkOutputPlace(output: PathArgument, inputs: readonly (PathArgument | undefined)[], note: Note): void {
  recoverInterruptedWrites(output.path).forEach(note);
  const out = realPath(output.path);
  const shown = `${output.flag} ${output.path}`;
  if (path.parse(out).root === out) throw new UserError(`${shown} is a filesystem root; choose a new folder for the output`);
  const protectedPlaces: [string, string][] = [
    [realPath(os.homedir()), 'your home directory'],
    [realPath(process.cwd()), 'the working directory'],
  ];
  for (const [place, name] of protectedPlaces) {
    if (isWithin(out, place)) throw new UserError(`${shown} is ${out === place ? '' : 'a folder that holds '}${name}; choose a new folder for the output`);
  }
  for (const input of inputs) {
    if (!input || input.path === '') continue;
    const real = realPath(input.path);
    if (real === out) throw new UserError(`${shown} is also the input ${input.flag} ${input.path}; writing it would destroy that input: choose another path`);
    if (isWithin(out, real)) throw new UserError(`${shown} holds the input ${input.flag} ${input.path}; replacing it would delete that input: choose another path`);
  }
}
