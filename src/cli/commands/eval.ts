/** `ptune eval`: a hard prompt (or a soft prompt with --soft) on a labelled dataset. */
import type { Command } from 'commander';
import type { WorkerClient } from '../../worker/client';
import type { EvalJobResult, EvalParams } from '../../worker/protocol';
import { numberFlag } from '../options';
import { checkEvalPredictions } from '../../worker/jobs/eval';
import { line, runCancellable, warn, withClient, type CliIo } from '../io';
import { perClassTable, tableTexts } from '../../bench/report/table';
import { textTable } from '../table';
import { resolveModelForCli } from '../hub-progress';
import { addRunFlags, addSkipInvalidFlag, MODEL_FLAG, MODEL_HELP, modelFrom, runFrom } from './shared-flags';

export function registerEval(program: Command, io: CliIo): void {
  const cmd = program
    .command('eval')
    .description('evaluate a classification or generation prompt (and optionally a soft prompt) on a labelled dataset')
    .option(MODEL_FLAG, MODEL_HELP)
    .requiredOption('--data <file>', 'labelled data (JSONL, JSON, CSV or TSV)')
    .requiredOption('--template <file>', '.prompt file')
    .option('--soft <dir>', 'soft prompt: a PEFT prompt-tuning, P-tuning or prefix-tuning adapter folder')
    .option('--limit <n>', 'evaluate a seeded sample of at most N rows')
    .option('--seed <n>', 'seed of the --limit sample (default 0)')
    .option('--train <file>', 'training data to draw the prompt\'s few-shot examples from')
    .option('--predictions <file>', 'write one JSON line per example (classification: label log-probs, prediction, gold; generation: output, target, scores)')
    .option('--max-length <n>', 'longest sequence in tokens (default: the model\'s)');
  addRunFlags(addSkipInvalidFlag(cmd))
    .action(async (o: Record<string, unknown>) => {
      const params: EvalParams = {
        model: modelFrom(o, io),
        data: o.data as string,
        template: o.template as string,
        soft: o.soft as string | undefined,
        limit: numberFlag('--limit', o.limit as string | undefined, { integer: true, positive: true }),
        seed: numberFlag('--seed', o.seed as string | undefined, { integer: true, min: 0 }),
        shotsFrom: o.train as string | undefined,
        predictions: o.predictions as string | undefined,
        maxLength: numberFlag('--max-length', o.maxLength as string | undefined, { integer: true, positive: true }),
        skipInvalid: o.skipInvalid === true,
      };
      // Before the model loads: a bad --predictions path costs nothing.
      checkEvalPredictions(params, (note) => warn(io, note));
      const settings = runFrom(o); // --threads and --device are flags too: checked before any download
      // After the flags are checked, so that a mistake costs no download: a hub id becomes its cached folder.
      params.model = await resolveModelForCli(params.model, io);
      const result = await withClient(io, settings, (client) => runEval(client, params, io));
      printEvalResult(io, result, o.json === true);
    });
}

export function runEval(client: WorkerClient, params: EvalParams, io: CliIo, task = 'evaluate'): Promise<EvalJobResult> {
  let lastQuarter = -1;
  return runCancellable(io, client, 'eval', params, {
    onProgress: (p) => {
      if (p.type === 'status') line(io.stderr, p.message);
      else {
        const quarter = p.total > 0 ? Math.floor((4 * p.done) / p.total) : 4;
        if (quarter !== lastQuarter) line(io.stderr, `${task}: ${p.done}/${p.total}`);
        lastQuarter = quarter;
      }
    },
  });
}

export function printEvalResult(io: CliIo, r: EvalJobResult, json: boolean): void {
  for (const w of r.warnings) warn(io, w);
  if (r.task === 'generation' && r.generation) {
    const g = r.generation;
    if (json) {
      line(io.stdout, JSON.stringify({ task: r.task, ...g, n: r.n, examplesPerSecond: r.examplesPerSecond, seconds: r.seconds, truncatedRows: r.truncatedRows, ...(r.predictions ? { predictions: r.predictions } : {}) }));
      return;
    }
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    line(io.stdout, `exact match ${pct(g.exactMatch)} · contains ${pct(g.contains)} · token F1 ${g.tokenF1.toFixed(3)} · ROUGE-L ${g.rougeL.toFixed(3)} · n ${r.n} · ${r.examplesPerSecond.toFixed(1)} examples/s`);
    if (r.predictions) line(io.stdout, `\npredictions written to ${r.predictions}`);
    return;
  }
  if (json) {
    line(io.stdout, JSON.stringify({
      accuracy: r.accuracy,
      macroF1: r.macroF1,
      n: r.n,
      ece: r.ece,
      examplesPerSecond: r.examplesPerSecond,
      seconds: r.seconds,
      labels: r.labels,
      perClass: r.perClass,
      confusion: r.confusion,
      truncatedRows: r.truncatedRows,
      ...(r.predictions ? { predictions: r.predictions } : {}),
    }));
    return;
  }
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  line(io.stdout, `accuracy ${pct(r.accuracy)} · macro-F1 ${r.macroF1.toFixed(3)} · ECE ${r.ece.toFixed(3)} · n ${r.n} · ${r.examplesPerSecond.toFixed(1)} examples/s`);
  line(io.stdout);
  const { header, rows, align } = tableTexts(perClassTable(r.perClass));
  for (const l of textTable(header, rows, align)) line(io.stdout, l);
  line(io.stdout);
  line(io.stdout, 'confusion matrix (rows: gold, columns: predicted)');
  for (const l of textTable(['', ...r.labels], r.confusion.map((row, g) => [r.labels[g], ...row.map(String)]), ['left', ...r.labels.map(() => 'right' as const)])) line(io.stdout, l);
  if (r.predictions) line(io.stdout, `\npredictions written to ${r.predictions}`);
}
