/** Reading a dataset for a prompt and checking that the two fit (columns, labels). */
import { readDataset } from '../data/read';
import type { Dataset, ReadOptions } from '../data/types';
import { assertPromptFits } from './parse';
import type { DatasetContext, PromptFile } from './types';

/** The read options a prompt implies: its inputs, its label (or target) column and label names. */
export function datasetOptionsFor(prompt: PromptFile): Pick<ReadOptions, 'textColumns' | 'labelColumn' | 'labelNames'> {
  return {
    textColumns: prompt.inputs,
    labelColumn: prompt.task === 'classification' ? prompt.labelColumn : prompt.targetColumn,
    ...(prompt.labelNames !== undefined ? { labelNames: prompt.labelNames } : {}),
  };
}

/** Columns, distinct labels and the line where each label first appears. */
export function datasetContext(prompt: PromptFile, data: Dataset): DatasetContext {
  const labels: string[] = [];
  const labelLines: Record<string, number> = {};
  if (prompt.task === 'classification') {
    data.rows.forEach((row, i) => {
      const label = row[prompt.labelColumn];
      if (label !== undefined && !(label in labelLines)) {
        labels.push(label);
        labelLines[label] = data.lines[i];
      }
    });
  }
  return { file: data.file, columns: data.columns, labels, labelLines };
}

/** Throws a UserError (`prompt:line:col: message`) when the dataset has labels the prompt cannot score, etc. */
export function assertDatasetFits(prompt: PromptFile, data: Dataset): void {
  assertPromptFits(prompt, datasetContext(prompt, data));
}

/**
 * Reads `file` with the columns the prompt needs (extra `options` such as limit, seed, skipInvalid and a
 * column mapping pass through) and checks that every label has a verbalizer entry.
 */
export async function readDatasetForPrompt(prompt: PromptFile, file: string, options: Omit<ReadOptions, 'textColumns' | 'labelColumn'> = {}): Promise<Dataset> {
  const data = await readDataset(file, { ...options, ...datasetOptionsFor(prompt), ...(options.labelNames ? { labelNames: options.labelNames } : {}) });
  assertDatasetFits(prompt, data);
  return data;
}
