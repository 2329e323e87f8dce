/**
 * The script report.html runs (plain browser JavaScript, inlined after Chart.js): draws the accuracy chart with
 * bootstrap-interval error bars and the training curves from the page's JSON data block, in the colours of the
 * current colour scheme, redrawing when the scheme changes. Chart text is drawn on canvas, never parsed as HTML.
 */
export const REPORT_CLIENT_SCRIPT = String.raw`
(function () {
  'use strict';
  var report = JSON.parse(document.getElementById('report-data').textContent);
  var charts = [];

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }
  function withAlpha(hex, a) {
    var m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
    if (!m) return hex;
    return 'rgba(' + parseInt(m[1], 16) + ', ' + parseInt(m[2], 16) + ', ' + parseInt(m[3], 16) + ', ' + a + ')';
  }
  function kindColor(kind) {
    return cssVar('--' + kind) || cssVar('--neutral');
  }
  function shorten(text, max) {
    return text.length > max ? text.slice(0, max - 1) + '\u2026' : text;
  }
  function pct(x) {
    return (100 * x).toFixed(1);
  }

  /** Draws 95% interval whiskers on each bar and a dashed majority-class line. */
  var intervalPlugin = {
    id: 'ptuneIntervals',
    afterDatasetsDraw: function (chart, args, options) {
      var ctx = chart.ctx;
      var y = chart.scales.y;
      var bars = chart.getDatasetMeta(0).data;
      ctx.save();
      ctx.strokeStyle = options.color;
      ctx.lineWidth = 1.5;
      bars.forEach(function (bar, i) {
        var ci = options.intervals[i];
        if (!ci) return;
        var top = y.getPixelForValue(100 * ci.high);
        var bottom = y.getPixelForValue(100 * ci.low);
        var half = Math.min(10, bar.width / 4);
        ctx.beginPath();
        ctx.moveTo(bar.x, top); ctx.lineTo(bar.x, bottom);
        ctx.moveTo(bar.x - half, top); ctx.lineTo(bar.x + half, top);
        ctx.moveTo(bar.x - half, bottom); ctx.lineTo(bar.x + half, bottom);
        ctx.stroke();
      });
      if (options.baseline !== null) {
        var level = y.getPixelForValue(100 * options.baseline);
        ctx.setLineDash([6, 5]);
        ctx.strokeStyle = options.baselineColor;
        ctx.beginPath();
        ctx.moveTo(chart.chartArea.left, level); ctx.lineTo(chart.chartArea.right, level);
        ctx.stroke();
      }
      ctx.restore();
    }
  };

  /** The figure the bars show: accuracy, or for a generation report the metric the canvas names (data-metric). */
  function headline(p, metric) {
    return p.metrics ? { value: p.metrics.accuracy, ci: p.metrics.accuracyCI } : p.generation[metric];
  }

  function majorityRate() {
    var first = report.prompts[0];
    if (!first || !first.metrics) return null;
    var supports = first.metrics.perClass.map(function (c) { return c.support; });
    var n = supports.reduce(function (a, b) { return a + b; }, 0);
    return n > 0 ? Math.max.apply(null, supports) / n : null;
  }

  function accuracyChart() {
    var canvas = document.getElementById('accuracy-chart');
    if (!canvas || report.prompts.length === 0) return;
    var prompts = report.prompts;
    var metric = canvas.getAttribute('data-metric');
    var metricName = canvas.getAttribute('data-metric-name');
    var kinds = ['hard', 'soft', 'projection'].filter(function (k) {
      return prompts.some(function (p) { return p.kind === k; });
    });
    charts.push(new Chart(canvas, {
      type: 'bar',
      data: {
        labels: prompts.map(function (p) { return shorten(p.name, 28); }),
        datasets: [{
          label: metricName,
          data: prompts.map(function (p) { return 100 * headline(p, metric).value; }),
          backgroundColor: prompts.map(function (p) { return withAlpha(kindColor(p.kind), 0.72); }),
          borderColor: prompts.map(function (p) { return kindColor(p.kind); }),
          borderWidth: 1.5,
          borderRadius: 4,
          maxBarThickness: 64
        }]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          y: { min: 0, max: 100, ticks: { callback: function (v) { return v + '%'; } }, title: { display: true, text: metricName } },
          x: { grid: { display: false } }
        },
        plugins: {
          legend: {
            onClick: function () {},
            labels: {
              generateLabels: function () {
                return kinds.map(function (k) {
                  return { text: k, fillStyle: withAlpha(kindColor(k), 0.72), strokeStyle: kindColor(k), lineWidth: 1.5, hidden: false, fontColor: cssVar('--muted') };
                });
              }
            }
          },
          tooltip: {
            callbacks: {
              title: function (items) { return prompts[items[0].dataIndex].name; },
              label: function (item) {
                var p = prompts[item.dataIndex];
                var h = headline(p, metric);
                return p.kind + ': ' + pct(h.value) + '% [' + pct(h.ci.low) + ', ' + pct(h.ci.high) + ']';
              }
            }
          },
          ptuneIntervals: {
            intervals: prompts.map(function (p) { return headline(p, metric).ci; }),
            color: cssVar('--text'),
            baseline: majorityRate(),
            baselineColor: cssVar('--muted')
          }
        }
      },
      plugins: [intervalPlugin]
    }));
  }

  function curveChart() {
    var canvas = document.getElementById('curve-chart');
    if (!canvas) return;
    var palette = [cssVar('--soft'), cssVar('--hard'), cssVar('--projection'), cssVar('--neutral'), '#d63384', '#20a464', '#c99a06', '#6c757d'];
    var trained = report.prompts.filter(function (p) { return p.trainingCurve && p.trainingCurve.length > 0; });
    var datasets = [];
    var hasAccuracy = false;
    trained.forEach(function (p, i) {
      var color = palette[i % palette.length];
      datasets.push({
        label: shorten(p.name, 32) + ' loss',
        data: p.trainingCurve.map(function (pt) { return { x: pt.step, y: pt.loss }; }),
        borderColor: color, backgroundColor: color, yAxisID: 'loss',
        pointRadius: 0, borderWidth: 2, cubicInterpolationMode: 'monotone'
      });
      var accuracy = p.trainingCurve.filter(function (pt) { return typeof pt.evalAccuracy === 'number'; });
      if (accuracy.length > 0) {
        hasAccuracy = true;
        datasets.push({
          label: shorten(p.name, 32) + ' dev accuracy',
          data: accuracy.map(function (pt) { return { x: pt.step, y: 100 * pt.evalAccuracy }; }),
          borderColor: color, backgroundColor: color, yAxisID: 'accuracy',
          borderDash: [6, 4], pointRadius: 2.5, borderWidth: 1.5
        });
      }
    });
    var scales = {
      x: { type: 'linear', title: { display: true, text: 'step' } },
      loss: { type: 'linear', position: 'left', title: { display: true, text: 'loss' } }
    };
    if (hasAccuracy) {
      scales.accuracy = { type: 'linear', position: 'right', min: 0, max: 100, grid: { drawOnChartArea: false },
        ticks: { callback: function (v) { return v + '%'; } }, title: { display: true, text: 'dev accuracy' } };
    }
    charts.push(new Chart(canvas, {
      type: 'line',
      data: { datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        parsing: false,
        interaction: { mode: 'nearest', intersect: false },
        scales: scales,
        plugins: { legend: { labels: { boxWidth: 14, boxHeight: 2 } } }
      }
    }));
  }

  function draw() {
    charts.forEach(function (c) { c.destroy(); });
    charts = [];
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.color = cssVar('--muted');
    Chart.defaults.borderColor = cssVar('--grid');
    accuracyChart();
    curveChart();
  }

  draw();
  if (window.matchMedia) window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', draw);
})();
`;
