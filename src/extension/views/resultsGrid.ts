/**
 * The results grid's host side: the rows of one or more predictions files (joined with their dataset's
 * input text) kept here, one page of them in the UI store. The webview asks for other pages, sorts and
 * filters; only a page (RESULTS_PAGE_SIZE rows) ever crosses to it. No `vscode` import.
 */
import * as path from 'node:path';
import {
  DEFAULT_COMPARE_QUERY, DEFAULT_RESULTS_QUERY, disagrees, joinRuns, queryResults, readPredictions,
  type PredictionsRun, type ResultRow, type ResultsQuery, type RowOutcome,
} from '../results/model';
import type { ResultsCellView, ResultsViewState } from './protocol';
import type { UiStore } from './uiStore';

/** One predictions file the grid can show: a Run on dataset, or one prompt of a benchmark. */
export interface ResultsRun {
  id: string;
  name: string;
  predictionsFile: string;
}

/** What a grid shows: runs on the same rows of one dataset. */
export interface ResultsSource {
  title: string;
  /** All the runs that can be shown (a benchmark's prompts); `show` picks among them. */
  runs: ResultsRun[];
  /** The dataset the runs read, for the header and messages. */
  dataFile: string;
  /** The input text of the rows `indices` (cut for the grid), read from the dataset. */
  readTexts(indices: ReadonlySet<number>): Promise<Map<number, string>>;
  /** The whole dataset row `index` (all columns), for the preview; undefined when the file has no such row. */
  readRow(index: number): Promise<Record<string, string> | undefined>;
  /** The prompt file whose preview a clicked row opens in. */
  promptFile?: string;
  note?: string;
}

export class ResultsGrid {
  private source: ResultsSource | undefined;
  private shown: ResultsRun[] = [];
  private rows: ResultRow[] = [];
  private task: 'classification' | 'generation' = 'classification';
  private query: ResultsQuery = DEFAULT_RESULTS_QUERY;
  private readonly loaded = new Map<string, PredictionsRun>();
  private texts = new Map<number, string>();

  constructor(private readonly store: UiStore) {}

  get current(): ResultsSource | undefined {
    return this.source;
  }

  /** Loads `source` and shows the runs `ids` (default: the first), with `query` (default: by row; compared: disagreements first). */
  async open(source: ResultsSource, ids: readonly string[] = [source.runs[0].id], query?: Partial<ResultsQuery>): Promise<void> {
    this.source = source;
    this.loaded.clear();
    this.texts = new Map();
    await this.show(ids, query);
  }

  /** Shows other runs of the open source side by side (a benchmark's hard vs soft vs projection). */
  async show(ids: readonly string[], query?: Partial<ResultsQuery>): Promise<void> {
    const source = this.source;
    if (!source) return;
    const runs = ids.map((id) => source.runs.find((r) => r.id === id)).filter((r): r is ResultsRun => r !== undefined);
    if (runs.length === 0) return;
    for (const run of runs) if (!this.loaded.has(run.id)) this.loaded.set(run.id, await readPredictions(run.predictionsFile));
    const parsed = runs.map((r) => this.loaded.get(r.id)!);
    if (this.texts.size === 0) {
      this.texts = await source.readTexts(new Set(parsed[0].outcomes.map((o) => o.index)));
    }
    this.rows = joinRuns(parsed, this.texts, runs.map((r) => r.name));
    this.task = parsed[0].task;
    this.shown = runs;
    this.query = { ...(runs.length > 1 ? DEFAULT_COMPARE_QUERY : DEFAULT_RESULTS_QUERY), ...query };
    this.publish();
  }

  setQuery(query: ResultsQuery): void {
    if (!this.source) return;
    this.query = query;
    this.publish();
  }

  private publish(): void {
    const source = this.source;
    if (!source) return;
    const page = queryResults(this.rows, this.query);
    const state: ResultsViewState = {
      title: source.title,
      task: this.task,
      runs: this.shown.map((r) => r.name),
      query: { ...this.query, page: page.page },
      total: page.total,
      matching: page.matching,
      page: page.page,
      pages: page.pages,
      correct: page.correct,
      rows: page.rows.map((row) => ({
        index: row.index,
        text: row.text,
        gold: row.gold,
        cells: row.outcomes.map(cellView),
        ...(row.outcomes.length > 1 ? { disagree: disagrees(row) } : {}),
      })),
      source: [...new Set(this.shown.map((r) => path.dirname(r.predictionsFile)))].join(', '),
      ...(source.runs.length > 1 ? { choices: source.runs.map((r) => ({ id: r.id, name: r.name })), shown: this.shown.map((r) => r.id) } : {}),
      ...(source.note ? { note: source.note } : {}),
    };
    this.store.update({ results: state });
  }
}

function cellView(outcome: RowOutcome): ResultsCellView {
  const detail = outcome.confidence !== undefined
    ? Object.entries(outcome.scores).map(([label, p]) => `${label} ${p.toFixed(2)}`).join(' · ')
    : [['exact', 'EM'], ['contains', 'contains'], ['f1', 'F1'], ['rougeL', 'ROUGE-L']]
      .filter(([key]) => outcome.scores[key] !== undefined).map(([key, name]) => `${name} ${outcome.scores[key].toFixed(2)}`).join(' · ');
  return { predicted: outcome.predicted, correct: outcome.correct, ...(outcome.confidence !== undefined ? { confidence: outcome.confidence } : {}), detail };
}
