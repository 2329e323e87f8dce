/** `ptune project`: the nearest vocabulary tokens of each virtual token of a soft prompt (src/projection). */
import type { Command } from 'commander';
import { formatProjection, PROJECTION_METRICS } from '../../projection';
import type { ProjectParams } from '../../worker/protocol';
import { choiceFlag, numberFlag } from '../options';
import { line, warn, withClient, type CliIo } from '../io';
import { resolveModelForCli } from '../hub-progress';
import { addRunFlags, MODEL_FLAG, MODEL_HELP, modelFrom, runFrom } from './shared-flags';

export function registerProject(program: Command, io: CliIo): void {
  const cmd = program
    .command('project')
    .description('show the vocabulary tokens nearest to each virtual token of a soft prompt')
    .option(MODEL_FLAG, MODEL_HELP)
    .requiredOption('--soft <dir>', 'soft prompt: a PEFT prompt-tuning or P-tuning adapter folder (a prefix has no tokens to project to)')
    .option('--top-k <n>', 'nearest tokens per virtual token (default 5)')
    .option('--metric <name>', 'cosine | l2 | dot (default cosine)');
  addRunFlags(cmd)
    .action(async (o: Record<string, unknown>) => {
      const params: ProjectParams = {
        model: modelFrom(o, io),
        soft: o.soft as string,
        topK: numberFlag('--top-k', o.topK as string | undefined, { integer: true, positive: true }) ?? 5,
        metric: choiceFlag('--metric', o.metric as string | undefined, PROJECTION_METRICS) ?? 'cosine',
        // The terminal table shows no map; --json includes it for scripts and plots.
        map: o.json === true,
      };
      const settings = runFrom(o); // --threads and --device are flags too: checked before any download
      // After the flags are checked, so that a mistake costs no download: a hub id becomes its cached folder.
      params.model = await resolveModelForCli(params.model, io);
      const result = await withClient(io, settings, (client) => client.run('project', params).result);
      for (const w of result.warnings) warn(io, w);
      if (o.json === true) {
        line(io.stdout, JSON.stringify(result));
        return;
      }
      line(io.stdout, formatProjection(result));
    });
}
