import '../helpers/register-vscode-fake'; // before the extension modules: they take l10n from 'vscode'
import * as assert from 'node:assert/strict';
import { describeEval, describeTest } from '../../src/extension/flows/describe';

describe('result descriptions', () => {
  it('ranks labels by probability and marks the gold label', () => {
    const { inline, detail } = describeTest({
      task: 'classification', predicted: 'positive', gold: 'negative',
      labels: [{ label: 'negative', logProb: -2.5, probability: 0.25 }, { label: 'positive', logProb: -1.4, probability: 0.75 }],
    });
    assert.equal(inline, '→ positive  ·  positive 75.0% · negative 25.0%  (gold negative ✗)');
    assert.equal(detail.split('\n')[0], 'predicted: positive  (gold negative ✗)');
    assert.match(detail, /positive: p = 0\.7500, log p\(continuation\) = -1\.4000/);
  });

  it('quotes generated text so whitespace and markup stay visible', () => {
    assert.equal(describeTest({ task: 'generation', text: ' <b>hi</b>\n', tokens: 4 }).inline, '→ " <b>hi</b>\\n"');
  });

  it('summarises an evaluation with per-class figures and the confusion matrix', () => {
    const { inline, detail } = describeEval({
      n: 4, labels: ['negative', 'positive'], accuracy: 0.75, macroF1: 0.7333, ece: 0.1, seconds: 2, examplesPerSecond: 2,
      truncatedRows: 0, warnings: [], confusion: [[1, 1], [0, 2]],
      perClass: [{ label: 'negative', precision: 1, recall: 0.5, f1: 0.6667, support: 2 }, { label: 'positive', precision: 0.6667, recall: 1, f1: 0.8, support: 2 }],
    }, '/data/dev.jsonl');
    assert.equal(inline, 'accuracy 75.0% · macro-F1 0.733 · 4 rows of dev.jsonl · 2.0 s');
    assert.match(detail, /\n {2}negative {2}precision 1\.000 {2}recall 0\.500 {2}F1 0\.667 {2}support 2\n/);
    assert.match(detail, /\n {2}positive {2}\s+0\s+2$/);
  });
});
