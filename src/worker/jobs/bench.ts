/** The `bench` job: runBenchmark (src/bench/run.ts) on the worker's cached model. */
import * as fs from 'fs';
import { UserError } from '../../engine/errors';
import { runBenchmark } from '../../bench/run';
import type { BenchParams, BenchResult } from '../protocol';
import type { JobContext } from './context';
import { checkOutputPlace, type Note, type PathArgument } from '../../common/output-guard';
import { checkReportFolder } from '../../bench/report/write';

export async function runBenchJob(params: BenchParams, ctx: JobContext<'bench'>): Promise<BenchResult> {
  for (const key of ['model', 'data', 'out'] as const) {
    if (typeof params[key] !== 'string' || params[key] === '') throw new UserError(`--${key} is required`);
  }
  checkBenchOutput(params, (note) => ctx.progress({ type: 'log', line: `ptune: warning: ${note}` }));
  ctx.progress({ type: 'status', message: `loading model ${params.model}` });
  const engine = await ctx.engine(params.model);
  return runBenchmark({
    engine,
    modelDir: engine.info.dir,
    dataFile: params.data,
    trainFile: params.train,
    hardPrompts: params.hard ?? [],
    softAdapters: params.soft ?? [],
    template: params.template,
    tune: params.tune,
    tuningOptions: params.tuning,
    seeds: params.seeds,
    outDir: params.out,
    noCache: params.noCache,
    cacheDir: params.cacheDir,
    limit: params.limit,
    skipInvalid: params.skipInvalid,
    projection: params.projection,
    threads: ctx.threads,
    command: params.command,
    signal: ctx.signal,
    onProgress: (event) => ctx.progress({ type: 'progress', ...event }),
    onLog: (line) => ctx.progress({ type: 'log', line }),
  });
}

/** The checks of --out and --cache-dir against the benchmark's inputs (the CLI runs them too, before starting the worker). */
export function checkBenchOutput(params: BenchParams, note: Note): void {
  const inputs: (PathArgument | undefined)[] = [
    { flag: '--model', path: params.model },
    { flag: '--data', path: params.data },
    params.train ? { flag: '--train', path: params.train } : undefined,
    params.template ? { flag: '--template', path: params.template } : undefined,
    ...(params.hard ?? []).map((file) => ({ flag: '--hard', path: file })),
    ...(params.soft ?? []).map((dir) => ({ flag: '--soft', path: dir })),
  ];
  checkOutputPlace({ flag: '--out', path: params.out }, inputs, note);
  checkReportFolder(params.out);
  if (params.cacheDir) {
    checkOutputPlace({ flag: '--cache-dir', path: params.cacheDir }, inputs, note);
    if (fs.existsSync(params.cacheDir) && !fs.statSync(params.cacheDir).isDirectory()) throw new UserError(`--cache-dir ${params.cacheDir} is a file, not a folder`);
  }
}
