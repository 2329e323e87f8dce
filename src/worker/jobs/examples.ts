/**
 * From a prompt file and a dataset file to ScoredExamples under the loss contract, with every problem
 * reported as one UserError naming the file and line (empty dataset, unlabelled row, label without a
 * verbalizer entry, a prompt too long for the model).
 */
import type { ScoredExample, TextTokenizer } from '../../engine/api';
import { UserError, isUserError } from '../../engine/errors';
import { describeSkipped } from '../../data/read';
import type { Dataset, Row } from '../../data/types';
import { buildScoredExample, readDatasetForPrompt, type PromptFile } from '../../prompts';

export interface LoadExamplesOptions {
  /** Longest sequence in tokens, virtual tokens included. */
  maxLength: number;
  numVirtual: number;
  /** Few-shot rows rendered before every query. */
  shots?: readonly Row[];
  /** Seeded sample of at most this many rows. */
  limit?: number;
  seed?: number;
  /** The flag the file came from, for messages (e.g. "--train"). */
  flag: string;
  /** Skip invalid rows instead of stopping at the first; a line saying which goes to `warnings`. */
  skipInvalid?: boolean;
  warnings?: string[];
  /** Checked between slices of work (see buildExamples). */
  signal?: AbortSignal;
}

export interface LoadedExample {
  example: ScoredExample;
  /** Candidate labels in continuation order (classification). */
  labels: string[];
  /** The gold label (classification) or undefined (generation). */
  goldLabel?: string;
  line: number;
  /** The rendered prompt text (what promptIds encode). */
  text: string;
}

export interface LoadedExamples {
  dataset: Dataset;
  items: LoadedExample[];
  truncatedRows: number;
}

type ReadRowsOptions = Pick<LoadExamplesOptions, 'limit' | 'seed' | 'flag' | 'skipInvalid' | 'warnings'>;

/** Reads the rows a prompt needs (labels checked against its verbalizer); an empty dataset is an error. */
export async function readRows(prompt: PromptFile, file: string, options: ReadRowsOptions): Promise<Dataset> {
  const dataset = await readDatasetForPrompt(prompt, file, { limit: options.limit, seed: options.seed, skipInvalid: options.skipInvalid });
  if (dataset.rows.length === 0) throw new UserError(`${file} (${options.flag}): the dataset has no rows`, file);
  if (dataset.skipped.length > 0) options.warnings?.push(`${file} (${options.flag}): ${describeSkipped(dataset.skipped)}`);
  return dataset;
}

export async function loadExamples(prompt: PromptFile, file: string, tokenizer: TextTokenizer, options: LoadExamplesOptions): Promise<LoadedExamples> {
  return buildExamples(prompt, await readRows(prompt, file, options), tokenizer, options);
}

/** How long rendering and tokenizing may hold the worker's thread before letting other jobs' messages (a cancel) through. */
const SLICE_MS = 20;

/**
 * Renders and tokenizes every row. Works in slices of about SLICE_MS, yielding between them, so that a
 * cancel (of this job or of another one in the same worker) is seen within a slice and one template render.
 */
export async function buildExamples(prompt: PromptFile, dataset: Dataset, tokenizer: TextTokenizer, options: Omit<LoadExamplesOptions, 'limit' | 'seed' | 'skipInvalid' | 'warnings'>): Promise<LoadedExamples> {
  const file = dataset.file;
  let truncatedRows = 0;
  const items: LoadedExample[] = [];
  let sliceStart = performance.now();
  for (let i = 0; i < dataset.rows.length; i++) {
    if (performance.now() - sliceStart > SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      options.signal?.throwIfAborted();
      sliceStart = performance.now();
    }
    items.push(buildOne(dataset.rows[i], dataset.lines[i]));
  }
  return { dataset, items, truncatedRows };

  function buildOne(row: Row, line: number): LoadedExample {
    try {
      const built = buildScoredExample(prompt, row, tokenizer, { maxLength: options.maxLength, numVirtual: options.numVirtual, shots: options.shots });
      if (built.example.gold === undefined) {
        const column = prompt.task === 'classification' ? prompt.labelColumn : prompt.targetColumn;
        throw new UserError(`the row has no ${prompt.task === 'classification' ? 'label' : 'target'} (column "${column}")`);
      }
      if (built.truncated) truncatedRows++;
      return { example: built.example, labels: built.labels, goldLabel: built.labels[built.example.gold], line, text: built.text };
    } catch (e) {
      if (isUserError(e)) throw new UserError(`${file}:${line}: ${e.message}`, file);
      throw e;
    }
  }
}
