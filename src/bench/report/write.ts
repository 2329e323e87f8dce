import * as path from 'path';
import * as fs from 'fs';
import { writeFileAtomic } from '../../common/atomic-write';
import { UserError } from '../../engine/errors';
import { DEFAULT_CACHE_FOLDER } from '../cache';
import { renderHtml } from './html';
import { renderMarkdown } from './markdown';
import type { BenchReport } from './schema';

export interface ReportFiles {
  json: string;
  markdown: string;
  html: string;
}

export const REPORT_FILES = { json: 'report.json', markdown: 'report.md', html: 'report.html' } as const;
/** Everything a benchmark writes in its folder (see runBenchmark), and nothing else. */
export const BENCH_OUTPUT_ENTRIES: readonly string[] = [...Object.values(REPORT_FILES), 'predictions', 'adapters', DEFAULT_CACHE_FOLDER];

/** True when `file` is a report.json that ptune bench wrote. */
export function isBenchReportFile(file: string): boolean {
  try {
    const report = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    return typeof report.schemaVersion === 'number' && typeof report.engineVersion === 'string' && Array.isArray(report.prompts);
  } catch {
    return false;
  }
}

/**
 * Checks a report folder before any model work: it may be new, empty, or a folder a benchmark wrote (its
 * report.json is ptune's, or it holds only what a benchmark writes); anything else is refused, since the
 * report files, predictions and tuned adapters are replaced in it.
 */
export function checkReportFolder(outDir: string, flag = '--out'): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(outDir);
  } catch {
    return;
  }
  if (!stat.isDirectory()) throw new UserError(`${flag} ${outDir} is a file, not a folder; choose a folder for the report`);
  const entries = fs.readdirSync(outDir);
  const json = path.join(outDir, REPORT_FILES.json);
  if (entries.includes(REPORT_FILES.json) ? isBenchReportFile(json) : entries.every((e) => BENCH_OUTPUT_ENTRIES.includes(e))) return;
  const foreign = entries.includes(REPORT_FILES.json) ? REPORT_FILES.json : entries.find((e) => !BENCH_OUTPUT_ENTRIES.includes(e));
  throw new UserError(`${flag} ${outDir} is not a benchmark report folder (it holds ${foreign}, which ptune bench did not write); choose a new or empty folder, or an earlier report folder`);
}

/** report.json, report.md and report.html in `outDir`, each written atomically. */
export function writeReports(outDir: string, report: BenchReport): ReportFiles {
  const files = {
    json: path.join(outDir, REPORT_FILES.json),
    markdown: path.join(outDir, REPORT_FILES.markdown),
    html: path.join(outDir, REPORT_FILES.html),
  };
  writeFileAtomic(files.json, JSON.stringify(report, null, 2) + '\n');
  writeFileAtomic(files.markdown, renderMarkdown(report));
  writeFileAtomic(files.html, renderHtml(report));
  return files;
}
