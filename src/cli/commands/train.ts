/** `ptune train`: tune a prompt with the chosen method and save it as that method's PEFT adapter folder. */
import type { Command } from 'commander';
import { checkTrainOutput, resolveTrainOptions } from '../../tuning/train-options';
import type { WorkerClient } from '../../worker/client';
import type { TrainParams, TrainResult } from '../../worker/protocol';
import { line, runCancellable, warn, withClient, type CliIo } from '../io';
import { duration, trainProgressReporter } from '../progress';
import { resolveModelForCli } from '../hub-progress';
import { addRunFlags, addSkipInvalidFlag, MODEL_FLAG, MODEL_HELP, runFrom } from './shared-flags';
import { addTuningFlags, trainParamsFrom } from './tuning-flags';

/** Exit codes: 0 done (or stopped early on the dev set), 1 diverged or failed, 130 cancelled. */
export function trainExitCode(result: TrainResult): number {
  if (result.stopReason === 'cancelled') return 130;
  if (result.stopReason === 'diverged') return 1;
  return 0;
}

export function registerTrain(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program
    .command('train')
    .description('tune a prompt (prompt tuning, P-tuning or prefix tuning) on a labelled dataset and save it as a PEFT adapter')
    .option(MODEL_FLAG, MODEL_HELP)
    .requiredOption('--train <file>', 'training data (JSONL, JSON, CSV or TSV)')
    .requiredOption('--template <file>', '.prompt file (template, verbalizer, soft-prompt position)')
    .requiredOption('--out <dir>', 'adapter folder to write');
  addTuningFlags(cmd).option('--overwrite', 'replace a soft prompt ptune trained earlier at --out (kept until the new run saves a checkpoint past its start)');
  addRunFlags(addSkipInvalidFlag(cmd))
    .action(async (o: Record<string, unknown>) => {
      const params: TrainParams = trainParamsFrom(o, io);
      // Check options and --out here too, so that mistakes cost no model load.
      checkTrainOutput(params, resolveTrainOptions(params), (note) => warn(io, note));
      const settings = runFrom(o); // --threads and --device are flags too: checked before any download
      // After the flags are checked, so that a mistake costs no download: a hub id becomes its cached folder.
      params.model = await resolveModelForCli(params.model, io);
      const result = await withClient(io, settings, (client) => runTrain(client, params, io));
      printTrainResult(io, result, o.json === true);
      setExit(trainExitCode(result));
    });
}

async function runTrain(client: WorkerClient, params: TrainParams, io: CliIo): Promise<TrainResult> {
  const progress = trainProgressReporter(io.stderr);
  try {
    return await runCancellable(io, client, 'train', params, {
      onProgress: (p) => progress.onProgress(p),
      onInterrupt: () => line(io.stderr, '\nptune: cancelling; the last checkpoint past the start is kept, else --out stays as it was (press Ctrl-C again to quit at once)'),
    });
  } finally {
    progress.close();
  }
}

export function printTrainResult(io: CliIo, r: TrainResult, json: boolean): void {
  for (const w of r.warnings) warn(io, w);
  if (r.stopMessage) line(io.stderr, `ptune: ${r.stopMessage}`);
  if (json) {
    line(io.stdout, JSON.stringify({
      initialLoss: r.initialLoss,
      finalLoss: r.finalLoss,
      bestEvalAccuracy: r.bestEvalAccuracy,
      steps: r.steps,
      seconds: r.seconds,
      examplesPerSecond: r.examplesPerSecond,
      out: r.saved ? r.out : null,
      stopReason: r.stopReason,
      savedStep: r.savedStep,
      method: r.method,
      loss: r.loss,
      truncatedRows: r.truncatedRows,
    }));
    return;
  }
  const loss = (x: number | null) => (x === null ? '—' : x.toFixed(4));
  line(io.stdout, `${r.stopReason === 'completed' ? 'trained' : r.stopReason} ${r.steps}/${r.totalSteps} steps in ${duration(r.seconds)} (${r.examplesPerSecond.toFixed(1)} examples/s, ${r.method}, ${r.loss} loss)`);
  line(io.stdout, `loss on the first batch: ${loss(r.initialLoss)} before, ${loss(r.finalLoss)} after`);
  if (r.bestEvalLoss !== null) {
    const accuracy = r.bestEvalAccuracy === null ? '' : `, accuracy ${(100 * r.bestEvalAccuracy).toFixed(1)}%`;
    line(io.stdout, `best dev evaluation: step ${r.savedStep}, loss ${r.bestEvalLoss.toFixed(4)}${accuracy}`);
  }
  line(io.stdout, r.saved ? `${r.method === 'prefix-tuning' ? 'prefix' : 'soft prompt'} saved to ${r.out} (step ${r.savedStep})` : 'nothing saved');
}

