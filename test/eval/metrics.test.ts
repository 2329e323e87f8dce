import * as assert from 'assert';
import * as fc from 'fast-check';
import {
  accuracy,
  classificationMetrics,
  confusionMatrix,
  expectedCalibrationError,
  macroF1,
  perClassMetrics,
  softmax,
} from '../../src/eval/metrics';

const close = (actual: number, expected: number, tolerance = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);

describe('eval/metrics', () => {
  // Hand-computed: gold rows a,a,a,b,b,c,c,c,c,a against these predictions.
  const labels = ['a', 'b', 'c'];
  const gold = ['a', 'a', 'a', 'b', 'b', 'c', 'c', 'c', 'c', 'a'];
  const predicted = ['a', 'b', 'a', 'b', 'c', 'c', 'b', 'a', 'c', 'a'];

  it('builds the confusion matrix with rows gold and columns predicted', () => {
    assert.deepStrictEqual(confusionMatrix(gold, predicted, labels), [
      [3, 1, 0],
      [0, 1, 1],
      [1, 1, 2],
    ]);
  });

  it('computes accuracy, per-class precision/recall/F1/support and macro-F1 as by hand', () => {
    assert.strictEqual(accuracy(gold, predicted), 0.6);
    const perClass = perClassMetrics(confusionMatrix(gold, predicted, labels), labels);
    const expected = [
      { label: 'a', precision: 3 / 4, recall: 3 / 4, f1: 3 / 4, support: 4 },
      { label: 'b', precision: 1 / 3, recall: 1 / 2, f1: 0.4, support: 2 },
      { label: 'c', precision: 2 / 3, recall: 2 / 4, f1: 4 / 7, support: 4 },
    ];
    perClass.forEach((c, k) => {
      assert.strictEqual(c.label, expected[k].label);
      assert.strictEqual(c.support, expected[k].support);
      close(c.precision, expected[k].precision);
      close(c.recall, expected[k].recall);
      close(c.f1, expected[k].f1);
    });
    close(macroF1(perClass), (0.75 + 0.4 + 4 / 7) / 3);
  });

  it('gives 0 (not NaN) for a label never predicted and never gold, and still counts it in macro-F1', () => {
    const perClass = perClassMetrics(confusionMatrix(['x', 'y'], ['x', 'y'], ['x', 'y', 'z']), ['x', 'y', 'z']);
    assert.deepStrictEqual(perClass[2], { label: 'z', precision: 0, recall: 0, f1: 0, support: 0 });
    close(macroF1(perClass), 2 / 3);
  });

  it('rejects a label outside the label list, naming it', () => {
    assert.throws(() => confusionMatrix(['a'], ['q'], ['a', 'b']), /predicted label "q" of example 0 is not one of the labels \["a", "b"\]/);
  });

  it('computes ECE over 15 bins as by hand', () => {
    // Bins: 0.9 → (13/15, 14/15], 0.95 → last, 0.8 → (11/15, 12/15] (upper edge), 0.6 and 0.55 → (8/15, 9/15].
    const ece = expectedCalibrationError([0.9, 0.8, 0.95, 0.6, 0.55], [true, false, true, true, false]);
    close(ece, 0.2 * (0.1 + 0.8 + 0.05) + 0.4 * Math.abs(0.5 - 0.575));
  });

  it('ECE matches a plain-loop reference with bins (k/15, (k+1)/15]', () => {
    const reference = (conf: number[], correct: boolean[]) => {
      let ece = 0;
      for (let k = 0; k < 15; k++) {
        const lo = k / 15;
        const hi = (k + 1) / 15;
        const inBin = conf.map((c, i) => i).filter((i) => conf[i] > lo && conf[i] <= hi);
        if (inBin.length === 0) continue;
        const acc = inBin.filter((i) => correct[i]).length / inBin.length;
        const avg = inBin.reduce((s, i) => s + conf[i], 0) / inBin.length;
        ece += (inBin.length / conf.length) * Math.abs(acc - avg);
      }
      return ece;
    };
    // Confidences drawn from bin edges k/15 and arbitrary values in (0, 1].
    const confidence = fc.oneof(
      fc.integer({ min: 1, max: 15 }).map((k) => k / 15),
      fc.double({ min: Number.EPSILON, max: 1, noNaN: true }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(confidence, fc.boolean()), { minLength: 1, maxLength: 60 }), (pairs) => {
        const conf = pairs.map((p) => p[0]);
        const correct = pairs.map((p) => p[1]);
        close(expectedCalibrationError(conf, correct), reference(conf, correct), 1e-12);
      }),
    );
  });

  it('ECE is 0 for perfectly calibrated bins and |acc − conf| for a single bin', () => {
    close(expectedCalibrationError([0.5, 0.5], [true, false]), 0);
    close(expectedCalibrationError([1, 1, 1, 1], [true, true, true, false]), 0.25);
  });

  it('softmax is stable for large magnitudes and uniform when all labels are −∞', () => {
    const p = softmax([-1000, -1001]);
    close(p[0], 1 / (1 + Math.exp(-1)));
    close(p[0] + p[1], 1);
    assert.deepStrictEqual(softmax([-Infinity, -Infinity]), [0.5, 0.5]);
  });

  it('classificationMetrics combines them, with confidence = max label-normalised probability', () => {
    const m = classificationMetrics({
      gold: ['a', 'b', 'b'],
      predicted: ['a', 'a', 'b'],
      probabilities: [
        [0.9, 0.1],
        [0.7, 0.3],
        [0.2, 0.8],
      ],
      labels: ['a', 'b'],
    });
    assert.strictEqual(m.n, 3);
    close(m.accuracy, 2 / 3);
    assert.deepStrictEqual(m.confusion, [
      [1, 0],
      [1, 1],
    ]);
    // Bins: 0.9 alone (correct) → 0.1; 0.7 alone (wrong) → 0.7; 0.8 alone (correct) → 0.2.
    close(m.ece, (0.1 + 0.7 + 0.2) / 3);
  });
});
