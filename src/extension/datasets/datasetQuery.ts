/**
 * Sort, filter and page a DatasetIndex. Sorting by the row order or the label uses the index alone; sorting by
 * another column re-scans the file once and keeps only the resulting order (4 bytes a row); a search re-scans
 * it and keeps one byte a row. The last sort, search and filtered list are cached, so paging reads just the
 * page's rows. No vscode import.
 */
import type { Row } from '../../data/types';
import { DatasetIndex, NO_LABEL, OTHER_LABEL, type ScanOptions } from './datasetIndex';
import { DATASET_PAGE_SIZE, ROW_ORDER, type DatasetQuery } from './gridQuery';

/** Characters of a value compared when sorting by a column (longer values that agree this far keep file order). */
export const SORT_KEY_CHARS = 64;

export interface DatasetPageRow {
  /** 0-based row id (file order among readable rows). */
  id: number;
  /** 1-based line where the row starts. */
  line: number;
  row: Row;
}

export interface DatasetPage {
  total: number;
  matching: number;
  /** 0-based, clamped to the pages there are. */
  page: number;
  pages: number;
  rows: DatasetPageRow[];
}

/** Rows in sort order; rows without the column (or label) come last either way. */
interface SortOrder {
  column: string;
  ids: Uint32Array;
  /** ids[0, present) have the column; the rest do not. */
  present: number;
}

export type QueryStep = 'sorting' | 'searching';

export interface QueryOptions {
  signal?: AbortSignal;
  /** A re-scan's progress (0..1) and what it is for. */
  onProgress?: (step: QueryStep, fraction: number) => void;
}

export class DatasetQueryEngine {
  private sorted: SortOrder | undefined;
  private searched: { search: string; matches: Uint8Array } | undefined;
  private listed: { key: string; ids: Uint32Array } | undefined;
  private readonly collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

  constructor(readonly index: DatasetIndex) {}

  async run(query: DatasetQuery, options: QueryOptions = {}): Promise<DatasetPage> {
    const ids = await this.list(query, options);
    const pages = Math.max(1, Math.ceil(ids.length / DATASET_PAGE_SIZE));
    const page = Math.min(Math.max(0, query.page), pages - 1);
    const shown = Array.from(ids.subarray(page * DATASET_PAGE_SIZE, (page + 1) * DATASET_PAGE_SIZE));
    const rows = await this.index.readRows(shown);
    return {
      total: this.index.rows,
      matching: ids.length,
      page,
      pages,
      rows: shown.map((id, k) => ({ id, line: this.index.line(id), row: rows[k] })),
    };
  }

  /** The ids of the rows the query keeps, in its order (cached while only the page changes). */
  private async list(query: DatasetQuery, options: QueryOptions): Promise<Uint32Array> {
    const key = JSON.stringify([query.sort, query.descending, query.search, query.label ?? null]);
    if (this.listed?.key === key) return this.listed.ids;
    const order = await this.order(query.sort, options);
    const matches = query.search.trim() === '' ? undefined : await this.search(query.search, options);
    const labelId = query.label === undefined ? undefined : this.index.labelValues.indexOf(query.label);
    const keep = (id: number) => (labelId === undefined || this.index.labelId(id) === labelId) && (!matches || matches[id] === 1);
    const n = this.index.rows;
    const out = new Uint32Array(n);
    let count = 0;
    const take = (id: number) => {
      if (keep(id)) out[count++] = id;
    };
    if (!order) {
      if (query.descending) for (let id = n - 1; id >= 0; id--) take(id);
      else for (let id = 0; id < n; id++) take(id);
    } else {
      if (query.descending) for (let k = order.present - 1; k >= 0; k--) take(order.ids[k]);
      else for (let k = 0; k < order.present; k++) take(order.ids[k]);
      for (let k = order.present; k < n; k++) take(order.ids[k]);
    }
    const ids = out.slice(0, count);
    this.listed = { key, ids };
    return ids;
  }

  /** undefined: file order. */
  private async order(column: string, options: QueryOptions): Promise<SortOrder | undefined> {
    if (column === ROW_ORDER || (!this.index.columns.includes(column))) return undefined;
    if (this.sorted?.column === column) return this.sorted;
    this.sorted = column === this.index.labelColumn && this.index.otherLabels === 0 ? this.labelOrder(column) : await this.columnOrder(column, options);
    return this.sorted;
  }

  /** By label text, from the index alone. */
  private labelOrder(column: string): SortOrder {
    const values = this.index.labelValues;
    const rank = new Int32Array(values.length);
    values.map((_, id) => id).sort((a, b) => this.collator.compare(values[a], values[b]) || a - b).forEach((id, r) => (rank[id] = r));
    const n = this.index.rows;
    const ids = new Uint32Array(n);
    for (let id = 0; id < n; id++) ids[id] = id;
    const labelOf = (id: number) => this.index.labelId(id);
    ids.sort((a, b) => {
      const la = labelOf(a);
      const lb = labelOf(b);
      const missingA = la === NO_LABEL || la === OTHER_LABEL;
      const missingB = lb === NO_LABEL || lb === OTHER_LABEL;
      if (missingA || missingB) return missingA === missingB ? a - b : missingA ? 1 : -1;
      return rank[la] - rank[lb] || a - b;
    });
    let present = 0;
    while (present < n && this.index.labelId(ids[present]) >= 0) present++;
    return { column, ids, present };
  }

  /** By a column's values (numbers when every value is one), read in one streamed re-scan. */
  private async columnOrder(column: string, options: QueryOptions): Promise<SortOrder> {
    const n = this.index.rows;
    const keys: (string | undefined)[] = new Array(n);
    const numbers = new Float64Array(n);
    let numeric = true;
    await this.index.scan((id, row) => {
      const value = row[column];
      if (value === undefined) return;
      keys[id] = value.length > SORT_KEY_CHARS ? value.slice(0, SORT_KEY_CHARS) : value;
      if (numeric) {
        const x = value.trim() === '' ? NaN : Number(value);
        if (Number.isFinite(x)) numbers[id] = x;
        else numeric = false;
      }
    }, scanProgress('sorting', options));
    const ids = new Uint32Array(n);
    let present = 0;
    let absent = n;
    for (let id = 0; id < n; id++) {
      if (keys[id] === undefined) ids[--absent] = id;
      else ids[present++] = id;
    }
    const head = ids.subarray(0, present);
    head.sort(numeric ? (a, b) => numbers[a] - numbers[b] || a - b : (a, b) => this.collator.compare(keys[a]!, keys[b]!) || a - b);
    ids.subarray(present).reverse();
    return { column, ids, present };
  }

  /** Rows whose text (any column) contains `search`, ignoring case. */
  private async search(search: string, options: QueryOptions): Promise<Uint8Array> {
    if (this.searched?.search === search) return this.searched.matches;
    const needle = search.toLowerCase();
    const matches = new Uint8Array(this.index.rows);
    await this.index.scan((id, row) => {
      for (const key in row) {
        if (row[key].toLowerCase().includes(needle)) {
          matches[id] = 1;
          return;
        }
      }
    }, scanProgress('searching', options));
    this.searched = { search, matches };
    return matches;
  }
}

function scanProgress(step: QueryStep, options: QueryOptions): Pick<ScanOptions, 'signal' | 'onProgress'> {
  return { signal: options.signal, onProgress: options.onProgress ? (bytes, size) => options.onProgress!(step, size > 0 ? bytes / size : 1) : undefined };
}
