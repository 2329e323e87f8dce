/**
 * The sample prompts and data that "Prompt Tuning: Open Samples" copies into a workspace (shipped in the
 * VSIX under examples/), and the copy itself: a file the user already has is never overwritten. No vscode
 * import, so it is tested on its own.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The folder the samples go to, inside the workspace folder. */
export const SAMPLES_FOLDER = 'prompt-tuning-samples';

/** Each sample file: where it is in the extension, where it goes in SAMPLES_FOLDER. */
export const SAMPLE_FILES: readonly { from: string; to: string }[] = [
  { from: 'examples/reviews.prompt', to: 'reviews.prompt' },
  { from: 'examples/review-verdict.prompt', to: 'review-verdict.prompt' },
  { from: 'examples/data/reviews-train.jsonl', to: 'data/reviews-train.jsonl' },
  { from: 'examples/data/reviews-dev.jsonl', to: 'data/reviews-dev.jsonl' },
];

/** The sample prompts and the datasets they are used with (paths in SAMPLES_FOLDER); the first opens. */
export const SAMPLE_PROMPTS: readonly { prompt: string; train: string; dev: string }[] = [
  { prompt: 'reviews.prompt', train: 'data/reviews-train.jsonl', dev: 'data/reviews-dev.jsonl' },
  { prompt: 'review-verdict.prompt', train: 'data/reviews-train.jsonl', dev: 'data/reviews-dev.jsonl' },
];

export interface CopyResult {
  /** Files written (absolute paths). */
  copied: string[];
  /** Files that already existed and were left as they were (absolute paths). */
  kept: string[];
}

/**
 * Copies the sample files from `extensionRoot` into `destination`. A file that exists there is kept: the
 * copy is made with COPYFILE_EXCL, so even a file created between a check and the copy is not replaced.
 */
export function copySamples(extensionRoot: string, destination: string, files = SAMPLE_FILES): CopyResult {
  const result: CopyResult = { copied: [], kept: [] };
  for (const { from, to } of files) {
    const target = path.join(destination, to);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    try {
      fs.copyFileSync(path.join(extensionRoot, from), target, fs.constants.COPYFILE_EXCL);
      result.copied.push(target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      result.kept.push(target);
    }
  }
  return result;
}
