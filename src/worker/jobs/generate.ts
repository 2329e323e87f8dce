/**
 * The `generate` job: raw text or a prompt file rendered for one row, decoded with the sampling settings
 * (model defaults from generation_config.json), streamed to the caller as progress events.
 */
import { UserError } from '../../engine/errors';
import { readDataset } from '../../data';
import type { Row } from '../../data/types';
import { GenerationCancelled, checkSampling, decode, cachedLogits, readGenerationConfig, resolveSampling } from '../../generation';
import { buildScoredExample, drawShots, encodePlain, loadPromptFile, type PromptFile } from '../../prompts';
import type { GenerateParams, GenerateResult } from '../protocol';
import type { JobContext } from './context';
import { readRows } from './examples';
import { loadSoftFor } from './soft';

/** max_new_tokens without a prompt file that sets it. */
export const DEFAULT_MAX_NEW_TOKENS = 20;

async function rowFor(params: GenerateParams, prompt: PromptFile): Promise<Row> {
  if (params.data !== undefined) {
    if (params.rowNumber === undefined) throw new UserError('--data needs --row N (which data row to generate for, counting from 1)');
    const dataset = await readDataset(params.data);
    const n = params.rowNumber;
    if (!(Number.isInteger(n) && n >= 1 && n <= dataset.rows.length)) throw new UserError(`--row ${n}: ${params.data} has ${dataset.rows.length} data row${dataset.rows.length === 1 ? '' : 's'} (rows count from 1)`, params.data);
    return dataset.rows[n - 1];
  }
  if (params.rowNumber !== undefined) throw new UserError('--row needs --data FILE');
  const row = params.row ?? {};
  const missing = prompt.inputs.filter((input) => row[input] === undefined);
  if (missing.length > 0) {
    throw new UserError(`${prompt.file} needs ${missing.map((m) => `--input ${m}=…`).join(' ')} (its inputs: ${prompt.inputs.join(', ')}), or --row N --data FILE`, prompt.file);
  }
  return row;
}

export async function runGenerateJob(params: GenerateParams, ctx: JobContext<'generate'>): Promise<GenerateResult> {
  if ((params.prompt === undefined) === (params.template === undefined)) throw new UserError('generate needs either a prompt text or a template, not both');
  checkSampling({ ...params.sampling, maxNewTokens: params.maxNewTokens, stop: params.stop });
  const prompt = params.template !== undefined ? await loadPromptFile(params.template) : undefined;
  const engine = await ctx.engine(params.model);
  const warnings: string[] = [];
  const soft = params.soft ? loadSoftFor(engine, params.soft, warnings) : undefined;
  const maxNewTokens = params.maxNewTokens ?? prompt?.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS;
  let promptIds: number[];
  let softPromptAt = 0;
  if (prompt) {
    const row = await rowFor(params, prompt);
    const shots = prompt.shots > 0 ? drawShots(prompt, (await readTrainRows(prompt, params, warnings)).rows) : [];
    const built = buildScoredExample(prompt, row, engine.tokenizer, { maxLength: engine.info.maxPositions - maxNewTokens, numVirtual: soft?.numVirtual ?? 0, shots });
    if (built.truncated) warnings.push(`the row's input was cut from the left to leave room for ${maxNewTokens} new tokens`);
    promptIds = built.example.promptIds;
    softPromptAt = built.example.softPromptAt ?? 0;
  } else {
    promptIds = encodePlain(engine.tokenizer, params.prompt!);
    const bos = engine.tokenizer.bosTokenId;
    // Generation needs at least one real token to condition on; an empty prompt starts from BOS.
    if (promptIds.length === 0 && bos !== undefined) promptIds = [bos];
  }
  const modelConfig = readGenerationConfig(engine.info.dir, engine.tokenizer);
  const sampling = resolveSampling(params.sampling ?? {}, modelConfig);
  try {
    const r = await decode(cachedLogits(engine, { soft, softPromptAt, maxNewTokens }), engine.tokenizer, promptIds, {
      sampling,
      maxNewTokens,
      eosTokenIds: modelConfig.eosTokenIds,
      stop: params.stop,
      signal: ctx.signal,
      onText: (text, ids) => ctx.progress({ type: 'text', text, tokens: ids.length }),
    });
    return { ...r, promptTokens: promptIds.length, sampling, maxNewTokens, warnings };
  } catch (e) {
    if (e instanceof GenerationCancelled) throw new Error('cancelled'); // the worker reports it as a cancellation (the signal is aborted)
    throw e;
  }
}

function readTrainRows(prompt: PromptFile, params: GenerateParams, warnings: string[]) {
  if (!params.shotsFrom) throw new UserError(`${prompt.file}: shots: ${prompt.shots} needs --train FILE to draw the few-shot examples from`, prompt.file);
  return readRows(prompt, params.shotsFrom, { flag: '--train', warnings });
}
