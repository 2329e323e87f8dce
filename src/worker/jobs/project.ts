/** The `project` job: a soft prompt's nearest vocabulary tokens (src/projection) on the worker's cached model. */
import { UserError } from '../../engine/errors';
import { projectSoftPrompt } from '../../projection';
import type { ProjectParams, ProjectResult } from '../protocol';
import type { JobContext } from './context';
import { loadInputSoftFor, PREFIX_NOT_PROJECTABLE } from './soft';

export async function runProjectJob(params: ProjectParams, ctx: JobContext<'project'>): Promise<ProjectResult> {
  for (const key of ['model', 'soft'] as const) {
    if (typeof params[key] !== 'string' || params[key] === '') throw new UserError(`--${key} is required`);
  }
  ctx.progress({ type: 'status', message: `loading model ${params.model}` });
  const engine = await ctx.engine(params.model);
  const warnings: string[] = [];
  const soft = loadInputSoftFor(engine, params.soft, warnings, PREFIX_NOT_PROJECTABLE);
  const result = await projectSoftPrompt(engine, soft, { topK: params.topK, metric: params.metric, map: params.map, threads: ctx.threads });
  return { ...result, warnings };
}
