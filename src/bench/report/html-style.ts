/** The stylesheet inlined into report.html: light and dark palettes (prefers-color-scheme), no external fonts. */
export const REPORT_STYLE = `
:root {
  color-scheme: light dark;
  --bg: #f6f7f9; --surface: #ffffff; --surface-2: #f1f3f6; --text: #1f2328; --muted: #5b6570;
  --border: #dde2e8; --grid: rgba(31, 35, 40, 0.08);
  --hard: #2563eb; --soft: #e8590c; --projection: #7c3aed; --neutral: #0f766e;
  --heat: 37, 99, 235; --heat-ink: #ffffff; --shadow: 0 1px 2px rgba(16, 24, 40, 0.06), 0 1px 3px rgba(16, 24, 40, 0.08);
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --surface: #161b22; --surface-2: #1c2230; --text: #e6edf3; --muted: #9aa4b1;
    --border: #2d3440; --grid: rgba(230, 237, 243, 0.10);
    --hard: #6ea8fe; --soft: #ff9f5a; --projection: #b49cff; --neutral: #3fc1b0;
    --heat: 110, 168, 254; --heat-ink: #0d1117; --shadow: 0 1px 3px rgba(0, 0, 0, 0.5);
  }
}
* { box-sizing: border-box; }
html { background: var(--bg); }
body {
  margin: 0; color: var(--text); background: var(--bg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  -webkit-font-smoothing: antialiased;
}
main { max-width: 1240px; margin: 0 auto; padding: 32px 24px 48px; }
h1 { font-size: 26px; line-height: 1.25; margin: 4px 0 16px; letter-spacing: -0.01em; }
h2 { font-size: 19px; margin: 36px 0 8px; letter-spacing: -0.005em; }
h3 { font-size: 16px; margin: 0 0 4px; display: flex; align-items: center; gap: 8px; overflow-wrap: anywhere; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 13px; }
code { background: var(--surface-2); border: 1px solid var(--border); border-radius: 4px; padding: 1px 5px; overflow-wrap: anywhere; }
.eyebrow { margin: 0; color: var(--muted); font-size: 12px; font-weight: 600; letter-spacing: 0.08em; text-transform: uppercase; }
.muted { color: var(--muted); }
.small { font-size: 13px; }
.hint { color: var(--muted); margin: 0 0 12px; font-size: 14px; }
.meta { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 6px 24px; margin: 0; }
.meta div { display: flex; gap: 10px; min-width: 0; }
.meta dt { flex: 0 0 118px; color: var(--muted); font-size: 13px; padding-top: 1px; }
.meta dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
.meta dd > .muted { display: block; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(210px, 1fr)); gap: 14px; margin-top: 24px; }
.card {
  background: var(--surface); border: 1px solid var(--border); border-radius: 10px; padding: 14px 16px;
  box-shadow: var(--shadow); border-top: 3px solid var(--neutral); min-width: 0;
}
.card.hard { border-top-color: var(--hard); }
.card.soft { border-top-color: var(--soft); }
.card.projection { border-top-color: var(--projection); }
.card-label { color: var(--muted); font-size: 13px; }
.card-value { font-size: 26px; font-weight: 650; font-variant-numeric: tabular-nums; margin: 2px 0; }
.card-detail { font-size: 13px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
table.results { background: var(--surface); border: 1px solid var(--border); border-radius: 10px; box-shadow: var(--shadow); border-collapse: separate; border-spacing: 0; overflow: hidden; }
th, td { padding: 8px 10px; text-align: left; border-bottom: 1px solid var(--border); vertical-align: middle; }
thead th { font-size: 12px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; background: var(--surface-2); white-space: nowrap; }
tbody tr:last-child > * { border-bottom: none; }
table.results thead th { white-space: normal; vertical-align: bottom; }
table.results tbody tr:hover { background: var(--surface-2); }
tbody th { font-weight: 600; overflow-wrap: break-word; }
table.results tbody th { min-width: 190px; max-width: 320px; }
.num { text-align: right; white-space: nowrap; }
.badge {
  display: inline-block; font-size: 11px; font-weight: 600; line-height: 1; padding: 4px 7px; border-radius: 999px;
  text-transform: uppercase; letter-spacing: 0.05em; color: var(--neutral); background: color-mix(in srgb, var(--neutral) 14%, transparent);
}
.badge.hard { color: var(--hard); background: color-mix(in srgb, var(--hard) 14%, transparent); }
.badge.soft { color: var(--soft); background: color-mix(in srgb, var(--soft) 14%, transparent); }
.badge.projection { color: var(--projection); background: color-mix(in srgb, var(--projection) 14%, transparent); }
.summary { margin-top: 12px; }
.summary p { margin: 4px 0; }
.chart-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 16px; }
.chart-card { margin: 0; background: var(--surface); border: 1px solid var(--border); border-radius: 10px; padding: 14px 16px 10px; box-shadow: var(--shadow); min-width: 0; }
.chart-card figcaption { font-weight: 600; font-size: 14px; margin-bottom: 8px; }
.chart-box { position: relative; height: 320px; }
.projection-item { background: var(--surface); border: 1px solid var(--border); border-left: 3px solid var(--projection); border-radius: 8px; padding: 10px 14px; margin-bottom: 10px; }
.projection-item pre { margin: 8px 0 2px; white-space: pre-wrap; overflow-wrap: anywhere; }
pre.output { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.prompt-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 16px; }
.prompt-card { background: var(--surface); border: 1px solid var(--border); border-radius: 10px; padding: 16px; box-shadow: var(--shadow); min-width: 0; }
.prompt-card > p { margin: 0 0 12px; overflow-wrap: anywhere; }
.detail-grid { display: grid; grid-template-columns: minmax(0, 1fr); gap: 14px; }
.detail-grid h4 { margin: 0 0 6px; font-size: 12px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; }
table.compact th, table.compact td { padding: 5px 8px; font-size: 13px; }
table.confusion th, table.confusion td { padding: 6px 8px; font-size: 13px; border: 1px solid var(--border); }
table.confusion { width: auto; min-width: 60%; }
table.confusion thead th { text-transform: none; letter-spacing: 0; text-align: center; overflow-wrap: break-word; white-space: normal; max-width: 160px; }
table.confusion tbody th { max-width: 200px; }
table.compact tbody th { max-width: 260px; }
table.confusion th.corner { color: var(--muted); font-weight: 500; font-size: 11px; }
td.heat { text-align: center; min-width: 72px; }
td.heat .count { display: block; font-weight: 650; font-size: 14px; }
td.heat .share { display: block; font-size: 11px; opacity: 0.8; }
td.diagonal { outline: 2px solid color-mix(in srgb, var(--text) 35%, transparent); outline-offset: -3px; }
.heat-0 { background: rgba(var(--heat), 0.03); }
.heat-1 { background: rgba(var(--heat), 0.10); }
.heat-2 { background: rgba(var(--heat), 0.18); }
.heat-3 { background: rgba(var(--heat), 0.26); }
.heat-4 { background: rgba(var(--heat), 0.34); }
.heat-5 { background: rgba(var(--heat), 0.42); }
.heat-6 { background: rgba(var(--heat), 0.52); color: var(--heat-ink); }
.heat-7 { background: rgba(var(--heat), 0.62); color: var(--heat-ink); }
.heat-8 { background: rgba(var(--heat), 0.72); color: var(--heat-ink); }
.heat-9 { background: rgba(var(--heat), 0.84); color: var(--heat-ink); }
.heat-10 { background: rgba(var(--heat), 0.95); color: var(--heat-ink); }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--border); padding-top: 12px; }
@media (max-width: 700px) {
  .chart-grid, .prompt-grid { grid-template-columns: 1fr; }
}
@media print {
  .chart-box { height: 260px; }
  .card, .chart-card, .prompt-card, table.results { box-shadow: none; }
}
`;
