/** Runs `ptune` in-process with captured output, against the fake engine unless told otherwise. */
import * as path from 'path';
import type { CliIo } from '../../src/cli/io';
import { run } from '../../src/cli/main';

export const FAKE_ENGINE_MODULE = path.join(__dirname, 'fake-engine.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runPtune(args: string[], opts: { env?: Record<string, string>; engineModule?: string | null } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const engineModule = opts.engineModule === null ? undefined : (opts.engineModule ?? FAKE_ENGINE_MODULE);
  const io: CliIo = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: opts.env ?? {}, client: engineModule ? { engineModule } : undefined };
  const code = await run(args, io);
  return { code, stdout, stderr };
}
