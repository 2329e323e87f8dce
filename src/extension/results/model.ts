/**
 * The results grid's data: each row of a predictions file (what Run on dataset and `ptune bench` write, one
 * JSON line per row) joined with its dataset row's input text, the grid's sorting, filtering and paging, and
 * the row-by-row comparison of two runs. Unit tests drive it directly (with the fake `vscode` module for its texts).
 */
import { forEachLine } from '../../data/line-reader';
import { forEachRecord } from '../../data/records';
import { resolveFormat } from '../../data/formats';
import { toRow, type RowSpec } from '../../data/rows';
import { readDataset } from '../../data/read';
import type { Row } from '../../data/types';
import { UserError } from '../../engine/errors';
import { type ResultsQuery } from './query';
import { l10n } from 'vscode';

export { DEFAULT_COMPARE_QUERY, DEFAULT_RESULTS_QUERY, RESULT_FILTERS, RESULT_SORTS, type ResultFilter, type ResultSort, type ResultsQuery } from './query';

/** Characters of a row's input text kept for the grid (the preview shows the whole row). */
export const ROW_TEXT_CHARS = 400;
export const RESULTS_PAGE_SIZE = 100;

/** One row's outcome under one prompt. */
export interface RowOutcome {
  /** Classification: the predicted label; generation: the generated text. */
  predicted: string;
  correct: boolean;
  /** Classification: the predicted label's probability (label-normalised). */
  confidence?: number;
  /** Classification: each label's probability; generation: its scores (exact, contains, F1, ROUGE-L). */
  scores: Record<string, number>;
}

export interface ResultRow {
  /** 0-based index of the row among the dataset rows the run read. */
  index: number;
  /** The row's input columns, joined and cut to ROW_TEXT_CHARS. */
  text: string;
  gold: string;
  outcomes: RowOutcome[];
}

export type ResultsTask = 'classification' | 'generation';

/** One predictions file, parsed: one outcome per row, by index. */
export interface PredictionsRun {
  task: ResultsTask;
  outcomes: { index: number; gold: string; outcome: RowOutcome }[];
}

/** Streams a predictions file (classification or generation lines), naming the line of any record that does not parse. */
export async function readPredictions(file: string): Promise<PredictionsRun> {
  const outcomes: PredictionsRun['outcomes'] = [];
  let task: ResultsTask | undefined;
  await forEachLine(file, (text, line, problem) => {
    if (text === undefined) throw new UserError(`${file}:${line}: ${problem ?? l10n.t('unreadable line')}`, file);
    if (text.trim() === '') return;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new UserError(`${file}:${line}: ${l10n.t('not a JSON line of a predictions file')}`, file);
    }
    const lineTask: ResultsTask = 'output' in record ? 'generation' : 'classification';
    task ??= lineTask;
    const parsed = lineTask === task ? parsePrediction(record, task) : undefined;
    if (!parsed) {
      const problem = task === 'classification'
        ? l10n.t('not a classification prediction ({0})', 'index, gold, predicted, correct, probabilities')
        : l10n.t('not a generation prediction ({0})', 'index, output, target, exact');
      throw new UserError(`${file}:${line}: ${problem}`, file);
    }
    outcomes.push(parsed);
  });
  return { task: task ?? 'classification', outcomes };
}

function parsePrediction(r: Record<string, unknown>, task: ResultsTask): PredictionsRun['outcomes'][number] | undefined {
  if (typeof r !== 'object' || r === null || typeof r.index !== 'number' || !Number.isSafeInteger(r.index) || r.index < 0) return undefined;
  const numbers = (v: unknown): Record<string, number> | undefined =>
    typeof v === 'object' && v !== null && Object.values(v).every((x) => typeof x === 'number') ? Object.fromEntries(Object.entries(v as Record<string, number>)) : undefined;
  if (task === 'classification') {
    const probabilities = numbers(r.probabilities);
    if (typeof r.gold !== 'string' || typeof r.predicted !== 'string' || typeof r.correct !== 'boolean' || !probabilities) return undefined;
    return { index: r.index, gold: r.gold, outcome: { predicted: r.predicted, correct: r.correct, confidence: probabilities[r.predicted], scores: probabilities } };
  }
  // `exact` and `contains` are 0 or 1 (means over rows are the metrics); booleans are read too.
  const exact = typeof r.exact === 'boolean' ? Number(r.exact) : r.exact;
  if (typeof r.output !== 'string' || typeof r.target !== 'string' || (exact !== 0 && exact !== 1)) return undefined;
  const scores: Record<string, number> = { exact };
  for (const key of ['contains', 'f1', 'rougeL'] as const) {
    const v = r[key];
    if (typeof v === 'number') scores[key] = v;
    else if (typeof v === 'boolean') scores[key] = v ? 1 : 0;
  }
  return { index: r.index, gold: r.target, outcome: { predicted: r.output, correct: exact === 1, scores } };
}

/**
 * The input text of the rows `indices` of a dataset, streamed: row i is the i-th record the run's reader
 * accepted (`spec`: the prompt's columns), so skipped records do not shift the rows. Only the wanted rows'
 * text is kept, cut to ROW_TEXT_CHARS.
 */
export async function readRowTexts(file: string, spec: RowSpec, indices: ReadonlySet<number>): Promise<Map<number, string>> {
  const texts = new Map<number, string>();
  const inputs = spec.textColumns ?? [];
  let at = 0;
  await forEachRecord(file, resolveFormat(file), (record) => {
    if ('error' in record) return;
    const result = toRow(record.value, spec);
    if ('error' in result) return;
    if (indices.has(at)) texts.set(at, rowText(result.row, inputs));
    at++;
  });
  return texts;
}

/**
 * The whole dataset row (all columns; the prompt's columns as `spec` reads them, labels named) at `index` among
 * the records `spec` accepts; reading stops there.
 */
export async function readRowAt(file: string, spec: RowSpec, index: number): Promise<Record<string, string> | undefined> {
  let at = 0;
  let found: Record<string, string> | undefined;
  const stop = new Error('found');
  try {
    await forEachRecord(file, resolveFormat(file), (record) => {
      if ('error' in record) return;
      const result = toRow(record.value, spec);
      if ('error' in result) return;
      if (at++ === index) {
        const all = toRow(record.value, {});
        found = { ...('row' in all ? all.row : {}), ...result.row };
        throw stop;
      }
    });
  } catch (e) {
    if (e !== stop) throw e;
  }
  return found;
}

/**
 * The rows a benchmark scored, read again as `ptune bench` read them: a seeded sample (seed 0) of `n` rows,
 * which is the whole file when it has `n` valid rows; with skipped rows, the first prompt's read (`spec`,
 * bad rows skipped). Checked against the report's content hash; a UserError when neither read matches (the
 * file changed since the benchmark). Holds the `n` rows, the run's size.
 */
export async function readBenchmarkRows(file: string, dataset: { n: number; hash: string }, spec: RowSpec): Promise<Row[]> {
  const attempts = [{}, { ...spec, skipInvalid: true }];
  for (const options of attempts) {
    try {
      const data = await readDataset(file, { ...options, limit: dataset.n, seed: 0 });
      if (data.hash === dataset.hash) return data.rows;
    } catch {
      // a read that stops at a bad row: the benchmark skipped it; the next attempt does too
    }
  }
  throw new UserError(l10n.t("{0} is not the dataset the benchmark scored (its rows' hash differs from the report's): it changed since, so the rows show without their text", file), file);
}

/** A row's input columns joined and cut for the grid. */
export function rowText(row: Row, inputs: readonly string[]): string {
  return cut(inputs.map((c) => row[c] ?? '').join(' · '));
}

function cut(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > ROW_TEXT_CHARS ? `${flat.slice(0, ROW_TEXT_CHARS - 1)}…` : flat;
}

/**
 * The grid's rows: one run, or several runs on the same rows (joined by index; a row missing from a run
 * is an error: the runs were not on the same data).
 */
export function joinRuns(runs: readonly PredictionsRun[], texts: ReadonlyMap<number, string>, names: readonly string[] = runs.map((_, i) => `run ${i + 1}`)): ResultRow[] {
  if (runs.length === 0) return [];
  const byIndex = runs.map((run) => new Map(run.outcomes.map((o) => [o.index, o])));
  return runs[0].outcomes.map(({ index, gold }) => ({
    index,
    text: texts.get(index) ?? '',
    gold,
    outcomes: byIndex.map((m, k) => {
      const o = m.get(index);
      if (!o) throw new UserError(l10n.t('{0} has no prediction for row {1}: the runs compared were not on the same rows', names[k], index));
      return o.outcome;
    }),
  }));
}

/** The runs disagree on a row: different predictions, or (same prediction) different correctness. */
export function disagrees(row: ResultRow): boolean {
  return row.outcomes.some((o) => o.predicted !== row.outcomes[0].predicted || o.correct !== row.outcomes[0].correct);
}

/** A row is an error when any run got it wrong. */
export function isError(row: ResultRow): boolean {
  return row.outcomes.some((o) => !o.correct);
}

/**
 * Where a row goes in "disagreement" order: rows where exactly one side is right first, then rows where
 * the runs predict differently and both are wrong, then agreements.
 */
function disagreementRank(row: ResultRow): number {
  if (!disagrees(row)) return 2;
  const right = row.outcomes.filter((o) => o.correct).length;
  return right > 0 && right < row.outcomes.length ? 0 : 1;
}

const COMPARE: Record<ResultsQuery['sort'], (a: ResultRow, b: ResultRow) => number> = {
  index: (a, b) => a.index - b.index,
  gold: (a, b) => a.gold.localeCompare(b.gold),
  predicted: (a, b) => a.outcomes[0].predicted.localeCompare(b.outcomes[0].predicted),
  confidence: (a, b) => (a.outcomes[0].confidence ?? a.outcomes[0].scores.f1 ?? 0) - (b.outcomes[0].confidence ?? b.outcomes[0].scores.f1 ?? 0),
  correct: (a, b) => Number(a.outcomes[0].correct) - Number(b.outcomes[0].correct),
  disagreement: (a, b) => disagreementRank(a) - disagreementRank(b),
};

export interface ResultsPage {
  rows: ResultRow[];
  /** Rows in the run(s). */
  total: number;
  /** Rows passing the filter. */
  matching: number;
  /** The page shown (clamped to the pages there are). */
  page: number;
  pages: number;
  /** Rows each run got right. */
  correct: number[];
}

/** Filters, sorts (stable: ties keep the dataset order) and cuts one page. */
export function queryResults(rows: readonly ResultRow[], query: ResultsQuery, pageSize = RESULTS_PAGE_SIZE): ResultsPage {
  const keep = query.filter === 'errors' ? isError : query.filter === 'disagreements' ? disagrees : () => true;
  const compare = COMPARE[query.sort];
  const sign = query.descending ? -1 : 1;
  const matching = rows.filter(keep).sort((a, b) => sign * compare(a, b) || a.index - b.index);
  const pages = Math.max(1, Math.ceil(matching.length / pageSize));
  const page = Math.min(Math.max(0, query.page), pages - 1);
  const runs = rows[0]?.outcomes.length ?? 0;
  const correct = Array.from({ length: runs }, (_, k) => rows.filter((r) => r.outcomes[k].correct).length);
  return { rows: matching.slice(page * pageSize, (page + 1) * pageSize), total: rows.length, matching: matching.length, page, pages, correct };
}
