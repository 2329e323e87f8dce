/** Datasets: streaming JSONL / JSON / CSV / TSV reading, sampling, splits and content hashes. */
export type { Dataset, DatasetFormat, ReadOptions, Row, SkippedRow } from './types';
export { readDataset, countRows, sampleRows, describeSkipped } from './read';
export { splitRows, type SplitRatios, type Splits } from './split';
export { rowsHash, canonicalRowJson } from './hash';
export { resolveFormat, DATASET_FORMATS } from './formats';
export { createRng, shuffled, randomInt, type Rng } from './random';
