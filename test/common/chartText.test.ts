import * as assert from 'assert';
import { chartSummary, chartTable, formatChartNumber, type ChartText } from '../../src/common/chartText';

const training: ChartText = {
  title: 'Training loss and dev accuracy',
  kind: 'line',
  xTitle: 'step',
  series: [
    { label: 'train loss', points: [1, 2, 3, 4].map((step) => ({ x: step, y: [0.6931, 0.52, 0.41, 0.3102][step - 1] })) },
    { label: 'dev accuracy', points: [{ x: 2, y: 0.5 }, { x: 4, y: 0.8125 }] },
  ],
};

describe('common: a chart\'s text alternative (issue 15, item 7)', () => {
  it('summarises a line chart: each series\' length, its x range and where it starts and ends', () => {
    assert.strictEqual(chartSummary(training),
      'Training loss and dev accuracy: train loss, 4 steps (1 to 4), from 0.693 to 0.31; dev accuracy, 2 steps (2 to 4), from 0.5 to 0.813');
    assert.strictEqual(chartSummary({ ...training, series: [{ label: 'train loss', points: [] }] }), 'Training loss and dev accuracy: train loss, no data yet');
    assert.strictEqual(chartSummary({ ...training, series: [{ label: 'train loss', points: [{ x: 1, y: 0.7 }] }] }), 'Training loss and dev accuracy: train loss, 1 step (1): 0.7');
  });

  it('tabulates a line chart: one row per step, sorted, empty where a series has no point there', () => {
    const table = chartTable({ ...training, series: [training.series[1], { ...training.series[0], points: [...training.series[0].points].reverse() }] });
    assert.deepStrictEqual(table.columns, ['step', 'dev accuracy', 'train loss']);
    assert.deepStrictEqual(table.rows, [['1', '', '0.6931'], ['2', '0.5', '0.52'], ['3', '', '0.41'], ['4', '0.8125', '0.3102']]);
  });

  it('bars: each category\'s value and interval, in category order', () => {
    const bars: ChartText = {
      title: 'Accuracy per prompt', kind: 'bar', xTitle: 'prompt',
      series: [
        { label: 'accuracy', points: [{ x: 'soft', y: 0.85 }, { x: 'hard', y: 0.7123 }] },
        { label: '95% bootstrap interval', points: [{ x: 'soft', y: [0.8, 0.9] }, { x: 'hard', y: [0.65, 0.77] }] },
      ],
    };
    assert.strictEqual(chartSummary(bars), 'Accuracy per prompt: accuracy: soft 0.85, hard 0.712; 95% bootstrap interval: soft 0.8 to 0.9, hard 0.65 to 0.77');
    assert.deepStrictEqual(chartTable(bars), { columns: ['prompt', 'accuracy', '95% bootstrap interval'], rows: [['soft', '0.85', '0.8 to 0.9'], ['hard', '0.7123', '0.65 to 0.77']] });
  });

  it('scatter: point counts in the summary, every point with its name in the table (names stay text)', () => {
    const map: ChartText = {
      title: '2-D map', kind: 'scatter', xTitle: 'PC1', yTitle: 'PC2',
      series: [{ label: 'virtual tokens', points: [{ x: 0.5, y: -1.25, label: '<v0>' }, { x: 2, y: 3, label: '<img src=x>' }] }, { label: 'nearest tokens', points: [{ x: 1, y: 1 }] }],
    };
    assert.strictEqual(chartSummary(map), '2-D map: virtual tokens, 2 points; nearest tokens, 1 point');
    assert.deepStrictEqual(chartTable(map), {
      columns: ['series', 'label', 'PC1', 'PC2'],
      rows: [['virtual tokens', '<v0>', '0.5', '-1.25'], ['virtual tokens', '<img src=x>', '2', '3'], ['nearest tokens', '', '1', '1']],
    });
  });

  it('formats numbers: integers whole, others to 4 significant digits without trailing zeros', () => {
    assert.deepStrictEqual([120, 0.693147, 0.5, 1234.5678, -0.000123456, Number.NaN].map((n) => formatChartNumber(n)), ['120', '0.6931', '0.5', '1235', '-0.0001235', 'NaN']);
  });
});
