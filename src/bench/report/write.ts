import * as path from 'path';
import { writeFileAtomic } from '../../common/atomic-write';
import { renderHtml } from './html';
import { renderMarkdown } from './markdown';
import type { BenchReport } from './schema';

export interface ReportFiles {
  json: string;
  markdown: string;
  html: string;
}

/** report.json, report.md and report.html in `outDir`, each written atomically. */
export function writeReports(outDir: string, report: BenchReport): ReportFiles {
  const files = {
    json: path.join(outDir, 'report.json'),
    markdown: path.join(outDir, 'report.md'),
    html: path.join(outDir, 'report.html'),
  };
  writeFileAtomic(files.json, JSON.stringify(report, null, 2) + '\n');
  writeFileAtomic(files.markdown, renderMarkdown(report));
  writeFileAtomic(files.html, renderHtml(report));
  return files;
}
