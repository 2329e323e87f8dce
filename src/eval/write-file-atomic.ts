import * as fs from 'fs';
import * as path from 'path';

/**
 * Writes `contents` to `file` so that readers see either the old file or the complete new one, never a
 * partial write: the data goes to a temporary file in the same folder, which is then renamed over `file`.
 */
export function writeFileAtomic(file: string, contents: string | Uint8Array): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`);
  try {
    fs.writeFileSync(temp, contents);
    fs.renameSync(temp, file);
  } catch (e) {
    fs.rmSync(temp, { force: true });
    throw e;
  }
}
