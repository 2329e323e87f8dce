/** One dataset row: column name -> text. Integer labels are already mapped through `labelNames`. */
export type Row = Record<string, string>;

export type DatasetFormat = 'jsonl' | 'json' | 'csv' | 'tsv';

export interface ReadOptions {
  /** Default: from the file extension (.jsonl/.ndjson, .json, .csv, .tsv/.tab). */
  format?: DatasetFormat;
  /**
   * Column mapping: name used by the prompt -> name in the file, e.g. `{ text: 'sentence' }`.
   * Columns not mentioned keep their names.
   */
  columns?: Record<string, string>;
  /** Integer labels `i` (JSON numbers or digit strings) become `labelNames[i]`. */
  labelNames?: string[];
  /** Columns every row must have (after mapping). With `labelColumn`, rows keep only these columns. */
  textColumns?: string[];
  /** The label (or target) column every row must have (after mapping). */
  labelColumn?: string;
  /** Skip bad rows and report them instead of stopping at the first one. */
  skipInvalid?: boolean;
  /** Keep a seeded random sample of at most this many valid rows (in file order). */
  limit?: number;
  /** Seed for `limit` sampling; default 0. */
  seed?: number;
  /**
   * Read only the first this many records (valid or skipped) and stop: the rest of the file is never read
   * (previews of files of any size). Not combined with `limit`.
   */
  head?: number;
}

export interface SkippedRow {
  /** 1-based line where the bad row starts. */
  line: number;
  message: string;
}

export interface Dataset {
  /** The path as given by the caller. */
  file: string;
  format: DatasetFormat;
  rows: Row[];
  /** `lines[i]` is the 1-based line where `rows[i]` starts in the file. */
  lines: number[];
  /** sha256 (hex) of the canonical JSON of exactly `rows`; see `rowsHash`. */
  hash: string;
  skipped: SkippedRow[];
  /** Valid rows in the file before `limit` sampling (with `head`: the rows read). */
  validRows: number;
  /** True when the read stopped at `head` records (the file may hold more). */
  partial?: boolean;
  /** Columns present in the rows (union, sorted). */
  columns: string[];
}
