/**
 * The tables of a benchmark, defined once as models: the results table (its metric columns chosen by the
 * report's task, from the one metric list in src/eval/metrics.ts; one row per prompt; the notes under it) and the
 * per-label table. report.md, report.html, the Studio's Benchmark view and the CLI (`ptune bench`; `ptune eval`
 * for the per-label table) all render these models, so a new metric or column is added here and shows in all
 * four. No node imports: the webview bundle imports this module.
 */
import { GENERATION_METRICS, type PerClassMetrics } from '../../eval/metrics';
import * as format from './format';
import type { BenchReport, PromptKind, PromptResult } from './schema';

export type Align = 'left' | 'right';

export interface TableColumn {
  id: string;
  header: string;
  align: Align;
  /** What the column means (a tooltip where the rendering has one). */
  title?: string;
  /** Cells hold text from the report's data (prompt names): a rendering that interprets markup escapes them as such. */
  freeText?: boolean;
  /** A narrow rendering (a terminal) may leave the column out; the report files always have it. */
  secondary?: boolean;
}

export interface TableCell {
  text: string;
  /** The best value of its metric column, when two or more prompts are compared (ties are all best). */
  best?: boolean;
}

export interface TableRow {
  /** What the row is about: a prompt's id (results), a label (per-label table). */
  id: string;
  /** The prompt's kind (results table), shown as a badge where the rendering has them. */
  kind?: PromptKind;
  /** In `columns` order. */
  cells: TableCell[];
}

export interface TableModel {
  columns: TableColumn[];
  rows: TableRow[];
  /** Plain-text sentences under the table (results: seed aggregates, the best soft vs best hard comparison, truncation). */
  notes: string[];
}

interface ColumnSpec<T = PromptResult> extends TableColumn {
  cell(item: T): string;
  /** Metric columns: the figure whose best value is marked, and which way is better. */
  rank?: { value(item: T): number; better: 'higher' | 'lower' };
}

const PROMPT_COLUMNS: readonly ColumnSpec[] = [
  { id: 'prompt', header: 'Prompt', align: 'left', freeText: true, cell: (p) => p.name },
  {
    id: 'kind', header: 'Kind', align: 'left',
    title: "hard: a prompt file; soft: a soft prompt; projection: a soft prompt's nearest vocabulary tokens used as a hard prompt",
    cell: (p) => p.kind,
  },
];

const CLASSIFICATION_COLUMNS: readonly ColumnSpec[] = [
  {
    id: 'accuracy', header: 'Accuracy [95% CI]', align: 'right', title: 'Share of rows predicted right, with its 95% percentile-bootstrap interval',
    cell: format.accuracyWithCI, rank: { value: (p) => p.metrics!.accuracy, better: 'higher' },
  },
  {
    id: 'macroF1', header: 'Macro-F1', align: 'right', title: 'Unweighted mean of the per-label F1 scores',
    cell: (p) => format.fixed(p.metrics!.macroF1), rank: { value: (p) => p.metrics!.macroF1, better: 'higher' },
  },
  {
    id: 'ece', header: 'ECE', align: 'right', title: 'Expected calibration error over 15 confidence bins (lower is better)',
    cell: (p) => format.fixed(p.metrics!.ece), rank: { value: (p) => p.metrics!.ece, better: 'lower' },
  },
];

const GENERATION_COLUMNS: readonly ColumnSpec[] = GENERATION_METRICS.map((m) => ({
  id: m.id, header: `${m.name} [95% CI]`, align: 'right' as const, title: `Mean ${m.name} over the rows, with its 95% percentile-bootstrap interval`,
  cell: (p: PromptResult) => format.withCI(p.generation![m.id]), rank: { value: (p: PromptResult) => p.generation![m.id].value, better: 'higher' as const },
}));

/** What each prompt costs: its length, what was trained, how long, how fast it runs. */
const COST_COLUMNS: readonly ColumnSpec[] = [
  { id: 'length', header: 'Length', align: 'right', secondary: true, title: 'Tokens of the template without the input (hard prompts), virtual tokens (soft prompts)', cell: format.promptLength },
  { id: 'trainableParams', header: 'Trainable params', align: 'right', secondary: true, title: 'Parameters trained: virtual tokens × hidden size for soft prompts, 0 for hard prompts', cell: (p) => format.integer(p.trainableParams) },
  { id: 'tuningTime', header: 'Tuning time', align: 'right', title: 'Time spent training the soft prompt (— when it was loaded, and for hard prompts)', cell: (p) => format.seconds(p.tuningSeconds) },
  { id: 'throughput', header: 'ex/s', align: 'right', title: 'Examples per second over the whole dataset, batched', cell: (p) => format.throughput(p.examplesPerSecond) },
  { id: 'latency', header: 'p50 / p95 latency', align: 'right', secondary: true, title: 'Per-example latency one at a time, over a fixed sample of rows', cell: format.latency },
];

/** The results table of a report: the prompt, its task's metrics with their intervals, its costs. */
export function resultsTable(report: BenchReport): TableModel {
  const specs = [...PROMPT_COLUMNS, ...(report.task === 'generation' ? GENERATION_COLUMNS : CLASSIFICATION_COLUMNS), ...COST_COLUMNS];
  return build(specs, report.prompts, (p) => ({ id: p.id, kind: p.kind }), resultsNotes(report));
}

const PER_CLASS_COLUMNS: readonly ColumnSpec<PerClassMetrics>[] = [
  { id: 'label', header: 'Label', align: 'left', freeText: true, cell: (c) => c.label },
  { id: 'precision', header: 'Precision', align: 'right', title: 'Share of the rows predicted as this label that have it', cell: (c) => format.fixed(c.precision) },
  { id: 'recall', header: 'Recall', align: 'right', title: 'Share of the rows with this label predicted as it', cell: (c) => format.fixed(c.recall) },
  { id: 'f1', header: 'F1', align: 'right', title: 'Harmonic mean of precision and recall', cell: (c) => format.fixed(c.f1) },
  { id: 'support', header: 'Support', align: 'right', title: 'Rows with this label', cell: (c) => format.integer(c.support) },
];

/** One prompt's per-label precision, recall, F1 and support (a benchmark's prompt, or `ptune eval`'s). */
export function perClassTable(perClass: readonly PerClassMetrics[]): TableModel {
  return build(PER_CLASS_COLUMNS, perClass, (c) => ({ id: c.label }), []);
}

function build<T>(specs: readonly ColumnSpec<T>[], items: readonly T[], row: (item: T) => Omit<TableRow, 'cells'>, notes: string[]): TableModel {
  const bestValues = specs.map((s) => {
    if (!s.rank || items.length < 2) return undefined;
    const values = items.map(s.rank.value);
    return s.rank.better === 'higher' ? Math.max(...values) : Math.min(...values);
  });
  return {
    columns: specs.map(({ id, header, align, title, freeText, secondary }) => ({ id, header, align, ...(title ? { title } : {}), ...(freeText ? { freeText } : {}), ...(secondary ? { secondary } : {}) })),
    rows: items.map((item) => ({
      ...row(item),
      cells: specs.map((s, k) => (bestValues[k] !== undefined && s.rank!.value(item) === bestValues[k] ? { text: s.cell(item), best: true } : { text: s.cell(item) })),
    })),
    notes,
  };
}

function resultsNotes(report: BenchReport): string[] {
  const notes = format.aggregateSentences(report.aggregates);
  if (report.comparison) {
    const name = (id: string) => report.prompts.find((p) => p.id === id)?.name ?? id;
    notes.push(...format.comparisonLines(report.comparison, { soft: name(report.comparison.softPromptId), hard: name(report.comparison.hardPromptId) }));
  }
  for (const p of report.prompts.filter((q) => q.truncated > 0)) notes.push(`Note: ${format.integer(p.truncated)} examples were truncated to fit the context for ${p.name}.`);
  return notes;
}

/** The header and the rows as plain text, column by column (the terminal's tables, and what every rendering shows). */
export function tableTexts(table: TableModel): { header: string[]; rows: string[][]; align: Align[]; secondary: boolean[] } {
  return {
    header: table.columns.map((c) => c.header),
    rows: table.rows.map((r) => r.cells.map((c) => c.text)),
    align: table.columns.map((c) => c.align),
    secondary: table.columns.map((c) => c.secondary === true),
  };
}

/** Makes one element of a tree: a DOM element in the webview, an HTML string in report.html. Strings among the children are text. */
export type ElementFactory<N> = (tag: string, attrs: Readonly<Record<string, string>>, children: readonly (N | string)[]) => N;

/**
 * A table as elements (report.html and the Studio build the same tree): a header row of column headers, then
 * one row per item whose first cell is its row header; a prompt's kind as a badge, a best value in <strong>.
 */
export function tableTree<N>(table: TableModel, h: ElementFactory<N>, attrs: Readonly<Record<string, string>> = {}): N {
  const alignment = (c: TableColumn): Record<string, string> => (c.align === 'right' ? { class: 'num' } : {});
  const head = h('thead', {}, [h('tr', {}, table.columns.map((c) => h('th', { scope: 'col', ...alignment(c), ...(c.title ? { title: c.title } : {}) }, [c.header])))]);
  const body = h('tbody', {}, table.rows.map((row) => h('tr', { 'data-id': row.id }, row.cells.map((cell, k) => {
    const column = table.columns[k];
    const content = column.id === 'kind' && row.kind ? h('span', { class: `badge ${row.kind}` }, [cell.text]) : cell.best ? h('strong', {}, [cell.text]) : cell.text;
    return k === 0 ? h('th', { scope: 'row' }, [content]) : h('td', alignment(column), [content]);
  }))));
  return h('table', attrs, [head, body]);
}
