/** The dataset grid's query: sort, search, label filter, page. No imports: the webview bundle uses it too. */

/** The sort that keeps the file's order (the row number column). */
export const ROW_ORDER = '#';

export interface DatasetQuery {
  /** A column name, or ROW_ORDER. */
  sort: string;
  descending: boolean;
  /** Rows whose text (any column) contains this, ignoring case; '' for all. */
  search: string;
  /** Only rows with this label (the label column's text); absent for all. */
  label?: string;
  /** 0-based. */
  page: number;
}

export const DEFAULT_DATASET_QUERY: DatasetQuery = { sort: ROW_ORDER, descending: false, search: '', page: 0 };

/** Rows per page: only a page of rows ever crosses to the webview. */
export const DATASET_PAGE_SIZE = 200;

export const DATASET_QUERY_LIMITS = {
  /** Characters of a search query. */
  search: 500,
  /** Characters of a column name or label. */
  name: 1000,
} as const;
