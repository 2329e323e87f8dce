/** The `bench` job: runBenchmark (src/bench/run.ts) on the worker's cached model. */
import { UserError } from '../../engine/errors';
import { runBenchmark } from '../../bench/run';
import type { BenchParams, BenchResult } from '../protocol';
import type { JobContext } from './context';

export async function runBenchJob(params: BenchParams, ctx: JobContext<'bench'>): Promise<BenchResult> {
  for (const key of ['model', 'data', 'out'] as const) {
    if (typeof params[key] !== 'string' || params[key] === '') throw new UserError(`--${key} is required`);
  }
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
