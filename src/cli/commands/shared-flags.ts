/** Flags several commands share: --skip-invalid where data files are read, --threads and --json on every model command. */
import type { Command } from 'commander';
import { UserError } from '../../engine/errors';
import type { CliIo } from '../io';
import { numberFlag } from '../options';

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

/** --threads and --json, the last options of every command that runs the model. */
export function addRunFlags(cmd: Command): Command {
  return cmd
    .option('--threads <n>', 'CPU threads for the model (default: all cores)')
    .option('--json', 'print one JSON object as the last stdout line');
}

export function threadsFrom(o: Record<string, unknown>): number | undefined {
  return numberFlag('--threads', o.threads as string | undefined, { integer: true, positive: true });
}
