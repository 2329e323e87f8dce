import { UserError } from '../engine/errors';
import { createRng, shuffled } from './random';
import type { Row } from './types';

export interface SplitRatios {
  train: number;
  dev?: number;
  test?: number;
}

export interface Splits {
  train: Row[];
  dev: Row[];
  test: Row[];
}

type SplitName = keyof Splits;
const NAMES: SplitName[] = ['train', 'dev', 'test'];

/** Sizes for `n` items that sum to `n`: floors first, then the largest remainders (ties: train, dev, test). */
function allocate(n: number, ratios: number[]): number[] {
  const exact = ratios.map((r) => r * n);
  const sizes = exact.map(Math.floor);
  let left = n - sizes.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((x, i) => ({ i, rem: x - Math.floor(x) })).sort((a, b) => b.rem - a.rem || a.i - b.i);
  for (const { i } of byRemainder) {
    if (left === 0) break;
    if (ratios[i] > 0) {
      sizes[i]++;
      left--;
    }
  }
  return sizes;
}

/**
 * Deterministic seeded train/dev/test split by ratio (ratios must sum to 1). With `stratifyBy` (a column,
 * usually the label) each value is split separately, so every split keeps the label proportions. Rows keep
 * their original order within each split.
 */
export function splitRows(rows: readonly Row[], ratios: SplitRatios, seed: number, stratifyBy?: string): Splits {
  const values = NAMES.map((name) => ratios[name] ?? 0);
  if (values.some((r) => !Number.isFinite(r) || r < 0)) {
    throw new UserError(`split ratios must be numbers ≥ 0, got train ${values[0]}, dev ${values[1]}, test ${values[2]}`);
  }
  const sum = values.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > 1e-9) {
    throw new UserError(`split ratios must add up to 1, got ${values.join(' + ')} = ${Number(sum.toFixed(6))}`);
  }
  const groups = new Map<string, number[]>();
  rows.forEach((row, i) => {
    let key = '';
    if (stratifyBy !== undefined) {
      if (!(stratifyBy in row)) throw new UserError(`cannot stratify by "${stratifyBy}": row ${i + 1} has no such column`);
      key = row[stratifyBy];
    }
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  });
  const rng = createRng(seed);
  const assigned: number[][] = [[], [], []];
  for (const key of [...groups.keys()].sort()) {
    const members = shuffled(groups.get(key) as number[], rng);
    const sizes = allocate(members.length, values);
    let at = 0;
    sizes.forEach((size, s) => {
      assigned[s].push(...members.slice(at, at + size));
      at += size;
    });
  }
  const pick = (s: number): Row[] => assigned[s].sort((a, b) => a - b).map((i) => rows[i]);
  return { train: pick(0), dev: pick(1), test: pick(2) };
}
