/**
 * A chart's text alternative: a one-line summary (the canvas's accessible name) and a table of every number
 * it plots (the "Show data" table under each chart). Pure: the webview's charts.ts reads a Chart.js chart
 * into a ChartText and renders these; tests call them directly.
 */

/** One plotted point: a line or scatter point (x, y), a bar (category index, value) or a floating bar [low, high]. */
export interface ChartPoint {
  x: number | string;
  y: number | [number, number];
  /** A scatter point's own name (a token). */
  label?: string;
}

export interface ChartSeries {
  label: string;
  points: ChartPoint[];
}

export interface ChartText {
  /** What the chart shows, e.g. "Training loss and dev accuracy". */
  title: string;
  kind: 'line' | 'bar' | 'scatter';
  /** The x axis's title ("step"), or for bars what the categories are ("prompt"). */
  xTitle: string;
  /** The y axis's title, for scatter tables. */
  yTitle?: string;
  series: ChartSeries[];
}

export interface ChartTable {
  columns: string[];
  rows: string[][];
}

/** A number as a chart's text shows it: integers whole, others to `digits` significant digits. */
export function formatChartNumber(value: number, digits = 4): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(digits)));
}

function formatY(y: ChartPoint['y'], digits?: number): string {
  return Array.isArray(y) ? `${formatChartNumber(y[0], digits)} to ${formatChartNumber(y[1], digits)}` : formatChartNumber(y, digits);
}

function formatX(x: ChartPoint['x']): string {
  return typeof x === 'number' ? formatChartNumber(x) : x;
}

/** "3 steps", "1 step"; an axis title that is not one word counts "points". */
function count(n: number, unit: string): string {
  const word = /^[a-z]+$/i.test(unit) ? unit.toLowerCase() : 'point';
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * The accessible name: the title, then per series what a sighted reader takes from the picture —
 * a line's length and where it starts and ends, each bar's value, how many points a scatter has.
 * e.g. "Training loss: train loss, 120 steps (1 to 120), from 0.6931 to 0.3102".
 */
export function chartSummary(text: ChartText): string {
  const parts = text.series.map((series) => {
    const points = series.points;
    if (points.length === 0) return `${series.label}, no data yet`;
    if (text.kind === 'bar') return `${series.label}: ${points.map((p) => `${formatX(p.x)} ${formatY(p.y, 3)}`).join(', ')}`;
    if (text.kind === 'scatter') return `${series.label}, ${count(points.length, 'point')}`;
    const first = points[0];
    const last = points[points.length - 1];
    if (points.length === 1) return `${series.label}, ${count(1, text.xTitle)} (${formatX(first.x)}): ${formatY(first.y, 3)}`;
    return `${series.label}, ${count(points.length, text.xTitle)} (${formatX(first.x)} to ${formatX(last.x)}), from ${formatY(first.y, 3)} to ${formatY(last.y, 3)}`;
  });
  return parts.length === 0 ? `${text.title}: no data` : `${text.title}: ${parts.join('; ')}`;
}

/**
 * Every plotted number as text. Lines: one row per x value (sorted), one column per series (empty where a
 * series has no point at that x, e.g. dev accuracy measured every few steps). Bars: one row per category.
 * Scatter: one row per point with its series and name.
 */
export function chartTable(text: ChartText): ChartTable {
  if (text.kind === 'scatter') {
    return {
      columns: ['series', 'label', text.xTitle || 'x', text.yTitle || 'y'],
      rows: text.series.flatMap((s) => s.points.map((p) => [s.label, p.label ?? '', formatX(p.x), formatY(p.y)])),
    };
  }
  const columns = [text.xTitle || (text.kind === 'bar' ? 'category' : 'x'), ...text.series.map((s) => s.label)];
  const keys: (number | string)[] = [];
  const seen = new Set<number | string>();
  for (const s of text.series) {
    for (const p of s.points) {
      if (!seen.has(p.x)) {
        seen.add(p.x);
        keys.push(p.x);
      }
    }
  }
  // Bars keep their category order; numeric x values (steps) are sorted.
  if (text.kind === 'line' && keys.every((k) => typeof k === 'number')) (keys as number[]).sort((a, b) => a - b);
  const byX = text.series.map((s) => new Map(s.points.map((p) => [p.x, p.y])));
  const rows = keys.map((x) => [formatX(x), ...byX.map((m) => (m.has(x) ? formatY(m.get(x)!) : ''))]);
  return { columns, rows };
}
