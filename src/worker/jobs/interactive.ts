/**
 * The quick single-input jobs behind the editor features: `preview` (render + tokenize a prompt for a row),
 * and `testPrompt` (score one row: label probabilities, or generated text). `generate` is ./generate.ts.
 */
import { softmax } from '../../eval/metrics';
import { UserError } from '../../engine/errors';
import { buildScoredExample, drawShots, loadPromptFile, predictIndex, type PromptFile } from '../../prompts';
import type { PreviewParams, PreviewResult, PreviewToken, TestPromptParams, TestPromptResult } from '../protocol';
import type { JobContext } from './context';
import { readRows } from './examples';
import { loadSoftFor } from './soft';

/** A few-shot prompt's examples, drawn from `shotsFrom` as every other job draws them; [] without shots. */
export async function shotsFor(prompt: PromptFile, shotsFrom: string | undefined, warnings: string[]) {
  if (prompt.shots === 0) return [];
  if (!shotsFrom) throw new UserError(`${prompt.file}: shots: ${prompt.shots} needs a training file to draw the few-shot examples from`, prompt.file);
  return drawShots(prompt, (await readRows(prompt, shotsFrom, { flag: 'few-shot examples', warnings })).rows);
}

export async function runPreviewJob(params: PreviewParams, ctx: JobContext<'preview'>): Promise<PreviewResult> {
  const prompt = await loadPromptFile(params.template);
  const engine = await ctx.engine(params.model);
  const { tokenizer } = engine;
  const virtualTokens = params.virtualTokens ?? 0;
  const built = buildScoredExample(prompt, params.row, tokenizer, { maxLength: params.maxLength ?? engine.info.maxPositions, numVirtual: virtualTokens });
  const tokens = (ids: number[]): PreviewToken[] => {
    const pieces = tokenizer.pieces(ids);
    return ids.map((id, i) => ({ id, piece: pieces[i] }));
  };
  let continuations: PreviewResult['continuations'];
  if (prompt.task === 'classification') {
    continuations = built.example.continuations.map((ids, i) => ({ label: built.labels[i], tokens: tokens(ids) }));
  } else {
    continuations = built.example.continuations.map((ids) => ({ tokens: tokens(ids) }));
  }
  const longest = built.example.continuations.reduce((m, c) => Math.max(m, c.length), 0);
  return {
    text: built.text,
    tokens: tokens(built.example.promptIds),
    softPromptAt: built.example.softPromptAt ?? 0,
    virtualTokens,
    continuations,
    truncated: built.truncated,
    totalTokens: virtualTokens + built.example.promptIds.length + longest,
  };
}

export async function runTestPromptJob(params: TestPromptParams, ctx: JobContext<'testPrompt'>): Promise<TestPromptResult> {
  const prompt = await loadPromptFile(params.template);
  const engine = await ctx.engine(params.model);
  const soft = params.soft ? loadSoftFor(engine, params.soft, []) : undefined;
  // Generation keeps room for the new tokens; its row needs no target.
  const room = prompt.task === 'generation' ? prompt.maxNewTokens : 0;
  const built = buildScoredExample(prompt, params.row, engine.tokenizer, {
    maxLength: (params.maxLength ?? engine.info.maxPositions) - room,
    numVirtual: soft?.numVirtual ?? 0,
    shots: await shotsFor(prompt, params.shotsFrom, []),
  });
  if (prompt.task === 'classification') {
    const [scores] = await engine.score([built.example], soft);
    const probabilities = softmax(scores);
    const result: TestPromptResult = {
      task: 'classification',
      labels: built.labels.map((label, i) => ({ label, logProb: scores[i], probability: probabilities[i] })),
      predicted: built.labels[predictIndex(scores)],
    };
    if (built.example.gold !== undefined) result.gold = built.labels[built.example.gold];
    return result;
  }
  const ids = await engine.generate(built.example.promptIds, prompt.maxNewTokens, soft, built.example.softPromptAt);
  return { task: 'generation', text: engine.tokenizer.decode(ids), tokens: ids.length };
}
