/**
 * Writing so that nothing the user had is lost: readers see either the old file (or folder) or the complete
 * new one, never a partial write. The new content goes to a temporary path beside the target (same folder,
 * hence the same file system), which is then renamed over it.
 */
import * as fs from 'fs';
import * as path from 'path';

/** A hidden, unique path beside `target`, e.g. `.report.json.1234-1700000000000-k3j9x1.tmp`. */
function pathBeside(target: string, suffix: string): string {
  const unique = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  return path.join(path.dirname(target), `.${path.basename(target)}.${suffix}-${unique}`);
}

/** Writes `contents` to `file` atomically, creating its folder if needed. */
export function writeFileAtomic(file: string, contents: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = pathBeside(file, 'tmp');
  try {
    fs.writeFileSync(temp, contents);
    fs.renameSync(temp, file);
  } catch (e) {
    fs.rmSync(temp, { force: true });
    throw e;
  }
}

/**
 * Replaces the folder `dir` (or whatever is at that path) with a new one that `fill` writes into the empty
 * temporary folder it is given. `fill` may read the old `dir`, which is still in place while it runs.
 * When `fill` or a rename fails, the old `dir` is left (or put back) as it was and the error is rethrown.
 */
export function replaceFolderAtomic(dir: string, fill: (tempDir: string) => void): void {
  const target = path.resolve(dir);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temp = pathBeside(target, 'saving');
  const old = pathBeside(target, 'old');
  try {
    fs.mkdirSync(temp);
    fill(temp);
    // Two renames: at every instant either the old folder or the complete new one is at `target`
    // (or, for the microseconds between them, the old one is beside it under `old`).
    const exists = fs.existsSync(target);
    if (exists) fs.renameSync(target, old);
    fs.renameSync(temp, target);
    if (exists) fs.rmSync(old, { recursive: true, force: true });
  } catch (e) {
    fs.rmSync(temp, { recursive: true, force: true });
    if (!fs.existsSync(target) && fs.existsSync(old)) fs.renameSync(old, target);
    throw e;
  }
}
