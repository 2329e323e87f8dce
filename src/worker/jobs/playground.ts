/**
 * The `playground` job: one input through the hard prompt, the hard prompt + a soft prompt (at its prefix or
 * marker), and the hard prompt with the soft prompt's nearest-token projection in its place (the projected
 * hard prompt `ptune bench` evaluates). Generation decodes each column in turn with the same sampling
 * settings and seed, streaming text as `ptune generate` does; classification scores each column's labels.
 */
import { softmax } from '../../eval/metrics';
import { GenerationCancelled, checkSampling, decode, cachedLogits, readGenerationConfig, resolveSampling } from '../../generation';
import { isPrefixPrompt, type PromptParams } from '../../engine/api';
import { buildScoredExample, loadPromptFile, predictIndex } from '../../prompts';
import { projectSoftPrompt } from '../../projection';
import type { PlaygroundColumnId, PlaygroundColumnResult, PlaygroundParams, PlaygroundResult } from '../protocol';
import type { JobContext } from './context';
import { shotsFor } from './interactive';
import { loadSoftFor } from './soft';

interface Column {
  column: PlaygroundColumnId;
  soft?: PromptParams;
  /** Real token ids at the soft prompt's place (the projection). */
  softPromptIds?: number[];
}

export async function runPlaygroundJob(params: PlaygroundParams, ctx: JobContext<'playground'>): Promise<PlaygroundResult> {
  checkSampling({ ...params.sampling, maxNewTokens: params.maxNewTokens });
  const prompt = await loadPromptFile(params.template);
  const engine = await ctx.engine(params.model);
  const warnings: string[] = [];
  const shots = await shotsFor(prompt, params.shotsFrom, warnings);
  const columns: Column[] = [{ column: 'hard' }];
  let projectedText: string | undefined;
  if (params.soft) {
    const soft = loadSoftFor(engine, params.soft, warnings);
    columns.push({ column: 'soft', soft });
    if (isPrefixPrompt(soft)) {
      warnings.push('projected: a prefix-tuning adapter holds keys and values inside every layer, with no input token to project to');
    } else {
      // The same projection ptune bench scores: each virtual token's nearest vocabulary token by cosine.
      const projection = await projectSoftPrompt(engine, soft, { topK: 1, metric: 'cosine', map: false, threads: ctx.threads });
      projectedText = projection.projectedText;
      ctx.progress({ type: 'projection', text: projectedText });
      columns.push({ column: 'projected', softPromptIds: [...projection.projectedIds] });
    }
  }
  const maxNewTokens = params.maxNewTokens ?? prompt.maxNewTokens;
  const room = prompt.task === 'generation' ? maxNewTokens : 0;
  const build = (c: Column) => {
    const built = buildScoredExample(prompt, params.row, engine.tokenizer, {
      maxLength: engine.info.maxPositions - room,
      numVirtual: c.soft?.numVirtual ?? 0,
      shots,
      softPromptIds: c.softPromptIds,
    });
    if (built.truncated) warnings.push(`${c.column}: the input was cut from the left to fit the model's context`);
    return built;
  };
  const results: PlaygroundColumnResult[] = [];

  if (prompt.task === 'classification') {
    for (const c of columns) {
      ctx.signal.throwIfAborted();
      const built = build(c);
      const [scores] = await engine.score([built.example], c.soft);
      const probabilities = softmax(scores);
      const result: PlaygroundColumnResult = {
        column: c.column,
        labels: built.labels.map((label, i) => ({ label, logProb: scores[i], probability: probabilities[i] })),
        predicted: built.labels[predictIndex(scores)],
      };
      results.push(result);
      ctx.progress({ type: 'column', result });
    }
    return { task: 'classification', columns: results, ...(projectedText !== undefined ? { projectedText } : {}), warnings };
  }

  const modelConfig = readGenerationConfig(engine.info.dir, engine.tokenizer);
  const sampling = resolveSampling(params.sampling ?? {}, modelConfig);
  for (const c of columns) {
    const built = build(c);
    try {
      const r = await decode(cachedLogits(engine, { soft: c.soft, softPromptAt: built.example.softPromptAt ?? 0, maxNewTokens }), engine.tokenizer, built.example.promptIds, {
        sampling,
        maxNewTokens,
        eosTokenIds: modelConfig.eosTokenIds,
        signal: ctx.signal,
        onText: (text, ids) => ctx.progress({ type: 'text', column: c.column, text, tokens: ids.length }),
      });
      const result: PlaygroundColumnResult = { column: c.column, text: r.text, tokens: r.ids.length, finishReason: r.finishReason, tokensPerSecond: r.tokensPerSecond };
      results.push(result);
      ctx.progress({ type: 'column', result });
    } catch (e) {
      if (e instanceof GenerationCancelled) throw new Error('cancelled'); // the worker reports it as a cancellation (the signal is aborted)
      throw e;
    }
  }
  return { task: 'generation', columns: results, ...(projectedText !== undefined ? { projectedText } : {}), sampling, maxNewTokens, warnings };
}
