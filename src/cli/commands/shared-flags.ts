/** Flags several commands share: --skip-invalid where data files are read, --threads and --json on every model command. */
import type { Command } from 'commander';
import { numberFlag } from '../options';
import { DEFAULT_DEVICE, DEVICES, checkDeviceAvailable, parseDevice } from '../../engine/runtime/device';
import type { RunSettings } from '../io';

export function addSkipInvalidFlag(cmd: Command): Command {
  return cmd.option('--skip-invalid', 'skip invalid data rows (bad JSON, a missing column, an unknown label) and list their lines on stderr, instead of stopping at the first');
}

/** --threads, --device and --json, the last options of every command that runs the model. */
export function addRunFlags(cmd: Command): Command {
  return cmd
    .option('--threads <n>', 'CPU threads for the model (default: all cores)')
    .option('--device <name>', `where the model runs: ${DEVICES.join(' | ')} (default ${DEFAULT_DEVICE}; see README "GPUs")`)
    .option('--json', 'print one JSON object as the last stdout line');
}

/** The worker settings of --threads and --device; an unavailable device is a UserError here, before any work. */
export function runFrom(o: Record<string, unknown>): RunSettings {
  const device = o.device === undefined ? DEFAULT_DEVICE : parseDevice(o.device as string);
  checkDeviceAvailable(device);
  return { threads: numberFlag('--threads', o.threads as string | undefined, { integer: true, positive: true }), device };
}
