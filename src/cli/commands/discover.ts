/** `ptune discover`: find a readable hard prompt by gradient (PEZ) and write it as a new .prompt file. */
import type { Command } from 'commander';
import { checkDiscoverOutput, resolveDiscoverOptions } from '../../worker/jobs/discover';
import { PEZ_DEFAULTS } from '../../tuning/pez';
import type { DiscoverParams, DiscoverResult } from '../../worker/protocol';
import { numberFlag } from '../options';
import { line, runCancellable, warn, withClient, type CliIo } from '../io';
import { duration, trainProgressReporter } from '../progress';
import { resolveModelForCli } from '../hub-progress';
import { addRunFlags, addSkipInvalidFlag, MODEL_FLAG, MODEL_HELP, modelFrom, runFrom } from './shared-flags';

export function registerDiscover(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program
    .command('discover')
    .description('find a readable hard prompt by gradient (PEZ, Wen et al. 2023) and write the template with it as a new .prompt file')
    .option(MODEL_FLAG, MODEL_HELP)
    .requiredOption('--train <file>', 'training data (JSONL, JSON, CSV or TSV)')
    .requiredOption('--template <file>', 'classification .prompt file; the hard prompt goes where its soft prompt would')
    .requiredOption('--out <file.prompt>', 'prompt file to write')
    .option('--eval <file>', 'dev set: picks the best prompt; both prompts\' accuracy is reported on it (default: the training rows)')
    .option('--tokens <n>', `hard-prompt length in tokens (default ${PEZ_DEFAULTS.tokens})`)
    .option('--steps <n>', `optimizer steps (default ${PEZ_DEFAULTS.steps})`)
    .option('--lr <x>', `AdamW learning rate (default ${PEZ_DEFAULTS.lr}, weight decay ${PEZ_DEFAULTS.weightDecay}, as in the paper)`)
    .option('--seed <n>', 'seed for init and batches (default 0)')
    .option('--batch-size <n>', `examples per step (default ${PEZ_DEFAULTS.batchSize})`)
    .option('--eval-every <n>', `steps between evaluations of the projected prompt (default ${PEZ_DEFAULTS.evalEvery})`)
    .option('--init <how>', 'text | vocab | random (default text: the prompt\'s instruction)')
    .option('--limit <n>', 'use a seeded sample of at most N training rows')
    .option('--eval-limit <n>', 'use a seeded sample of at most N dev rows')
    .option('--max-length <n>', 'longest sequence in tokens (default: the model\'s)');
  addRunFlags(addSkipInvalidFlag(cmd)).action(async (o: Record<string, unknown>) => {
    const s = (key: string) => o[key] as string | undefined;
    const whole = (flag: string, key: string, min = 1) => numberFlag(flag, s(key), { integer: true, ...(min === 0 ? { min: 0 } : { positive: true }) });
    const params: DiscoverParams = {
      model: modelFrom(o, io),
      train: o.train as string,
      template: o.template as string,
      out: o.out as string,
      eval: s('eval'),
      tokens: whole('--tokens', 'tokens'),
      steps: whole('--steps', 'steps'),
      lr: numberFlag('--lr', s('lr'), { positive: true }),
      seed: whole('--seed', 'seed', 0),
      batchSize: whole('--batch-size', 'batchSize'),
      evalEvery: whole('--eval-every', 'evalEvery'),
      init: s('init'),
      limit: whole('--limit', 'limit'),
      evalLimit: whole('--eval-limit', 'evalLimit'),
      maxLength: whole('--max-length', 'maxLength'),
      skipInvalid: o.skipInvalid === true,
    };
    // Before the model loads (or downloads): a mistake costs nothing.
    resolveDiscoverOptions(params);
    checkDiscoverOutput(params, (note) => warn(io, note));
    const settings = runFrom(o);
    params.model = await resolveModelForCli(params.model, io);
    const progress = trainProgressReporter(io.stderr, 'discover');
    let result: DiscoverResult;
    try {
      result = await withClient(io, settings, (client) =>
        runCancellable(io, client, 'discover', params, {
          onProgress: (p) => {
            progress.onProgress(p);
            if (p.type === 'eval' && p.isBest) line(io.stderr, `  best so far (${p.on} loss): ${JSON.stringify(p.text)}`);
          },
          onInterrupt: () => line(io.stderr, '\nptune: cancelling; nothing is written (press Ctrl-C again to quit at once)'),
        }),
      );
    } finally {
      progress.close();
    }
    printDiscoverResult(io, result, o.json === true);
    setExit(result.stopReason === 'cancelled' ? 130 : result.saved ? 0 : 1);
  });
}

export function printDiscoverResult(io: CliIo, r: DiscoverResult, json: boolean): void {
  for (const w of r.warnings) warn(io, w);
  if (r.stopMessage) line(io.stderr, `ptune: ${r.stopMessage}`);
  if (r.retokenized && (!r.retokenized.roundTrip || r.retokenized.rowsDiffering > 0)) {
    warn(io, `the written text does not tokenize back to exactly the discovered ids (alone it encodes to ${JSON.stringify(r.retokenized.reencodedIds)}; ${r.retokenized.rowsDiffering} of ${r.retokenized.rows} evaluated rows differ, byte-level BPE merging across token boundaries): the accuracy below is that of the file as written`);
  }
  if (json) {
    line(io.stdout, JSON.stringify({ out: r.saved ? r.out : null, text: r.text, ids: r.ids, accuracy: r.accuracy, retokenized: r.retokenized, selectedOn: r.selectedOn, bestLoss: r.bestLoss, bestStep: r.bestStep, initialLoss: r.initialLoss, steps: r.steps, seconds: r.seconds, stopReason: r.stopReason }));
    return;
  }
  line(io.stdout, `${r.stopReason === 'completed' ? 'searched' : r.stopReason} ${r.steps}/${r.totalSteps} steps in ${duration(r.seconds)}`);
  line(io.stdout, `hard prompt: ${JSON.stringify(r.text)} (${r.ids.length} tokens, best at step ${r.bestStep}, ${r.selectedOn} loss ${r.bestLoss.toFixed(4)}; step 0 ${JSON.stringify(r.initialText)}: ${r.initialLoss.toFixed(4)})`);
  if (r.accuracy) {
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    line(io.stdout, `accuracy on ${r.accuracy.on} (${r.accuracy.n} rows): discovered ${pct(r.accuracy.discovered)} · template ${pct(r.accuracy.template)}`);
  }
  line(io.stdout, r.saved ? `prompt written to ${r.out}` : 'nothing written');
}
