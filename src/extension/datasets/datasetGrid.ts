/**
 * The dataset grid's host side: indexes one dataset file (streaming, with progress, cancellable), answers the
 * webview's sort / search / label / page queries one page at a time, and indexes the file again when it
 * changes on disk. Only a page of rows is ever in the UI store.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeSummary } from '../../data/summary';
import { errorMessage } from '../jobs';
import { DATASET_CELL_CHARS, type DatasetViewState } from '../views/protocol';
import type { UiStore } from '../views/uiStore';
import { DatasetIndex, ScanCancelled, StaleIndexError } from './datasetIndex';
import { DatasetQueryEngine, type DatasetPage } from './datasetQuery';
import { DEFAULT_DATASET_QUERY, type DatasetQuery } from './gridQuery';

/** What the grid shows: a file, and how to read its label. */
export interface DatasetSource {
  file: string;
  /** The file as the views name it. */
  displayName: string;
  /** The label column's name in the file (a prompt's); default: guessed from the column names. */
  labelColumn?: string;
  labelNames?: readonly string[];
  /** e.g. "the dev dataset of sst2.prompt". */
  origin?: string;
}

/** A file change re-indexes after this quiet time (a save may write in several steps). */
const REINDEX_DELAY_MS = 300;
/** Progress is published at most this often. */
const PROGRESS_INTERVAL_MS = 150;

export class DatasetGrid implements vscode.Disposable {
  private source: DatasetSource | undefined;
  private engine: DatasetQueryEngine | undefined;
  private query: DatasetQuery = DEFAULT_DATASET_QUERY;
  private view: DatasetViewState | undefined;
  private indexing: AbortController | undefined;
  private querying: AbortController | undefined;
  private watcher: vscode.Disposable | undefined;
  private reindexTimer: NodeJS.Timeout | undefined;
  private lastProgress = 0;

  constructor(
    private readonly store: UiStore,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  get current(): DatasetSource | undefined {
    return this.source;
  }

  /** Shows `source` (indexing it; a grid already open stops), with the default query. */
  async open(source: DatasetSource): Promise<void> {
    this.close();
    this.source = source;
    this.query = DEFAULT_DATASET_QUERY;
    this.watch(source.file);
    await this.reindex();
  }

  /** A new query from the webview; one still scanning the file is stopped. */
  async setQuery(query: DatasetQuery): Promise<void> {
    if (!this.source) return;
    this.query = query;
    if (this.engine) await this.refresh();
  }

  /** Stops any indexing or query, stops watching and empties the view (the Studio closed, or Close). */
  close(): void {
    this.indexing?.abort();
    this.querying?.abort();
    this.indexing = this.querying = undefined;
    this.watcher?.dispose();
    this.watcher = undefined;
    clearTimeout(this.reindexTimer);
    this.source = undefined;
    this.engine = undefined;
    this.view = undefined;
    if (this.store.state.dataset) this.store.update({ dataset: undefined });
  }

  dispose(): void {
    this.close();
  }

  private watch(file: string): void {
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(file)), path.basename(file)));
    const changed = () => {
      clearTimeout(this.reindexTimer);
      this.reindexTimer = setTimeout(() => void this.reindex(), REINDEX_DELAY_MS);
    };
    this.watcher = vscode.Disposable.from(watcher, watcher.onDidChange(changed), watcher.onDidCreate(changed), watcher.onDidDelete(changed));
  }

  /** Indexes the file (again), keeping the query; then shows its page. */
  private async reindex(): Promise<void> {
    const source = this.source;
    if (!source) return;
    this.indexing?.abort();
    this.querying?.abort();
    const controller = (this.indexing = new AbortController());
    this.engine = undefined;
    this.publish({ status: 'indexing', progress: 0, message: vscode.l10n.t('Reading {0}…', path.basename(source.file)) });
    const started = Date.now();
    let index: DatasetIndex;
    try {
      index = await DatasetIndex.build(source.file, {
        labelColumn: source.labelColumn,
        labelNames: source.labelNames,
        signal: controller.signal,
        onProgress: ({ bytes, size, rows }) => this.progress(() => ({
          status: 'indexing', progress: size > 0 ? Math.min(1, bytes / size) : 1,
          message: vscode.l10n.t('Reading {0}… {1} rows', path.basename(source.file), rows.toLocaleString('en-US')),
        })),
      });
    } catch (error) {
      if (controller.signal.aborted || error instanceof ScanCancelled) return;
      this.output.warn(`dataset grid: ${errorMessage(error)}`);
      this.publish({ status: 'failed', message: errorMessage(error), columns: [], labels: [], summary: '', rows: [], total: 0, matching: 0, page: 0, pages: 1 });
      return;
    }
    if (controller.signal.aborted || this.source !== source) return;
    this.indexing = undefined;
    this.output.info(`dataset grid: indexed ${source.file} (${index.rows} rows, ${index.size} bytes) in ${Date.now() - started} ms`);
    this.engine = new DatasetQueryEngine(index);
    const labels = index.labels();
    // A label filter whose label is gone, or a sort column that is gone, falls back to all rows / file order.
    this.query = {
      ...this.query,
      ...(this.query.label !== undefined && !index.labelValues.includes(this.query.label) ? { label: undefined } : {}),
      ...(!index.columns.includes(this.query.sort) ? { sort: DEFAULT_DATASET_QUERY.sort } : {}),
    };
    if (this.query.label === undefined) delete this.query.label;
    const note = [index.unreadableNote(), index.moreColumns ? `Only the first ${index.columns.length} columns are shown.` : undefined].filter(Boolean).join(' ');
    this.view = {
      file: source.displayName,
      ...(source.origin ? { origin: source.origin } : {}),
      status: 'querying',
      columns: [...index.columns],
      ...(index.labelColumn !== undefined ? { labelColumn: index.labelColumn } : {}),
      labels,
      summary: describeSummary(index.summary()),
      ...(note ? { note } : {}),
      query: this.query,
      total: index.rows,
      matching: index.rows,
      page: 0,
      pages: 1,
      rows: [],
    };
    await this.refresh();
  }

  /** Runs the current query and shows its page; a newer query or index stops this one. */
  private async refresh(): Promise<void> {
    const engine = this.engine;
    if (!engine) return;
    this.querying?.abort();
    const controller = (this.querying = new AbortController());
    const query = this.query;
    this.publish({ status: 'querying', query, message: undefined, progress: undefined });
    let page: DatasetPage;
    try {
      page = await engine.run(query, {
        signal: controller.signal,
        onProgress: (step, fraction) => this.progress(() => ({ status: 'querying', progress: Math.min(1, fraction), message: step === 'sorting' ? vscode.l10n.t('Sorting…') : vscode.l10n.t('Searching…') })),
      });
    } catch (error) {
      if (controller.signal.aborted || error instanceof ScanCancelled) return;
      if (error instanceof StaleIndexError) {
        void this.reindex();
        return;
      }
      this.publish({ status: 'failed', message: errorMessage(error) });
      return;
    }
    if (controller.signal.aborted || this.engine !== engine) return;
    this.querying = undefined;
    const columns = engine.index.columns;
    this.publish({
      status: 'ready', progress: undefined, message: undefined,
      query: { ...query, page: page.page },
      total: page.total, matching: page.matching, page: page.page, pages: page.pages,
      rows: page.rows.map(({ id, line, row }) => ({ row: id + 1, line, cells: columns.map((c) => cut(row[c] ?? '')) })),
    });
  }

  /** Progress, published at most every PROGRESS_INTERVAL_MS. */
  private progress(patch: () => Partial<DatasetViewState>): void {
    const now = Date.now();
    if (now - this.lastProgress < PROGRESS_INTERVAL_MS) return;
    this.lastProgress = now;
    this.publish(patch());
  }

  private publish(patch: Partial<DatasetViewState>): void {
    const source = this.source;
    if (!source) return;
    const base: DatasetViewState = this.view ?? {
      file: source.displayName, ...(source.origin ? { origin: source.origin } : {}), status: 'indexing', columns: [], labels: [], summary: '',
      query: this.query, total: 0, matching: 0, page: 0, pages: 1, rows: [],
    };
    const next = { ...base, ...patch };
    for (const key of Object.keys(next) as (keyof DatasetViewState)[]) if (next[key] === undefined) delete next[key];
    // Indexing (again) or failing to index starts from nothing; a failed query keeps the columns and rows shown.
    if (patch.status === 'indexing' || (patch.status === 'failed' && !this.engine)) this.view = undefined;
    else this.view = next;
    this.store.update({ dataset: next });
  }
}

function cut(text: string): string {
  return text.length > DATASET_CELL_CHARS ? `${text.slice(0, DATASET_CELL_CHARS)}…` : text;
}
