/**
 * Turning a prompt file and dataset rows into the examples the benchmark scores: few-shot rows drawn from the
 * training file, left truncation to the model's context, and the template's own length in tokens.
 */
import type { Row } from '../data/types';
import type { TextTokenizer } from '../engine/api';
import { UserError } from '../engine/errors';
import type { EvalItem } from '../eval/evaluate';
import type { GenerationItem } from '../eval/evaluate-generation';
import { buildScoredExample, drawShots, type PromptFile } from '../prompts';

export interface PromptItems {
  items: EvalItem[];
  /** Examples whose input text was cut to fit. */
  truncated: number;
  /** Tokens of the prompt with every input empty (instruction, few-shot examples, projected tokens). */
  templateLength: number;
}

export interface ItemOptions {
  /** Longest sequence, virtual tokens included. */
  maxLength: number;
  /** Virtual tokens of the soft prompt the items will be scored with (0 for hard prompts). */
  numVirtual?: number;
  /** Few-shot rows (already drawn). */
  shots?: readonly Row[];
  /** Real token ids at the soft-prompt position: a projection evaluated as a hard prompt. */
  softPromptIds?: readonly number[];
}

export interface GenerationPromptItems {
  items: GenerationItem[];
  truncated: number;
  templateLength: number;
}

/** A classification prompt's examples: each row's label continuations and gold label. */
export function buildItems(prompt: PromptFile, rows: readonly Row[], tokenizer: TextTokenizer, options: ItemOptions): PromptItems {
  if (prompt.task !== 'classification') throw new Error(`buildItems: ${prompt.file} is a ${prompt.task} prompt (use buildGenerationItems)`);
  const built = build(prompt, rows, tokenizer, options);
  return { truncated: built.truncated, templateLength: built.templateLength, items: built.examples.map((b, i) => ({ example: b.example, labels: b.labels, goldLabel: rows[i][prompt.labelColumn] })) };
}

/**
 * A generation prompt's examples: each row's prompt, fitted to leave room for max_new_tokens (as ptune eval
 * does), and its gold answer from the target column.
 */
export function buildGenerationItems(prompt: PromptFile, rows: readonly Row[], tokenizer: TextTokenizer, options: ItemOptions): GenerationPromptItems {
  if (prompt.task !== 'generation') throw new Error(`buildGenerationItems: ${prompt.file} is a ${prompt.task} prompt (use buildItems)`);
  const column = prompt.targetColumn as string;
  const built = build(prompt, rows, tokenizer, { ...options, maxLength: options.maxLength - prompt.maxNewTokens });
  const items = built.examples.map((b, i) => {
    const target = rows[i][column];
    if (target === undefined) throw new UserError(`${prompt.file}: row ${i + 1} has no target column "${column}"`, prompt.file);
    return { example: b.example, target };
  });
  return { items, truncated: built.truncated, templateLength: built.templateLength };
}

function build(prompt: PromptFile, rows: readonly Row[], tokenizer: TextTokenizer, options: ItemOptions) {
  const settings = { maxLength: options.maxLength, numVirtual: options.numVirtual ?? 0, shots: options.shots, softPromptIds: options.softPromptIds };
  let truncated = 0;
  const examples = rows.map((row) => {
    const built = buildScoredExample(prompt, row, tokenizer, settings);
    if (built.truncated) truncated++;
    return built;
  });
  const emptyRow: Row = Object.fromEntries(prompt.inputs.map((input) => [input, '']));
  const templateLength = buildScoredExample(prompt, emptyRow, tokenizer, { ...settings, maxLength: undefined }).example.promptIds.length;
  return { examples, truncated, templateLength };
}

/** Few-shot rows for a prompt with `shots` > 0, drawn from the training rows; [] otherwise. */
export function shotsFor(prompt: PromptFile, trainRows: readonly Row[] | undefined): Row[] {
  if (prompt.shots === 0) return [];
  if (!trainRows) {
    throw new UserError(`${prompt.file}: shots: ${prompt.shots} draws few-shot examples from training rows; pass --train with a training file`, prompt.file);
  }
  return drawShots(prompt, trainRows, prompt.seed);
}
