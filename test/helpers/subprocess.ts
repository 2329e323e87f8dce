/**
 * Running the real `ptune` (bin/ptune.js) as a child process, as a user would, and fingerprinting files so a
 * test can prove that nothing it was given changed.
 */
import { spawn, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const ptuneBin = path.join(repoRoot, 'bin', 'ptune.js');

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment children get: without PTUNE_DEBUG, so that a stack trace in their output is a bug. */
function childEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = { ...process.env };
  delete base.PTUNE_DEBUG;
  return { ...base, ...env };
}

/** Runs `ptune args…` to completion. */
export function ptuneSync(args: readonly string[], options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Finished {
  const r = spawnSync(process.execPath, [ptuneBin, ...args], { cwd: options.cwd ?? repoRoot, env: childEnv(options.env), encoding: 'utf8', timeout: options.timeoutMs ?? 60_000 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Starts `ptune args…` and sends `signal` to it as soon as its stderr matches `when` (a chosen moment, such
 * as "loading model" or the first training step); resolves when it has exited.
 */
export function ptuneSignalled(args: readonly string[], when: RegExp, signal: NodeJS.Signals, options: { cwd?: string; timeoutMs?: number } = {}): Promise<Finished & { signalled: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ptuneBin, ...args], { cwd: options.cwd ?? repoRoot, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => {
      stderr += t;
      if (!signalled && when.test(stderr)) {
        signalled = true;
        child.kill(signal);
      }
    });
    child.on('error', reject);
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      resolve({ code, signal: sig, stdout, stderr, signalled });
    });
  });
}

/** sha256 of every file under each path (a file or a folder, hidden entries included), keyed by path; absent paths are recorded as such. */
export function fingerprint(paths: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (p: string) => {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(p);
    } catch {
      out[p] = 'absent';
      return;
    }
    if (stat.isSymbolicLink()) out[p] = `link → ${fs.readlinkSync(p)}`;
    else if (stat.isDirectory()) {
      const entries = fs.readdirSync(p).sort();
      out[p] = `folder [${entries.join(', ')}]`;
      for (const entry of entries) visit(path.join(p, entry));
    } else out[p] = createHash('sha256').update(fs.readFileSync(p)).digest('hex');
  };
  paths.forEach(visit);
  return out;
}
