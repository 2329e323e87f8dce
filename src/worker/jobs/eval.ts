/**
 * The `eval` job: a classification prompt (optionally with a soft prompt) on a labelled dataset → accuracy,
 * macro-F1, per-class precision/recall, confusion matrix, ECE, throughput; a generation prompt → greedy
 * outputs scored by exact match, contains, token F1 and ROUGE-L; optionally one prediction per line.
 */
import { UserError } from '../../engine/errors';
import { checkPredictionsOutput, evaluate, writePredictions, type EvalItem } from '../../eval/evaluate';
import { evaluateGeneration, writeGenerationPredictions } from '../../eval/evaluate-generation';
import { drawShots, loadPromptFile } from '../../prompts';
import type { EvalJobResult, EvalParams } from '../protocol';
import type { Note, PathArgument } from '../../common/output-guard';
import type { JobContext } from './context';
import { buildExamples, readRows } from './examples';
import { loadSoftFor } from './soft';

export async function runEvalJob(params: EvalParams, ctx: JobContext<'eval'>): Promise<EvalJobResult> {
  for (const key of ['model', 'data', 'template'] as const) {
    if (typeof params[key] !== 'string' || params[key] === '') throw new UserError(`--${key} is required`);
  }
  const warnings: string[] = [];
  checkEvalPredictions(params, (note) => warnings.push(note));
  const prompt = await loadPromptFile(params.template);
  if (prompt.shots > 0 && !params.shotsFrom) throw new UserError(`${params.template} uses ${prompt.shots} shot(s)${prompt.task === 'classification' ? ' per label' : ''}: pass --train FILE to draw them from`);
  ctx.progress({ type: 'status', message: `loading model ${params.model}` });
  const engine = await ctx.engine(params.model);
  const soft = params.soft ? loadSoftFor(engine, params.soft, warnings) : undefined;
  const maxLength = params.maxLength ?? engine.info.maxPositions;
  if (maxLength > engine.info.maxPositions) throw new UserError(`--max-length ${maxLength} exceeds the ${engine.info.maxPositions} positions of ${params.model}`);
  const reading = { skipInvalid: params.skipInvalid, warnings };
  const shots = params.shotsFrom ? drawShots(prompt, (await readRows(prompt, params.shotsFrom, { ...reading, flag: '--train' })).rows) : undefined;
  const data = await readRows(prompt, params.data, { ...reading, limit: params.limit, seed: params.seed ?? 0, flag: '--data' });
  // A generation prompt keeps room for the tokens it will generate.
  const fit = prompt.task === 'generation' ? Math.min(maxLength, engine.info.maxPositions - prompt.maxNewTokens) : maxLength;
  const built = await buildExamples(prompt, data, engine.tokenizer, { maxLength: fit, numVirtual: soft?.numVirtual ?? 0, shots, flag: '--data', signal: ctx.signal });
  if (built.truncatedRows > 0) warnings.push(`${built.truncatedRows} row${built.truncatedRows === 1 ? '' : 's'} cut from the left to fit ${fit} tokens`);
  if (prompt.task === 'generation') {
    const column = prompt.targetColumn as string;
    const r = await evaluateGeneration(engine, built.items.map((i, k) => ({ example: i.example, target: data.rows[k][column] })), {
      soft,
      maxNewTokens: prompt.maxNewTokens,
      signal: ctx.signal,
      onProgress: (done, total) => ctx.progress({ type: 'eval', done, total }),
    });
    if (params.predictions) writeGenerationPredictions(params.predictions, r);
    return {
      task: 'generation',
      generation: { exactMatch: r.exactMatch, contains: r.contains, tokenF1: r.tokenF1, rougeL: r.rougeL },
      n: r.n,
      labels: [],
      accuracy: r.exactMatch,
      macroF1: NaN,
      perClass: [],
      confusion: [],
      ece: NaN,
      seconds: r.seconds,
      examplesPerSecond: r.examplesPerSecond,
      truncatedRows: built.truncatedRows,
      predictions: params.predictions,
      warnings,
    };
  }
  const items: EvalItem[] = built.items.map((i) => ({ example: i.example, labels: i.labels, goldLabel: i.goldLabel as string }));
  const result = await evaluate(engine, items, {
    soft,
    signal: ctx.signal,
    scoredBy: `the model ${params.model}${params.soft ? ` or the soft prompt ${params.soft}` : ''}`,
    itemName: (i) => `the row at ${data.file}:${built.items[i].line}`,
    onProgress: (done, total) => ctx.progress({ type: 'eval', done, total }),
  });
  if (params.predictions) writePredictions(params.predictions, result);
  return {
    task: 'classification',
    n: result.n,
    labels: result.labels,
    accuracy: result.accuracy,
    macroF1: result.macroF1,
    perClass: result.perClass,
    confusion: result.confusion,
    ece: result.ece,
    seconds: result.seconds,
    examplesPerSecond: result.examplesPerSecond,
    truncatedRows: built.truncatedRows,
    predictions: params.predictions,
    warnings,
  };
}

/** The checks of --predictions against the job's inputs (the CLI runs them too, before starting the worker). */
export function checkEvalPredictions(params: EvalParams, note: Note): void {
  if (!params.predictions) return;
  const inputs: (PathArgument | undefined)[] = [
    { flag: '--model', path: params.model },
    { flag: '--data', path: params.data },
    { flag: '--template', path: params.template },
    params.soft ? { flag: '--soft', path: params.soft } : undefined,
    params.shotsFrom ? { flag: '--train', path: params.shotsFrom } : undefined,
  ];
  checkPredictionsOutput(params.predictions, inputs, note);
}
