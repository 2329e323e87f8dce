/** Flags several commands share: --skip-invalid where data files are read, --threads and --json on every model command. */
import * as os from 'os';
import type { Command } from 'commander';
import { UserError } from '../../engine/errors';
import type { CliIo } from '../io';
import { numberFlag } from '../options';
import { BATCH_MEMORY_CAP_MB, BATCH_MEMORY_FLOOR_MB } from '../../engine/batch-memory';
import { DEFAULT_WEIGHT_FORMAT, WEIGHT_FORMATS, type WeightFormat } from '../../engine/models/quantize';
import { cudaProviderPlan } from '../../hub/cuda-provider';
import { DEFAULT_DEVICE, DEVICES, checkDeviceAvailable, parseDevice } from '../../engine/runtime/device';
import type { RunSettings } from '../io';

export const MODEL_FLAG = '--model <dir|id>';
export const MODEL_HELP = 'model folder, or Hugging Face id owner/name[@revision] (downloaded into the HF cache); default: $PTUNE_MODEL';

/** --model, else $PTUNE_MODEL: one of them is required. */
export function modelFrom(o: Record<string, unknown>, io: CliIo): string {
  const model = (o.model as string | undefined) ?? io.env.PTUNE_MODEL;
  if (!model) throw new UserError(`required option '${MODEL_FLAG}' not specified (or set PTUNE_MODEL)`);
  return model;
}

export function addSkipInvalidFlag(cmd: Command): Command {
  return cmd.option('--skip-invalid', 'skip invalid data rows (bad JSON, a missing column, an unknown label) and list their lines on stderr, instead of stopping at the first');
}

/** --threads, --device, --weights, --batch-memory and --json, the last options of every command that runs the model. */
export function addRunFlags(cmd: Command): Command {
  return cmd
    .option('--threads <n>', 'CPU threads for the model (default: one per physical core, as onnxruntime picks)')
    .option('--device <name>', `where the model runs: ${DEVICES.join(' | ')} (default ${DEFAULT_DEVICE}; see README "GPUs")`)
    .option('--weights <format>', `how the model's linear weights are held in memory: ${WEIGHT_FORMATS.join(' | ')} (default ${DEFAULT_WEIGHT_FORMAT}; see README "Quantized weights")`)
    .option('--batch-memory <MiB>', `activation memory of one model run when scoring and training: examples are grouped into runs up to it (default: a quarter of the memory available after loading, ${BATCH_MEMORY_FLOOR_MB} MiB to ${BATCH_MEMORY_CAP_MB} MiB)`)
    .option('--json', 'print one JSON object as the last stdout line');
}

/** --threads, at most one per core: more only makes onnxruntime's threads wait on each other (999 turned a 2-row eval into a minute). */
export function threadsFrom(o: Record<string, unknown>, cores = os.availableParallelism()): number | undefined {
  const threads = numberFlag('--threads', o.threads as string | undefined, { integer: true, positive: true });
  if (threads !== undefined && threads > cores) throw new UserError(`--threads ${threads} is more than the ${cores} cores of this machine: use 1 to ${cores}`);
  return threads;
}

/** --weights: one of WEIGHT_FORMATS. */
export function weightsFrom(o: Record<string, unknown>): WeightFormat {
  const value = o.weights as string | undefined;
  if (value === undefined) return DEFAULT_WEIGHT_FORMAT;
  if (!(WEIGHT_FORMATS as readonly string[]).includes(value)) throw new UserError(`--weights ${value} is not a weight format: use ${WEIGHT_FORMATS.join(', ')}`);
  return value as WeightFormat;
}

/** The worker settings of --threads, --device, --weights and --batch-memory; an unavailable device is a UserError here, before any work. */
export function runFrom(o: Record<string, unknown>): RunSettings {
  const device = o.device === undefined ? DEFAULT_DEVICE : parseDevice(o.device as string);
  const weights = weightsFrom(o);
  // The CUDA provider's files may be missing: withClient fetches them before the worker starts.
  checkDeviceAvailable(device, { cudaFetchable: cudaProviderPlan() !== undefined });
  return { threads: threadsFrom(o), device, weights, batchMemoryMB: numberFlag('--batch-memory', o.batchMemory as string | undefined, { positive: true }) };
}
