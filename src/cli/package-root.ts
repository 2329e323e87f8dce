import * as fs from 'fs';
import * as path from 'path';

/** The folder holding this tool's package.json (where examples/ lives), found from the compiled file's location. */
export function packageRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        if ((JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === 'prompt-tuning-studio') return dir;
      } catch {
        // Not ours; keep looking.
      }
    }
    if (path.dirname(dir) === dir) throw new Error(`cannot find the prompt-tuning-studio package above ${from}`);
  }
}
