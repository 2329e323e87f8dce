import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary folder for one test file; `write` puts a file in it and returns its path. */
export function tempFolder(): { write(name: string, content: string | Buffer): string; dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'ptune-data-'));
  return {
    dir,
    write(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
