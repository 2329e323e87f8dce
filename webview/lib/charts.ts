/**
 * Chart.js, registered with only the pieces the views use, coloured from VS Code's theme variables
 * (light, dark and high-contrast alike) and re-coloured when the theme changes.
 */
import {
  BarController, BarElement, CategoryScale, Chart, Filler, Legend, LinearScale, LineController, LineElement,
  PointElement, ScatterController, Tooltip, type ChartConfiguration, type ChartType,
} from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, Filler, Legend, LinearScale, LineController, LineElement,
  PointElement, ScatterController, Tooltip);

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

/** Creates a chart; `recolor` re-applies theme colours to its datasets after a theme switch. */
export function createChart<T extends ChartType>(canvas: HTMLCanvasElement, config: ChartConfiguration<T>,
  recolor: (chart: Chart) => void = () => undefined): Chart {
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
