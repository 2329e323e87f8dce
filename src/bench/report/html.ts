/**
 * report.html: one self-contained page (no network): tables rendered here, charts drawn in the page by an
 * inlined copy of Chart.js from the report data. Text from data is HTML-escaped; the data block escapes `<`;
 * the Content-Security-Policy admits only the page's own inline scripts and style (by hash).
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { GENERATION_HEADLINE } from '../../eval/metrics';
import { mostAccurate } from './build';
import * as format from './format';
import { REPORT_CLIENT_SCRIPT } from './html-client';
import { REPORT_STYLE } from './html-style';
import type { BenchReport, Comparison, PromptResult } from './schema';
import { perClassTable, resultsTable, tableTree, type ElementFactory, type TableModel } from './table';

let chartJsSource: string | undefined;

/** The Chart.js UMD build, read once from node_modules (the package's exports hide dist/, so resolve beside its main file). */
export function chartJsUmd(): string {
  if (chartJsSource === undefined) {
    const file = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.js');
    // The source-map comment would make dev tools fetch a file that is not beside the report.
    const source = fs.readFileSync(file, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
    if (/<\/script/i.test(source) || /<!--/.test(source)) throw new Error(`${file} contains a sequence that would end an inline <script>`);
    chartJsSource = source;
  }
  return chartJsSource;
}

export function renderHtml(report: BenchReport): string {
  const scripts = [chartJsUmd(), REPORT_CLIENT_SCRIPT];
  const csp = [
    "default-src 'none'",
    `script-src ${scripts.map(cspHash).join(' ')}`,
    `style-src ${cspHash(REPORT_STYLE)}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const title = `Prompt benchmark: ${report.model.nameOrPath}`;
  const results = resultsTable(report);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(title)}</title>
<style>${REPORT_STYLE}</style>
</head>
<body>
<main>
${header(report)}
${highlights(report)}
<section aria-labelledby="results-heading">
<h2 id="results-heading">Results</h2>
<p class="hint">Every prompt is scored on the same ${format.integer(report.dataset.n)} rows. ${report.task === 'generation' ? 'Each metric shows its mean over the rows with the' : 'Accuracy shows the'} 95% percentile-bootstrap interval; the best value of each metric is in bold.</p>
<div class="table-wrap">${tableHtml(results, 'results')}</div>
${notesHtml(results.notes)}
</section>
${charts(report)}
${projections(report)}
<section aria-labelledby="detail-heading">
<h2 id="detail-heading">${report.task === 'generation' ? 'Outputs' : 'Per prompt'}</h2>
${report.task === 'generation' ? generationOutputs(report) : `<p class="hint">Confusion matrices: rows are gold labels, columns predicted labels; shading is the share of the row.</p>
<div class="prompt-grid">
${report.prompts.map(promptDetail).join('\n')}
</div>`}
</section>
<footer>Report schema ${report.schemaVersion} · engine ${escapeHtml(report.engineVersion)} · written ${escapeHtml(report.createdAt)}</footer>
</main>
<script type="application/json" id="report-data">${jsonForScript(report)}</script>
${scripts.map((s) => `<script>${s}</script>`).join('\n')}
</body>
</html>
`;
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON safe inside <script type="application/json">: no `<` can close the element or open a comment. */
export function jsonForScript(data: unknown): string {
  return JSON.stringify(data).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

function cspHash(content: string): string {
  return `'sha256-${createHash('sha256').update(content, 'utf8').digest('base64')}'`;
}

function header(report: BenchReport): string {
  const rows: [string, string][] = [
    ['Model', `${escapeHtml(report.model.nameOrPath)} <span class="muted">${escapeHtml(report.model.dir)}</span>`],
    ['Model files', `<code>sha256 ${escapeHtml(report.model.filesHash.slice(0, 16))}…</code>`],
    ['Evaluation data', datasetLine(report.dataset)],
  ];
  if (report.trainDataset) rows.push(['Tuning data', datasetLine(report.trainDataset)]);
  rows.push(['Command', `<code>${escapeHtml(report.command)}</code>`]);
  return `<header>
<p class="eyebrow">Prompt Tuning Studio · benchmark</p>
<h1>${escapeHtml(report.model.nameOrPath)}: hard vs soft prompts</h1>
<dl class="meta">${rows.map(([k, v]) => `<div><dt>${k}</dt><dd>${v}</dd></div>`).join('')}</dl>
</header>`;
}

function datasetLine(d: BenchReport['dataset']): string {
  const skipped = d.skipped ? `, ${format.integer(d.skipped)} skipped` : '';
  return `${escapeHtml(d.file)} <span class="muted">${format.integer(d.n)} rows${skipped} · sha256 ${escapeHtml(d.hash.slice(0, 12))}…</span>`;
}

function best(report: BenchReport, kind: PromptResult['kind']): PromptResult | undefined {
  return mostAccurate(report.prompts, kind);
}

function highlights(report: BenchReport): string {
  const cards: string[] = [];
  const card = (kind: string, label: string, value: string, detail: string) =>
    `<div class="card ${kind}"><div class="card-label">${label}</div><div class="card-value">${value}</div><div class="card-detail">${detail}</div></div>`;
  const hard = best(report, 'hard');
  const soft = best(report, 'soft');
  const figure = format.headlineName(report);
  const value = (p: PromptResult) => `${format.percent(format.headline(p).value)}${report.task === 'generation' ? ` ${figure}` : ''}`;
  if (hard) cards.push(card('hard', 'Best hard prompt', value(hard), escapeHtml(hard.name)));
  if (soft) cards.push(card('soft', 'Best soft prompt', value(soft), escapeHtml(soft.name)));
  const across = report.aggregates.soft && (report.aggregates.soft.accuracy ?? report.aggregates.soft.generation?.[GENERATION_HEADLINE]);
  if (report.aggregates.soft && across) cards.push(card('soft', 'Soft prompts across seeds', escapeHtml(format.meanStd(across, true).replace(/ \(.*\)$/, '')), `${escapeHtml(figure)}, mean ± std over ${report.aggregates.soft.n} seed${report.aggregates.soft.n === 1 ? '' : 's'}`));
  const projection = best(report, 'projection');
  if (projection) cards.push(card('projection', 'Best projection', value(projection), escapeHtml(projection.name)));
  if (report.comparison) {
    const c = report.comparison;
    const paired = c.test === 'paired' ? c.metrics.find((m) => m.metric === GENERATION_HEADLINE)! : undefined;
    const p = paired ? paired.pValue : (c as Comparison).pValue;
    const test = paired ? `${paired.test === 'sign' ? 'Sign test' : 'McNemar'} p on ${format.headlineName(report)}` : 'McNemar p';
    cards.push(card('neutral', `${test} (best soft vs best hard)`, format.pValue(p), p < 0.05 ? 'significant at α = 0.05' : 'not significant at α = 0.05'));
  }
  return cards.length ? `<section class="cards" aria-label="Highlights">${cards.join('')}</section>` : '';
}

/** An HTML string: what `tableTree` builds report.html's table from (text children are escaped, elements are not). */
interface Html {
  html: string;
}

const htmlElement: ElementFactory<Html> = (tag, attrs, children) => ({
  html: `<${tag}${Object.entries(attrs).map(([k, v]) => ` ${k}="${escapeHtml(v)}"`).join('')}>${children.map((c) => (typeof c === 'string' ? escapeHtml(c) : c.html)).join('')}</${tag}>`,
});

/** A table model (./table.ts) as an HTML <table> of class `className`. */
export function tableHtml(model: TableModel, className: string): string {
  return tableTree(model, htmlElement, { class: className }).html;
}

/** The first rows' gold answers and each prompt's output, as text (model output is never markup). */
function generationOutputs(report: BenchReport): string {
  const rows = Math.max(0, ...report.prompts.map((p) => p.samples?.length ?? 0));
  if (rows === 0) return '';
  const items: string[] = [];
  for (let r = 0; r < rows; r++) {
    const target = report.prompts.find((p) => p.samples?.[r])?.samples![r].target ?? '';
    const outputs = report.prompts.filter((p) => p.samples?.[r]).map((p) => {
      const s = p.samples![r];
      return `<tr><th scope="row">${badge(p.kind)} ${escapeHtml(p.name)}</th><td><pre class="output">${escapeHtml(s.output)}</pre></td><td class="num">${format.integer(s.exact)}</td><td class="num">${format.integer(s.contains)}</td><td class="num">${format.fixed(s.f1)}</td><td class="num">${format.fixed(s.rougeL)}</td></tr>`;
    });
    items.push(`<article class="prompt-card"><h3>Row ${r + 1}</h3><p class="small">Gold: <q>${escapeHtml(target)}</q></p><div class="table-wrap"><table class="compact">
<thead><tr><th scope="col">Prompt</th><th scope="col">Output</th><th scope="col" class="num">EM</th><th scope="col" class="num">Contains</th><th scope="col" class="num">F1</th><th scope="col" class="num">ROUGE-L</th></tr></thead>
<tbody>${outputs.join('')}</tbody></table></div></article>`);
  }
  return `<p class="hint">The first ${rows} rows; every row's output is in each prompt's predictions file.</p>
<div class="prompt-grid">
${items.join('\n')}
</div>`;
}

function notesHtml(notes: readonly string[]): string {
  return notes.length ? `<div class="summary">${notes.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}</div>` : '';
}

function charts(report: BenchReport): string {
  const withCurves = report.prompts.some((p) => p.trainingCurve && p.trainingCurve.length > 0);
  return `<section aria-labelledby="charts-heading">
<h2 id="charts-heading">Charts</h2>
<div class="chart-grid">
<figure class="chart-card"><figcaption>${report.task === 'generation' ? `${escapeHtml(format.headlineName(report))} with 95% bootstrap interval` : 'Accuracy with 95% bootstrap interval <span class="muted">(dashed: majority-class rate)</span>'}</figcaption><div class="chart-box"><canvas id="accuracy-chart" data-metric="${report.task === 'generation' ? GENERATION_HEADLINE : 'accuracy'}" data-metric-name="${escapeHtml(format.headlineName(report))}" role="img" aria-label="${escapeHtml(format.headlineName(report))} of each prompt with 95% confidence intervals"></canvas></div></figure>
${withCurves ? `<figure class="chart-card"><figcaption>Soft-prompt training curves <span class="muted">(loss; dev accuracy dashed where measured)</span></figcaption><div class="chart-box"><canvas id="curve-chart" role="img" aria-label="Training loss per step for each trained soft prompt"></canvas></div></figure>` : ''}
</div>
</section>`;
}

function projections(report: BenchReport): string {
  const items = report.prompts.filter((p) => p.kind === 'projection' && p.projection);
  if (items.length === 0) return '';
  const from = (id: string) => report.prompts.find((p) => p.id === id)?.name ?? id;
  const gaps = format.projectionGaps(report);
  return `<section aria-labelledby="projection-heading">
<h2 id="projection-heading">Projected soft prompts</h2>
<p class="hint">Each soft prompt mapped to its nearest vocabulary tokens and evaluated as a hard prompt. ${escapeHtml(format.PROJECTION_GAP_NOTE)}</p>
${items.map((p) => {
    const gap = gaps.find((g) => g.projection.id === p.id);
    const figures = gap ? format.projectionGapText(gap, report) : `${format.percent(format.headline(p).value)} ${format.headlineName(report)}`;
    return `<div class="projection-item"><div class="projection-head">${badge('projection')} <strong>${escapeHtml(p.name)}</strong> <span class="muted">from ${escapeHtml(from(p.projection!.fromPromptId))} · ${escapeHtml(figures)}</span></div><pre>${escapeHtml(p.projection!.text)}</pre></div>`;
  }).join('\n')}
</section>`;
}

function promptDetail(p: PromptResult): string {
  const metrics = p.metrics!;
  const labels = metrics.labels;
  const perClass = tableHtml(perClassTable(metrics.perClass), 'compact');
  const heatRows = metrics.confusion.map((row, g) => {
    const total = row.reduce((a, b) => a + b, 0);
    const cells = row.map((count, k) => {
      const share = total === 0 ? 0 : count / total;
      const level = Math.round(share * 10);
      return `<td class="heat heat-${level}${g === k ? ' diagonal' : ''}" title="${escapeHtml(`gold ${labels[g]} → predicted ${labels[k]}: ${count} of ${total}`)}"><span class="count">${format.integer(count)}</span><span class="share">${format.percent(share, 0)}</span></td>`;
    });
    return `<tr><th scope="row">${escapeHtml(labels[g])}</th>${cells.join('')}</tr>`;
  });
  const confusion = `<table class="confusion">
<thead><tr><th scope="col" class="corner">gold ↓ · predicted →</th>${labels.map((l) => `<th scope="col">${escapeHtml(l)}</th>`).join('')}</tr></thead>
<tbody>${heatRows.join('')}</tbody>
</table>`;
  const facts = [escapeHtml(p.source), p.seed !== undefined ? `seed ${p.seed}` : '', `${format.percent(metrics.accuracy)} accuracy`, `peak RSS ${format.integer(p.peakRssMB)} MB`]
    .filter(Boolean)
    .join(' · ');
  return `<article class="prompt-card">
<h3>${badge(p.kind)} ${escapeHtml(p.name)}</h3>
<p class="muted small">${facts}</p>
<div class="detail-grid"><div class="table-wrap"><h4>Per class</h4>${perClass}</div><div class="table-wrap"><h4>Confusion matrix</h4>${confusion}</div></div>
</article>`;
}

function badge(kind: PromptResult['kind']): string {
  return `<span class="badge ${escapeHtml(kind)}">${escapeHtml(kind)}</span>`;
}
