/** `ptune bench`: hard prompts vs soft prompts on one test set, with report.json/.md/.html (src/bench). */
import * as path from 'path';
import type { Command } from 'commander';
import { createProgressSink } from '../../bench/progress';
import { resultsTable, tableTexts } from '../../bench/report/table';
import { GENERATION_METRICS } from '../../eval/metrics';
import type { BenchParams, BenchResult } from '../../worker/protocol';
import { choiceFlag, numberFlag } from '../options';
import { line, runCancellable, withClient, type CliIo, type OutStream } from '../io';
import { fittedTextTable } from '../table';
import { resolveModelForCli } from '../hub-progress';
import { addRunFlags, addSkipInvalidFlag, MODEL_FLAG, MODEL_HELP, modelFrom, runFrom } from './shared-flags';
import { addTuningFlags, tuningFrom } from './tuning-flags';
import { checkBenchOutput } from '../../worker/jobs/bench';

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerBench(program: Command, io: CliIo, argv: readonly string[]): void {
  const cmd = program
    .command('bench')
    .description('benchmark hard prompts against soft prompts on one labelled test set (classification or generation prompts)')
    .option(MODEL_FLAG, MODEL_HELP)
    .requiredOption('--data <file>', 'labelled test data')
    .option('--train <file>', 'training data (for --tune and few-shot prompts)')
    .option('--hard <file>', '.prompt file to evaluate (repeatable)', collect, [])
    .option('--soft <dir>', 'soft prompt to evaluate: a PEFT prompt-tuning, P-tuning or prefix-tuning adapter folder (repeatable)', collect, [])
    .option('--template <file>', 'prompt file for soft prompts (default: the adapter\'s own, else the first --hard)')
    .option('--tune', 'tune a prompt per seed on --train (with --method) and include it')
    .option('--seeds <n>', 'soft prompts to tune, seeds --seed, --seed+1, … (default 1)')
    .option('--out <dir>', 'report folder (default ptune-bench)')
    .option('--no-cache', 'recompute every result (the cache is still refreshed)')
    .option('--cache-dir <dir>', 'result cache folder, shared between runs (default <out>/.ptune-cache)')
    .option('--limit <n>', 'evaluate on a seeded sample of at most N test rows')
    .option('--top-k <n>', 'nearest tokens per virtual token in the projections (default 1)')
    .option('--metric <name>', 'cosine | l2 | dot for the projections (default cosine)')
    .option('--no-projection', 'do not evaluate the soft prompts\' nearest-token projections');
  addTuningFlags(cmd, '--train-limit');
  addRunFlags(addSkipInvalidFlag(cmd))
    .action(async (o: Record<string, unknown>) => {
      const params: BenchParams = {
        model: modelFrom(o, io),
        data: o.data as string,
        train: o.train as string | undefined,
        hard: o.hard as string[],
        soft: o.soft as string[],
        template: o.template as string | undefined,
        tune: o.tune === true,
        tuning: tuningFrom(o, '--train-limit'),
        seeds: numberFlag('--seeds', o.seeds as string | undefined, { integer: true, positive: true }),
        out: (o.out as string | undefined) ?? 'ptune-bench',
        noCache: o.cache === false,
        cacheDir: o.cacheDir as string | undefined,
        limit: numberFlag('--limit', o.limit as string | undefined, { integer: true, positive: true }),
        skipInvalid: o.skipInvalid === true,
        projection:
          o.projection === false
            ? false
            : {
                topK: numberFlag('--top-k', o.topK as string | undefined, { integer: true, positive: true }),
                metric: choiceFlag('--metric', o.metric as string | undefined, ['cosine', 'l2', 'dot'] as const),
              },
        command: ['ptune', ...argv].map(shellQuote).join(' '),
      };
      // Before the model loads: a bad --out costs nothing.
      checkBenchOutput(params, (note) => line(io.stderr, `ptune: warning: ${note}`));
      const settings = runFrom(o); // --threads and --device are flags too: checked before any download
      // After the flags are checked, so that a mistake costs no download: a hub id becomes its cached folder.
      params.model = await resolveModelForCli(params.model, io);
      const result = await withClient(io, settings, async (client) => {
        const sink = createProgressSink(io.stderr as OutStream & NodeJS.WritableStream);
        try {
          return await runCancellable(io, client, 'bench', params, {
            onProgress: (p) => {
              if (p.type === 'progress') sink.update(p);
              else sink.log(p.type === 'log' ? p.line : p.message);
            },
          });
        } finally {
          sink.close();
        }
      });
      printBenchResult(io, params.out, result, o.json === true);
    });
}

export function printBenchResult(io: CliIo, out: string, r: BenchResult, json: boolean): void {
  const { report } = r;
  if (json) {
    line(io.stdout, JSON.stringify({
      out: path.resolve(out),
      files: r.files,
      task: report.task ?? 'classification',
      prompts: report.prompts.map((p) => ({
        id: p.id, kind: p.kind, name: p.name,
        ...(p.metrics ? { accuracy: p.metrics.accuracy, macroF1: p.metrics.macroF1, ece: p.metrics.ece } : {}),
        ...(p.generation ? Object.fromEntries(GENERATION_METRICS.map((m) => [m.id, p.generation![m.id].value])) : {}),
        tuningSeconds: p.tuningSeconds, examplesPerSecond: p.examplesPerSecond,
      })),
      comparison: report.comparison,
      cacheHits: r.cacheHits,
      cacheMisses: r.cacheMisses,
    }));
    return;
  }
  const results = resultsTable(report);
  const { header, rows, align, secondary } = tableTexts(results);
  // A terminal narrower than the table loses its secondary columns rather than wrapping every row; files and pipes get all.
  const { lines, omitted } = fittedTextTable(header, rows, align, secondary, io.stdout.isTTY ? io.stdout.columns : undefined);
  for (const l of lines) line(io.stdout, l);
  const notes = [...(omitted.length > 0 ? [`(${omitted.join(', ')}: left out to fit the terminal; the report has them)`] : []), ...results.notes];
  if (notes.length > 0) line(io.stdout);
  for (const note of notes) line(io.stdout, note);
  line(io.stdout);
  line(io.stdout, `report: ${Object.values(r.files).join(', ')} (${r.cacheHits} cached, ${r.cacheMisses} computed)`);
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
