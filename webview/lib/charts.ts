/**
 * Chart.js, registered with only the pieces the views use, coloured from VS Code's theme variables
 * (light, dark and high-contrast alike) and re-coloured when the theme changes. Every chart also gets a text
 * alternative, kept current on each update: the canvas is an image whose accessible name summarises what it
 * plots, and a "Show data" disclosure under it holds a table of every number.
 */
import {
  BarController, BarElement, CategoryScale, Chart, Filler, Legend, LinearScale, LineController, LineElement,
  PointElement, ScatterController, Tooltip, type ChartConfiguration, type ChartType, type Plugin,
} from 'chart.js';
import * as l10n from '@vscode/l10n';
import { chartSummary, chartTable, type ChartPoint, type ChartText } from '../../src/common/chartText';
import { el, replaceChildren } from './dom';

/** Describes every chart after each update (Chart.js calls afterUpdate on creation and on chart.update()). */
const textAlternativePlugin: Plugin = { id: 'textAlternative', afterUpdate: (chart) => describeChart(chart as Chart) };

Chart.register(BarController, BarElement, CategoryScale, Filler, Legend, LinearScale, LineController, LineElement,
  PointElement, ScatterController, Tooltip, textAlternativePlugin);

export { Chart };

export function themeColor(name: string, fallback: string): string {
  const value = getComputedStyle(document.body).getPropertyValue(name).trim();
  return value || fallback;
}

/** The chart palette, in series order. */
export function palette(): string[] {
  return [
    themeColor('--vscode-charts-blue', '#3794ff'),
    themeColor('--vscode-charts-orange', '#d18616'),
    themeColor('--vscode-charts-green', '#89d185'),
    themeColor('--vscode-charts-purple', '#b180d7'),
    themeColor('--vscode-charts-red', '#f14c4c'),
    themeColor('--vscode-charts-yellow', '#cca700'),
  ];
}

/** `color` (#rgb, #rrggbb, #rrggbbaa or rgb()/rgba()) at opacity `alpha`; other syntaxes pass through. */
export function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{3,8})$/i.exec(color.trim())?.[1];
  if (hex && (hex.length === 3 || hex.length === 6 || hex.length === 8)) {
    const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex.slice(0, 6);
    const [r, g, b] = [0, 2, 4].map((i) => Number.parseInt(full.slice(i, i + 2), 16));
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  const rgb = /^rgba?\(\s*(\d+)[\s,]+(\d+)[\s,]+(\d+)/i.exec(color.trim());
  return rgb ? `rgba(${rgb[1]}, ${rgb[2]}, ${rgb[3]}, ${alpha})` : color;
}

function applyThemeDefaults(): void {
  const foreground = themeColor('--vscode-foreground', '#808080');
  Chart.defaults.color = foreground;
  // Grid lines: the text colour, faint, so they suit light, dark and high-contrast themes alike.
  Chart.defaults.borderColor = withAlpha(foreground, 0.15);
  Chart.defaults.font.family = themeColor('--vscode-font-family', 'sans-serif');
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
}
applyThemeDefaults();

/** Axis text, grid and legend colours written into the chart's own options (scales keep resolved colours). */
function themeAxes(chart: Chart): void {
  const text = Chart.defaults.color as string;
  const grid = Chart.defaults.borderColor as string;
  for (const scale of Object.values(chart.options.scales ?? {})) {
    if (!scale) continue;
    const s = scale as { ticks?: { color?: unknown }; title?: { color?: unknown }; grid?: { color?: unknown }; border?: { color?: unknown } };
    s.ticks = { ...s.ticks, color: text };
    s.title = { ...s.title, color: text };
    s.grid = { ...s.grid, color: grid };
    s.border = { ...s.border, color: grid };
  }
  const legend = chart.options.plugins?.legend;
  if (legend) legend.labels = { ...legend.labels, color: text };
}

const live = new Set<{ chart: Chart; recolor: (chart: Chart) => void }>();

/**
 * Creates a chart; `recolor` re-applies theme colours to its datasets after a theme switch. `title` names it
 * in its text alternative (default: the canvas's aria-label as the view wrote it).
 */
export function createChart<T extends ChartType>(canvas: HTMLCanvasElement, config: ChartConfiguration<T>,
  recolor: (chart: Chart) => void = () => undefined, title?: string): Chart {
  textAlternative(canvas, title);
  const chart = new Chart(canvas, config as ChartConfiguration) as Chart;
  themeAxes(chart);
  chart.update('none');
  const entry = { chart, recolor };
  live.add(entry);
  const original = chart.destroy.bind(chart);
  chart.destroy = () => { live.delete(entry); original(); };
  return chart;
}

// On a theme change VS Code swaps the body class (vscode-light / vscode-dark / vscode-high-contrast) and
// rewrites the --vscode-* variables in the root element's style; re-read the colours once both settled.
let pending = false;
function recolorAll(): void {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    applyThemeDefaults();
    for (const { chart, recolor } of live) {
      recolor(chart);
      themeAxes(chart);
      chart.update('none');
    }
  });
}
const observer = new MutationObserver(recolorAll);
observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });

/**
 * The chart's box and its "Show data" disclosure, to place in a view: made before the chart, so a view
 * rebuilt by replaceChildren keeps the disclosure open (and focused) like any other control.
 */
export function chartFigure(canvas: HTMLCanvasElement, boxClass = 'chart-box'): HTMLElement {
  return el('div', { class: 'chart-figure' }, el('div', { class: boxClass }, canvas), textAlternative(canvas).details);
}

interface TextAlternative {
  title: string;
  details: HTMLDetailsElement;
  summaryTitle: HTMLElement;
  table: HTMLTableElement;
  text?: ChartText;
}

const alternatives = new WeakMap<HTMLCanvasElement, TextAlternative>();

/**
 * The canvas's text alternative, made once per canvas (a chart rebuilt on the same canvas keeps it, with its
 * open state and focus): role="img" on the canvas and a <details> after the chart's box.
 */
function textAlternative(canvas: HTMLCanvasElement, title?: string): TextAlternative {
  let alt = alternatives.get(canvas);
  if (!alt) {
    const table = el('table', { class: 'data chart-data-table' });
    const summaryTitle = el('span', { class: 'visually-hidden' });
    const details = el('details', { class: 'chart-data', attrs: { id: canvas.id ? `${canvas.id}-data` : undefined } },
      el('summary', {}, l10n.t('Show data'), summaryTitle), table) as HTMLDetailsElement;
    const created: TextAlternative = { title: canvas.getAttribute('aria-label') ?? l10n.t('Chart'), details, summaryTitle, table };
    // Built when first opened, then kept current while open (a long run's table is not rebuilt unseen).
    details.addEventListener('toggle', () => { if (details.open) renderTable(created); });
    canvas.setAttribute('role', 'img');
    alternatives.set(canvas, created);
    alt = created;
  }
  if (title) alt.title = title;
  alt.summaryTitle.textContent = ` ${l10n.t({ message: 'of {0}', args: [alt.title], comment: ['Follows "Show data", read by screen readers only: "Show data of Training loss".'] })}`;
  return alt;
}

function describeChart(chart: Chart): void {
  const canvas = chart.canvas;
  const alt = textAlternative(canvas);
  if (!alt.details.isConnected && canvas.parentElement) {
    const box = canvas.parentElement.classList.contains('chart-box') ? canvas.parentElement : canvas;
    box.after(alt.details);
  }
  alt.text = chartText(chart, alt.title);
  const label = chartSummary(alt.text);
  if (canvas.getAttribute('aria-label') !== label) canvas.setAttribute('aria-label', label);
  if (alt.details.open) renderTable(alt);
}

function renderTable(alt: TextAlternative): void {
  if (!alt.text) return;
  const { columns, rows } = chartTable(alt.text);
  replaceChildren(alt.table,
    el('caption', { class: 'visually-hidden' }, alt.title),
    el('thead', {}, el('tr', {}, ...columns.map((c) => el('th', { attrs: { scope: 'col' } }, c)))),
    el('tbody', {}, ...rows.map((cells) => el('tr', {}, ...cells.map((c, i) => (i === 0 ? el('th', { attrs: { scope: 'row' } }, c) : el('td', { class: 'num' }, c)))))));
}

/** What a Chart.js chart plots, read from its data and axis titles. */
function chartText(chart: Chart, title: string): ChartText {
  const type = (chart.config as { type?: string }).type;
  const kind = type === 'bar' ? 'bar' : type === 'scatter' ? 'scatter' : 'line';
  const scales = (chart.options.scales ?? {}) as Record<string, { title?: { text?: unknown } } | undefined>;
  const axisTitle = (id: string) => {
    const text = scales[id]?.title?.text;
    return typeof text === 'string' ? text : Array.isArray(text) ? text.join(' ') : '';
  };
  const categories = (chart.data.labels ?? []).map(String);
  const series = chart.data.datasets.map((dataset) => ({
    label: dataset.label ?? '',
    points: (dataset.data as unknown[]).flatMap((value, i) => toPoint(value, categories[i] ?? String(i + 1))),
  }));
  return { title, kind, xTitle: axisTitle('x'), yTitle: axisTitle('y'), series };
}

function toPoint(value: unknown, category: string): ChartPoint[] {
  if (typeof value === 'number') return [{ x: category, y: value }];
  if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'number') return [{ x: category, y: [value[0], value[1]] }];
  const p = value as { x?: unknown; y?: unknown; label?: unknown } | null;
  if (p && typeof p === 'object' && typeof p.x === 'number' && typeof p.y === 'number') {
    return [{ x: p.x, y: p.y, label: typeof p.label === 'string' ? p.label : undefined }];
  }
  return [];
}
