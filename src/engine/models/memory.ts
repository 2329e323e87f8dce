/**
 * Will it fit? Checked before any weight is read, so a model too large for this machine is refused with the
 * figures instead of being killed by the OS halfway through loading.
 */
import { totalmem } from 'node:os';
import { UserError } from '../errors';

/** Overrides the memory this process may use, in MiB (tests; or to keep headroom for other work). */
export const MEMORY_LIMIT_ENV = 'PTUNE_MEMORY_LIMIT_MB';

const MIB = 1024 * 1024;

/** "1.5 MiB", "512 MiB", "3.2 GiB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024 * MIB) return `${(bytes / MIB).toFixed(bytes < 10 * MIB ? 1 : 0)} MiB`;
  return `${(bytes / (1024 * MIB)).toFixed(1)} GiB`;
}

export interface AvailableMemory {
  bytes: number;
  /** Where the figure comes from, for messages. */
  source: string;
}

/**
 * Memory this process can still take: `PTUNE_MEMORY_LIMIT_MB` when set, else the OS's available memory
 * (MemAvailable on Linux, reclaimable cache included), lowered to what a cgroup/container limit leaves
 * (libuv's uv_get_available_memory, which process.availableMemory() reports).
 */
export function availableMemory(env: NodeJS.ProcessEnv = process.env): AvailableMemory {
  const override = env[MEMORY_LIMIT_ENV];
  if (override !== undefined && override.trim() !== '') {
    const mb = Number(override);
    if (!Number.isFinite(mb) || mb <= 0) throw new UserError(`${MEMORY_LIMIT_ENV}=${JSON.stringify(override)}: expected a positive number of MiB`);
    return { bytes: mb * MIB, source: `the limit ${MEMORY_LIMIT_ENV}=${override}` };
  }
  return { bytes: process.availableMemory(), source: `available memory now, of ${formatBytes(totalmem())} in total; ${MEMORY_LIMIT_ENV} overrides it` };
}

/** Refuses, with both figures, when `bytes` more cannot fit; `what` is the subject, e.g. "DIR: loading the weights as float32". */
export function assertFits(bytes: number, what: string, env: NodeJS.ProcessEnv = process.env): void {
  const available = availableMemory(env);
  if (bytes > available.bytes) {
    throw new UserError(`${what} needs ${formatBytes(bytes)} of memory, but only ${formatBytes(available.bytes)} is available (${available.source})`);
  }
}
