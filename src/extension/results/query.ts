/** The results grid's query: sort, filter, page. No imports: the webview bundle uses it too. */
export const RESULT_FILTERS = ['all', 'errors', 'disagreements'] as const;
export type ResultFilter = (typeof RESULT_FILTERS)[number];
export const RESULT_SORTS = ['index', 'gold', 'predicted', 'confidence', 'correct', 'disagreement'] as const;
export type ResultSort = (typeof RESULT_SORTS)[number];

export interface ResultsQuery {
  sort: ResultSort;
  descending: boolean;
  filter: ResultFilter;
  /** 0-based. */
  page: number;
}

export const DEFAULT_RESULTS_QUERY: ResultsQuery = { sort: 'index', descending: false, filter: 'all', page: 0 };
/** A comparison opens with the disagreements first. */
export const DEFAULT_COMPARE_QUERY: ResultsQuery = { sort: 'disagreement', descending: false, filter: 'all', page: 0 };

