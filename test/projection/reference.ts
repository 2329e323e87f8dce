/**
 * Plain references for the projection tests, written independently of src/projection: brute-force nearest
 * neighbours in float64 and the cyclic Jacobi eigenvalue algorithm.
 */
import { mulberry } from '../helpers/random';

export function randomMatrix(rows: number, cols: number, seed: number, scales?: readonly number[]): Float32Array {
  const rnd = mulberry(seed);
  return Float32Array.from({ length: rows * cols }, (_, i) => (rnd() * 2 - 1) * (scales ? scales[i % cols] : 1));
}

/** All vocabulary ids ordered best first by `metric` (ties by id), with the metric's value. */
export function bruteForceNearest(vocab: Float32Array, V: number, H: number, query: ArrayLike<number>, metric: 'cosine' | 'l2' | 'dot'): { id: number; value: number }[] {
  const qn = Math.sqrt(Array.from({ length: H }, (_, h) => query[h] ** 2).reduce((a, b) => a + b, 0));
  const all = Array.from({ length: V }, (_, id) => {
    let dot = 0;
    let sq = 0;
    let dist = 0;
    for (let h = 0; h < H; h++) {
      const b = vocab[id * H + h];
      dot += query[h] * b;
      sq += b * b;
      dist += (query[h] - b) ** 2;
    }
    const value = metric === 'dot' ? dot : metric === 'l2' ? Math.sqrt(dist) : 1 - dot / (qn * Math.sqrt(sq));
    return { id, value };
  });
  return all.sort((a, b) => (metric === 'dot' ? b.value - a.value : a.value - b.value) || a.id - b.id);
}

/** Every eigenpair of a symmetric matrix by cyclic Jacobi rotations; values descending, vectors as columns. */
export function jacobiEigen(matrix: readonly (readonly number[])[]): { values: number[]; vectors: number[][] } {
  const n = matrix.length;
  const a = matrix.map((r) => [...r]);
  const v: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let total = 0;
    for (let p = 0; p < n; p++) for (let q = 0; q < n; q++) (p === q ? (total += a[p][q] ** 2) : (off += a[p][q] ** 2));
    if (off <= 1e-28 * (total + off)) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        if (a[p][q] === 0) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const [akp, akq] = [a[k][p], a[k][q]];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const [apk, aqk] = [a[p][k], a[q][k]];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const [vkp, vkq] = [v[k][p], v[k][q]];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => a[y][y] - a[x][x]);
  return { values: order.map((i) => a[i][i]), vectors: order.map((i) => v.map((row) => row[i])) };
}

/** Sample covariance (divisor m − 1) of [m × H] row-major points, in float64. */
export function referenceCovariance(points: ArrayLike<number>, m: number, H: number): { mean: number[]; cov: number[][] } {
  const mean = Array.from({ length: H }, (_, h) => {
    let s = 0;
    for (let p = 0; p < m; p++) s += points[p * H + h];
    return s / m;
  });
  const cov = Array.from({ length: H }, () => new Array<number>(H).fill(0));
  for (let p = 0; p < m; p++) {
    for (let i = 0; i < H; i++) {
      const di = points[p * H + i] - mean[i];
      for (let j = 0; j < H; j++) cov[i][j] += (di * (points[p * H + j] - mean[j])) / (m - 1);
    }
  }
  return { mean, cov };
}

/** max |a − s·b| over the sign s that fits best: eigenvectors are defined up to sign. */
export function maxDiffUpToSign(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let plus = 0;
  let minus = 0;
  for (let i = 0; i < a.length; i++) {
    plus = Math.max(plus, Math.abs(a[i] - b[i]));
    minus = Math.max(minus, Math.abs(a[i] + b[i]));
  }
  return Math.min(plus, minus);
}
