import * as path from 'node:path';
import { UserError } from '../engine/errors';
import type { DatasetFormat } from './types';

const BY_EXTENSION: Record<string, DatasetFormat> = {
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'json',
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
};

export const DATASET_FORMATS: readonly DatasetFormat[] = ['jsonl', 'json', 'csv', 'tsv'];

/** The format named by `format`, else the one the file extension implies. */
export function resolveFormat(file: string, format?: string): DatasetFormat {
  if (format !== undefined) {
    if ((DATASET_FORMATS as readonly string[]).includes(format)) return format as DatasetFormat;
    throw new UserError(`unknown dataset format "${format}" (use one of: ${DATASET_FORMATS.join(', ')})`);
  }
  const found = BY_EXTENSION[path.extname(file).toLowerCase()];
  if (found === undefined) {
    throw new UserError(
      `${file}: cannot tell the dataset format from the extension "${path.extname(file)}"; ` +
        'the file name must end in .jsonl (or .ndjson), .json, .csv or .tsv (or .tab): rename it, or save a copy with one of those endings',
      file,
    );
  }
  return found;
}
