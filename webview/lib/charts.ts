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

function applyThemeDefaults(): void {
  Chart.defaults.color = themeColor('--vscode-foreground', '#cccccc');
  Chart.defaults.borderColor = themeColor('--vscode-editorWidget-border', 'rgba(128,128,128,0.35)');
  Chart.defaults.font.family = themeColor('--vscode-font-family', 'sans-serif');
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
}
applyThemeDefaults();

const live = new Set<{ chart: Chart; recolor: (chart: Chart) => void }>();

/** Creates a chart; `recolor` re-applies theme colours to its datasets after a theme switch. */
export function createChart<T extends ChartType>(canvas: HTMLCanvasElement, config: ChartConfiguration<T>,
  recolor: (chart: Chart) => void = () => undefined): Chart {
  const chart = new Chart(canvas, config as ChartConfiguration) as Chart;
  const entry = { chart, recolor };
  live.add(entry);
  const original = chart.destroy.bind(chart);
  chart.destroy = () => { live.delete(entry); original(); };
  return chart;
}

// VS Code swaps body classes (vscode-light / vscode-dark / vscode-high-contrast) on a theme change.
new MutationObserver(() => {
  applyThemeDefaults();
  for (const { chart, recolor } of live) {
    recolor(chart);
    chart.update('none');
  }
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });
