/**
 * Writing so that nothing the user had is lost: readers see either the old file (or folder) or the complete
 * new one, never a partial write. The new content goes to a temporary path beside the target (same folder,
 * hence the same file system), which is then renamed over it.
 *
 * A process killed in the middle (SIGKILL, power loss) can leave such temporary paths behind, and, between
 * the two renames of a folder replacement, the old folder under its aside name with nothing at the target.
 * recoverInterruptedWrites puts things back: every write here starts with it, and so do the commands'
 * output checks (src/common/output-guard.ts).
 */
import * as fs from 'fs';
import * as path from 'path';

type LeftoverKind = 'tmp' | 'saving' | 'old';
const LEFTOVER_KINDS: readonly LeftoverKind[] = ['tmp', 'saving', 'old'];

/** A hidden, unique path beside `target`, e.g. `.report.json.tmp-1234-1700000000000-k3j9x1`. */
function pathBeside(target: string, kind: LeftoverKind): string {
  const unique = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  return path.join(path.dirname(target), `.${path.basename(target)}.${kind}-${unique}`);
}

interface Leftover {
  path: string;
  kind: LeftoverKind;
  pid: number;
  time: number;
}

/** The temporary paths pathBeside made for `target` that are still on disk. */
function leftoversOf(target: string): Leftover[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(path.dirname(target));
  } catch {
    return [];
  }
  const found: Leftover[] = [];
  const base = `.${path.basename(target)}.`;
  for (const entry of entries) {
    if (!entry.startsWith(base)) continue;
    const m = /^(tmp|saving|old)-(\d+)-(\d+)-[a-z0-9]+$/.exec(entry.slice(base.length));
    if (m && LEFTOVER_KINDS.includes(m[1] as LeftoverKind)) {
      found.push({ path: path.join(path.dirname(target), entry), kind: m[1] as LeftoverKind, pid: Number(m[2]), time: Number(m[3]) });
    }
  }
  return found;
}

/** True unless the process is certainly gone (a write in progress in another live process is left alone). */
export function processIsAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Repairs what an interrupted write to `target` left: when nothing is at `target` but the previous version is
 * still aside (`.NAME.old-*`), it is put back; temporary files and folders of writes whose process has died
 * are removed. Returns one sentence per repair, for the user.
 */
export function recoverInterruptedWrites(target: string): string[] {
  const resolved = path.resolve(target);
  const stale = leftoversOf(resolved).filter((l) => !processIsAlive(l.pid));
  const notes: string[] = [];
  // The newest aside copy is the version that was at `target` when the interrupted save began.
  const newestOld = stale.filter((l) => l.kind === 'old').sort((a, b) => b.time - a.time)[0];
  if (newestOld && !fs.existsSync(resolved)) {
    fs.renameSync(newestOld.path, resolved);
    notes.push(`${resolved} was restored from ${path.basename(newestOld.path)}, left by a save that was interrupted`);
  }
  for (const leftover of stale) {
    if (!fs.existsSync(leftover.path)) continue;
    fs.rmSync(leftover.path, { recursive: true, force: true });
    notes.push(`removed ${leftover.path}, left by a save that was interrupted`);
  }
  return notes;
}

/** Writes `contents` to `file` atomically, creating its folder if needed. */
export function writeFileAtomic(file: string, contents: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  recoverInterruptedWrites(file);
  const temp = pathBeside(file, 'tmp');
  try {
    fs.writeFileSync(temp, contents);
    fs.renameSync(temp, file);
  } catch (e) {
    fs.rmSync(temp, { force: true });
    throw e;
  }
}

/** The moments of a folder replacement, in order (tests stop the process at each to check the recovery). */
export const REPLACE_POINTS = ['temp-created', 'filled', 'old-moved-aside', 'new-in-place', 'done'] as const;
export type ReplacePoint = (typeof REPLACE_POINTS)[number];

export interface ReplaceFolderOptions {
  /** Called at each point of the replacement (tests). */
  onPoint?: (point: ReplacePoint) => void;
}

/**
 * Replaces the folder `dir` (or whatever is at that path) with a new one that `fill` writes into the empty
 * temporary folder it is given. `fill` may read the old `dir`, which is still in place while it runs.
 * When `fill` or a rename fails, the old `dir` is left (or put back) as it was and the error is rethrown;
 * when the process dies instead, the next write to `dir` (or recoverInterruptedWrites) puts it back.
 */
export function replaceFolderAtomic(dir: string, fill: (tempDir: string) => void, options: ReplaceFolderOptions = {}): void {
  const target = path.resolve(dir);
  const at = options.onPoint ?? (() => {});
  fs.mkdirSync(path.dirname(target), { recursive: true });
  recoverInterruptedWrites(target);
  const temp = pathBeside(target, 'saving');
  const old = pathBeside(target, 'old');
  try {
    fs.mkdirSync(temp);
    at('temp-created');
    fill(temp);
    at('filled');
    // Two renames: at every instant either the old folder or the complete new one is at `target`, or the
    // old one is beside it under `old` (which recoverInterruptedWrites restores after a crash).
    const exists = fs.existsSync(target);
    if (exists) fs.renameSync(target, old);
    at('old-moved-aside');
    fs.renameSync(temp, target);
    at('new-in-place');
    if (exists) fs.rmSync(old, { recursive: true, force: true });
    at('done');
  } catch (e) {
    fs.rmSync(temp, { recursive: true, force: true });
    if (!fs.existsSync(target) && fs.existsSync(old)) fs.renameSync(old, target);
    throw e;
  }
}
