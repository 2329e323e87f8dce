/**
 * Turning a prompt file and dataset rows into the examples the benchmark scores: few-shot rows drawn from the
 * training file, left truncation to the model's context, and the template's own length in tokens.
 */
import type { Row } from '../data/types';
import type { TextTokenizer } from '../engine/api';
import { UserError } from '../engine/errors';
import type { EvalItem } from '../eval/evaluate';
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

/** Classification prompts only: the benchmark compares label accuracy. */
export function assertClassification(prompt: PromptFile): void {
  if (prompt.task !== 'classification') {
    throw new UserError(`${prompt.file}: ptune bench compares classification prompts, but this prompt has task: ${prompt.task}`, prompt.file);
  }
}

export function buildItems(prompt: PromptFile, rows: readonly Row[], tokenizer: TextTokenizer, options: ItemOptions): PromptItems {
  assertClassification(prompt);
  const build = { maxLength: options.maxLength, numVirtual: options.numVirtual ?? 0, shots: options.shots, softPromptIds: options.softPromptIds };
  let truncated = 0;
  const items = rows.map((row) => {
    const built = buildScoredExample(prompt, row, tokenizer, build);
    if (built.truncated) truncated++;
    return { example: built.example, labels: built.labels, goldLabel: row[prompt.labelColumn] };
  });
  const emptyRow: Row = Object.fromEntries(prompt.inputs.map((input) => [input, '']));
  const templateLength = buildScoredExample(prompt, emptyRow, tokenizer, { ...build, maxLength: undefined }).example.promptIds.length;
  return { items, truncated, templateLength };
}

/** Few-shot rows for a prompt with `shots` > 0, drawn from the training rows; [] otherwise. */
export function shotsFor(prompt: PromptFile, trainRows: readonly Row[] | undefined): Row[] {
  if (prompt.shots === 0) return [];
  if (!trainRows) {
    throw new UserError(`${prompt.file}: shots: ${prompt.shots} draws few-shot examples from training rows; pass --train with a training file`, prompt.file);
  }
  return drawShots(prompt, trainRows, prompt.seed);
}
