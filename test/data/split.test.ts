import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { splitRows, type Row } from '../../src/data';
import { isUserError } from '../../src/engine/errors';

function rowsWith(counts: Record<string, number>): Row[] {
  const rows: Row[] = [];
  for (const [label, n] of Object.entries(counts)) for (let i = 0; i < n; i++) rows.push({ text: `${label}-${i}`, label });
  return rows;
}

describe('datasets: splits', () => {
  it('splits by ratio, deterministically for a seed, covering every row exactly once', () => {
    const rows = rowsWith({ a: 50, b: 50 });
    const s = splitRows(rows, { train: 0.8, dev: 0.1, test: 0.1 }, 3);
    assert.deepEqual([s.train.length, s.dev.length, s.test.length], [80, 10, 10]);
    assert.deepEqual(new Set([...s.train, ...s.dev, ...s.test]), new Set(rows));
    assert.deepEqual(splitRows(rows, { train: 0.8, dev: 0.1, test: 0.1 }, 3), s);
    assert.notDeepEqual(splitRows(rows, { train: 0.8, dev: 0.1, test: 0.1 }, 4).dev, s.dev);
    // Rows keep their original order inside a split.
    assert.deepEqual(s.train, rows.filter((r) => s.train.includes(r)));
  });

  it('keeps label proportions when stratified', () => {
    const rows = rowsWith({ pos: 90, neg: 30 });
    const s = splitRows(rows, { train: 0.5, dev: 0.25, test: 0.25 }, 1, 'label');
    const count = (part: Row[], label: string): number => part.filter((r) => r.label === label).length;
    assert.deepEqual([count(s.train, 'pos'), count(s.dev, 'pos'), count(s.test, 'pos')], [45, 23, 22]);
    assert.deepEqual([count(s.train, 'neg'), count(s.dev, 'neg'), count(s.test, 'neg')], [15, 8, 7]);
  });

  it('property: sizes follow the ratios within one row per label group, and splits are disjoint', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 10 }), fc.integer(), (na, nb, d, t, seed) => {
        const total = 10 + d + t;
        const ratios = { train: 10 / total, dev: d / total, test: t / total };
        const rows = rowsWith({ a: na, b: nb });
        const s = splitRows(rows, ratios, seed, 'label');
        assert.equal(s.train.length + s.dev.length + s.test.length, rows.length);
        assert.equal(new Set([...s.train, ...s.dev, ...s.test]).size, rows.length);
        for (const [part, ratio] of [[s.dev, ratios.dev], [s.test, ratios.test]] as const) {
          assert.ok(Math.abs(part.length - ratio * rows.length) <= 2, `${part.length} vs ${ratio * rows.length}`);
          if (ratio === 0) assert.equal(part.length, 0);
        }
      }),
      { numRuns: 200, seed: 9 },
    );
  });

  it('rejects ratios that do not add up to 1 and unknown stratify columns', () => {
    assert.throws(() => splitRows([], { train: 0.8, dev: 0.1 }, 0), (e: unknown) => isUserError(e) && (e as Error).message === 'split ratios must add up to 1, got 0.8 + 0.1 + 0 = 0.9');
    assert.throws(() => splitRows([{ text: 'x' }], { train: 1 }, 0, 'label'), /cannot stratify by "label": row 1 has no such column/);
  });
});
