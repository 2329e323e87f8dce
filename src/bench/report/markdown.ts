/**
 * report.md: the benchmark as GitHub-flavoured Markdown tables. Everything taken from data (prompt names,
 * labels, paths, projected text) is escaped so it shows literally, never as Markdown or HTML.
 */
import * as format from './format';
import type { BenchReport } from './schema';
import { perClassTable, resultsTable, type TableModel } from './table';

export function renderMarkdown(report: BenchReport): string {
  const out: string[] = [];
  out.push(`# Prompt benchmark: ${inline(report.model.nameOrPath)}`, '');
  out.push(...overview(report), '');
  out.push('## Results', '');
  const results = resultsTable(report);
  out.push(...markdownTable(results), '');
  for (const note of results.notes) out.push(inline(note), '');
  const projections = report.prompts.filter((p) => p.kind === 'projection' && p.projection);
  if (projections.length > 0) {
    out.push('## Projected soft prompts', '');
    out.push('Each soft prompt mapped to its nearest vocabulary tokens and evaluated as a hard prompt.', '');
    out.push(format.PROJECTION_GAP_NOTE, '');
    const gaps = format.projectionGaps(report);
    for (const p of projections) {
      const gap = gaps.find((g) => g.projection.id === p.id);
      out.push(`**${inline(p.name)}** (from ${inline(nameOf(report, p.projection!.fromPromptId))})${gap ? `: ${format.projectionGapText(gap, report)}` : ''}:`, '');
      out.push(...fenced(p.projection!.text), '');
    }
  }
  if (report.task === 'generation') {
    out.push(...generationSamples(report));
    return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
  }
  out.push('## Per-class metrics', '');
  for (const p of report.prompts) {
    out.push(`### ${inline(p.name)}`, '');
    out.push(...markdownTable(perClassTable(p.metrics!.perClass)), '');
  }
  out.push('## Confusion matrices', '');
  out.push('Rows: gold label; columns: predicted label.', '');
  for (const p of report.prompts) {
    out.push(`### ${inline(p.name)}`, '');
    const labels = p.metrics!.labels.map(inline);
    out.push(...table(
      ['gold \\\\ predicted', ...labels],
      ['left', ...labels.map(() => 'right' as const)],
      p.metrics!.confusion.map((row, g) => [`**${labels[g]}**`, ...row.map(format.integer)]),
    ), '');
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

function overview(report: BenchReport): string[] {
  const lines = [
    `- Model: ${inline(report.model.nameOrPath)} (${inline(report.model.dir)}), files sha256 ${code(report.model.filesHash.slice(0, 16))}`,
    `- Evaluation data: ${inline(report.dataset.file)}: ${format.integer(report.dataset.n)} rows${report.dataset.skipped ? `, ${format.integer(report.dataset.skipped)} skipped` : ''} (sha256 ${code(report.dataset.hash.slice(0, 16))})`,
  ];
  if (report.trainDataset) {
    const t = report.trainDataset;
    lines.push(`- Tuning data: ${inline(t.file)}: ${format.integer(t.n)} rows${t.skipped ? `, ${format.integer(t.skipped)} skipped` : ''} (sha256 ${code(t.hash.slice(0, 16))})`);
  }
  lines.push(`- Engine ${inline(report.engineVersion)}, report schema ${report.schemaVersion}, written ${inline(report.createdAt)}`);
  lines.push(`- Command: ${code(report.command)}`);
  return lines;
}

/** A table model (./table.ts) as GFM: text from data escaped as inline Markdown, the figures as they are (only a `|` would break them). */
export function markdownTable(model: TableModel): string[] {
  const cell = (text: string, freeText: boolean | undefined) => (freeText ? inline(text) : tableSafe(text));
  return table(
    model.columns.map((c) => tableSafe(c.header)),
    model.columns.map((c) => c.align),
    model.rows.map((r) => r.cells.map((c, k) => cell(c.text, model.columns[k].freeText))),
  );
}

/** The first rows' gold answers and every prompt's output, one table per row. */
function generationSamples(report: BenchReport): string[] {
  const rows = Math.max(0, ...report.prompts.map((p) => p.samples?.length ?? 0));
  if (rows === 0) return [];
  const out = ['## Outputs', '', `The first ${rows} rows (every row is in each prompt's predictions file). Scores: exact match, contains, token F1, ROUGE-L.`, ''];
  for (let r = 0; r < rows; r++) {
    const target = report.prompts.find((p) => p.samples?.[r])?.samples![r].target ?? '';
    out.push(`### Row ${r + 1}`, '', `Gold: ${inline(target)}`, '');
    out.push(...table(
      ['Prompt', 'Output', 'EM', 'Contains', 'F1', 'ROUGE-L'],
      ['left', 'left', 'right', 'right', 'right', 'right'],
      report.prompts.filter((p) => p.samples?.[r]).map((p) => {
        const s = p.samples![r];
        return [inline(p.name), inline(s.output), format.integer(s.exact), format.integer(s.contains), format.fixed(s.f1), format.fixed(s.rougeL)];
      }),
    ), '');
  }
  return out;
}

function nameOf(report: BenchReport, id: string): string {
  return report.prompts.find((p) => p.id === id)?.name ?? id;
}

type Align = 'left' | 'right';

/** A GFM table; cells must already be escaped. */
export function table(header: string[], align: Align[], rows: string[][]): string[] {
  const rule = align.map((a) => (a === 'right' ? '---:' : ':---'));
  return [header, rule, ...rows].map((cells) => `| ${cells.join(' | ')} |`);
}

/** Keeps text the renderer wrote itself (figures, headers) from breaking a table row or being read as HTML. */
function tableSafe(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r\n|\r|\n/g, ' ');
}

/**
 * Escapes text for inline Markdown (including table cells): backslash-escapes Markdown punctuation, writes
 * `&`, `<`, `>` as entities so no HTML is interpreted, and turns line breaks into spaces.
 */
export function inline(text: string): string {
  return text
    .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r\n|\r|\n/g, ' ');
}

/** Inline code that shows `text` literally whatever backticks it holds. */
export function code(text: string): string {
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const padded = /^`|`$/.test(text) || /^ .* $/.test(text) ? ` ${text} ` : text;
  return `${fence}${padded.replace(/\r\n|\r|\n/g, ' ')}${fence}`;
}

/** A fenced block showing `text` verbatim, fenced with more backticks than any run inside it. */
export function fenced(text: string): string[] {
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return [`${fence}text`, text, fence];
}
