/**
 * Exact PCA: the Lanczos eigen-solver and the tridiagonal QL against a known analytic decomposition and a
 * plain Jacobi reference, and the 2-D coordinates against a float64 covariance + Jacobi reference.
 */
import { strict as assert } from 'node:assert';
import { topEigenpairs, tridiagonalEigen } from '../../src/projection/eigen';
import { covariance, pca2 } from '../../src/projection/pca';
import { mulberry } from '../helpers/random';
import { jacobiEigen, maxDiffUpToSign, randomMatrix, referenceCovariance } from './reference';

function randomSymmetric(n: number, seed: number): number[][] {
  const rnd = mulberry(seed);
  const a = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i][j] = a[j][i] = rnd() * 2 - 1;
  return a;
}

const flat = (m: number[][]) => Float64Array.from(m.flat());

/** An orthonormal basis of R^n from Gram–Schmidt on random vectors. */
function randomOrthonormal(n: number, seed: number): number[][] {
  const rnd = mulberry(seed);
  const basis: number[][] = [];
  while (basis.length < n) {
    const v = Array.from({ length: n }, () => rnd() - 0.5);
    for (const b of basis) {
      const c = b.reduce((s, x, i) => s + x * v[i], 0);
      b.forEach((x, i) => (v[i] -= c * x));
    }
    const norm = Math.hypot(...v);
    basis.push(v.map((x) => x / norm));
  }
  return basis;
}

describe('projection: eigen-solver', () => {
  it('the Jacobi reference itself satisfies A v = λ v', () => {
    const a = randomSymmetric(12, 1);
    const { values, vectors } = jacobiEigen(a);
    vectors.forEach((v, k) => a.forEach((row, i) => assert.ok(Math.abs(row.reduce((s, x, j) => s + x * v[j], 0) - values[k] * v[i]) < 1e-12)));
  });

  it('tridiagonal QL: eigenvalues and eigenvectors equal Jacobi on a random tridiagonal matrix', () => {
    const rnd = mulberry(5);
    const n = 15;
    const diag = Array.from({ length: n }, () => rnd() * 4 - 2);
    const off = Array.from({ length: n - 1 }, () => rnd() * 2 - 1);
    const dense = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? diag[i] : Math.abs(i - j) === 1 ? off[Math.min(i, j)] : 0)));
    const ref = jacobiEigen(dense);
    const { values, rows } = tridiagonalEigen(diag, off);
    const order = Array.from(values.keys()).sort((a, b) => values[b] - values[a]);
    order.forEach((col, k) => {
      assert.ok(Math.abs(values[col] - ref.values[k]) < 1e-12, `value ${k}`);
      const vec = Array.from({ length: n }, (_, r) => rows[r * n + col]);
      assert.ok(maxDiffUpToSign(vec, ref.vectors[k]) < 1e-10, `vector ${k}`);
    });
    // Tracking only the last row gives the same last components.
    const last = tridiagonalEigen(diag, off, n - 1);
    order.forEach((col) => assert.ok(Math.abs(last.rows[col] - rows[(n - 1) * n + col]) < 1e-15));
  });

  it('recovers a known analytic decomposition Q diag(λ) Qᵀ', () => {
    const n = 30;
    const Q = randomOrthonormal(n, 3);
    const lambda = Array.from({ length: n }, (_, i) => (i === 0 ? 10 : i === 1 ? 7 : 3 - i / n));
    const a = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => Q.reduce((s, q, k) => s + lambda[k] * q[i] * q[j], 0)));
    const { values, vectors } = topEigenpairs(flat(a), n, 2);
    assert.ok(Math.abs(values[0] - 10) < 1e-12 && Math.abs(values[1] - 7) < 1e-12, `${values}`);
    assert.ok(maxDiffUpToSign(vectors[0], Q[0]) < 1e-12);
    assert.ok(maxDiffUpToSign(vectors[1], Q[1]) < 1e-12);
  });

  it('equals Jacobi on random symmetric matrices (eigenvalues of both signs)', () => {
    for (const seed of [11, 12, 13]) {
      const n = 40;
      const a = randomSymmetric(n, seed);
      const ref = jacobiEigen(a);
      const got = topEigenpairs(flat(a), n, 3, seed);
      for (let k = 0; k < 3; k++) {
        assert.ok(Math.abs(got.values[k] - ref.values[k]) < 1e-11, `seed ${seed}: value ${k} ${got.values[k]} vs ${ref.values[k]}`);
        assert.ok(maxDiffUpToSign(got.vectors[k], ref.vectors[k]) < 1e-8, `seed ${seed}: vector ${k}`);
      }
    }
  });

  it('fixes signs: the largest-magnitude entry of each vector is positive', () => {
    const a = randomSymmetric(10, 4);
    for (const v of topEigenpairs(flat(a), 10, 2).vectors) {
      const big = v.reduce((best, x) => (Math.abs(x) > Math.abs(best) ? x : best), 0);
      assert.ok(big > 0);
    }
  });

  it('handles rank one (Krylov breakdown) and the zero matrix', () => {
    const u = [3, 4, 0, 0, 0].map((x) => x / 5);
    const rank1 = u.map((x) => u.map((y) => 2 * x * y));
    const got = topEigenpairs(flat(rank1), 5, 2);
    assert.ok(Math.abs(got.values[0] - 2) < 1e-14 && Math.abs(got.values[1]) < 1e-14, `${got.values}`);
    assert.ok(maxDiffUpToSign(got.vectors[0], u) < 1e-14);
    assert.ok(Math.abs(got.vectors[0].reduce((s, x, i) => s + x * got.vectors[1][i], 0)) < 1e-12, 'orthogonal');
    const zero = topEigenpairs(new Float64Array(16), 4, 2);
    assert.deepEqual(zero.values, [0, 0]);
    assert.deepEqual(Array.from(zero.vectors[0]), [1, 0, 0, 0]);
  });
});

describe('projection: 2-D PCA', () => {
  it('places ±a·u₁, ±b·u₂ at (±a, 0) and (0, ±b) with the analytic variances', async () => {
    const H = 6;
    const [u1, u2] = randomOrthonormal(H, 8);
    const [a, b] = [3, 1.5];
    const pts = [u1.map((x) => a * x), u1.map((x) => -a * x), u2.map((x) => b * x), u2.map((x) => -b * x)];
    const shifted = pts.map((p) => p.map((x, i) => x + i)); // an offset the centring must remove
    const r = await pca2(Float64Array.from(shifted.flat()), 4, H, { threads: 1 });
    const expected = [[a, 0], [-a, 0], [0, b], [0, -b]];
    const sx = Math.sign(r.coords[0]);
    const sy = Math.sign(r.coords[5]);
    expected.forEach(([x, y], p) => {
      assert.ok(Math.abs(r.coords[2 * p] - sx * x) < 1e-12, `point ${p} x`);
      assert.ok(Math.abs(r.coords[2 * p + 1] - sy * y) < 1e-12, `point ${p} y`);
    });
    assert.ok(Math.abs(r.variances[0] - (2 * a * a) / 3) < 1e-12 && Math.abs(r.variances[1] - (2 * b * b) / 3) < 1e-12);
    assert.ok(Math.abs(r.explained[0] - a * a / (a * a + b * b)) < 1e-12);
  });

  it('covariance in onnxruntime equals a float64 loop', async () => {
    const [m, H] = [33, 9];
    const pts = Float64Array.from(randomMatrix(m, H, 6));
    const got = await covariance(pts, m, H, 1);
    const ref = referenceCovariance(pts, m, H);
    ref.cov.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(got.cov[i * H + j] - v) < 1e-13)));
    ref.mean.forEach((v, i) => assert.ok(Math.abs(got.mean[i] - v) < 1e-15));
  });

  it('coordinates equal a covariance + Jacobi reference on random data', async () => {
    const [m, H] = [120, 32];
    const scales = Array.from({ length: H }, (_, i) => 1 / (1 + i)); // a decaying spectrum, as embeddings have
    const pts = Float64Array.from(randomMatrix(m, H, 17, scales));
    const r = await pca2(pts, m, H, { threads: 1 });
    const { mean, cov } = referenceCovariance(pts, m, H);
    const ref = jacobiEigen(cov);
    for (const axis of [0, 1]) {
      assert.ok(Math.abs(r.variances[axis] - ref.values[axis]) < 1e-12, `variance ${axis}`);
      const refCoords = Array.from({ length: m }, (_, p) => ref.vectors[axis].reduce((s, v, h) => s + v * (pts[p * H + h] - mean[h]), 0));
      const got = Array.from({ length: m }, (_, p) => r.coords[2 * p + axis]);
      assert.ok(maxDiffUpToSign(got, refCoords) < 1e-10, `axis ${axis}: ${maxDiffUpToSign(got, refCoords)}`);
    }
  });
});
