/** `ptune export-peft`: write the training run `ptune train` would do as a transformers + PEFT + accelerate project. */
import type { Command } from 'commander';
import { checkExportFolder, checkExportMethod } from '../../export/peft-export';
import { resolveTrainOptions } from '../../tuning/train-options';
import type { ExportPeftParams } from '../../worker/protocol';
import { line, runCancellable, warn, withClient, type CliIo } from '../io';
import { resolveModelForCli } from '../hub-progress';
import { addRunFlags, addSkipInvalidFlag, MODEL_FLAG, MODEL_HELP, runFrom } from './shared-flags';
import { addTuningFlags, trainParamsFrom } from './tuning-flags';

export function registerExportPeft(program: Command, io: CliIo): void {
  const cmd = program
    .command('export-peft')
    .description('write the soft-prompt training `ptune train` would run as a Python project (transformers + PEFT + accelerate) for a GPU or a cluster')
    .option(MODEL_FLAG, `${MODEL_HELP} (tokenizes the rows and draws the initial prompt)`)
    .requiredOption('--train <file>', 'training data (JSONL, JSON, CSV or TSV)')
    .requiredOption('--template <file>', '.prompt file (template, verbalizer; the soft prompt must be a prefix)')
    .requiredOption('--out <dir>', 'project folder to write (train.py, data/, README.md, …)');
  addTuningFlags(cmd).option('--overwrite', 'replace an --out folder that is not an earlier export');
  addRunFlags(addSkipInvalidFlag(cmd)).action(async (o: Record<string, unknown>) => {
    const params: ExportPeftParams = trainParamsFrom(o, io);
    // Check options and --out here too, so that mistakes cost no model load.
    checkExportMethod(resolveTrainOptions(params));
    checkExportFolder(params.out, params.overwrite ?? false);
    const settings = runFrom(o); // --threads and --device are flags too: checked before any download
    // After the flags are checked, so that a mistake costs no download: a hub id becomes its cached folder.
    params.model = await resolveModelForCli(params.model, io);
    const r = await withClient(io, settings, (client) => runCancellable(io, client, 'exportPeft', params, { onProgress: (p) => line(io.stderr, `ptune: ${p.message}`) }));
    for (const w of r.warnings) warn(io, w);
    if (o.json === true) {
      line(io.stdout, JSON.stringify(r));
      return;
    }
    line(io.stdout, `exported ${r.trainRows} training rows${r.evalRows ? ` and ${r.evalRows} dev rows` : ''}, ${r.totalSteps} steps (${r.loss} loss) to ${r.out}`);
    line(io.stdout, `run it: cd ${r.out} && pip install -r requirements.txt && accelerate launch --config_file accelerate_config.yaml train.py --out adapter`);
  });
}
