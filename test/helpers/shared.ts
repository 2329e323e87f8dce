/**
 * Locates files in ../shared (real model and datasets). Missing in CI is a failure; elsewhere the test is
 * skipped with a visible message.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const SHARED_DIR = resolve(__dirname, '../../../../shared');

/** Absolute path of `rel` inside ../shared, or: throws when CI=true, else skips the calling test. */
export function sharedPath(ctx: Mocha.Context, rel: string): string {
  const path = join(SHARED_DIR, rel);
  if (existsSync(path)) return path;
  if (process.env.CI === 'true') throw new Error(`${path} is missing: CI must run with ../shared beside the repository`);
  console.log(`      ⚠ skipped: ${path} is missing (../shared beside the repository holds the real model and datasets)`);
  ctx.skip();
}

/** The same check without a test context, for bench scripts and describe-level setup. */
export function sharedPathOrUndefined(rel: string): string | undefined {
  const path = join(SHARED_DIR, rel);
  return existsSync(path) ? path : undefined;
}
