/**
 * The leading eigenpairs of a symmetric matrix, to machine precision: Lanczos with full
 * reorthogonalisation, stopped when every wanted Ritz pair's residual ‖Av − θv‖ is below 1e-13 ‖A‖ (or the
 * Krylov space is the whole space, where the result is exact by construction). A dense method (Jacobi,
 * Householder + QL) costs O(n³) on the 768 × 768 covariance; Lanczos needs a few hundred matrix–vector
 * products at most. The small tridiagonal problems are solved by implicit QL (JAMA's tql2).
 */
import { createRng } from '../data/random';

export interface Eigenpairs {
  /** Descending. */
  values: number[];
  /** Unit vectors, one per value; sign fixed so that the entry of largest magnitude is positive. */
  vectors: Float64Array[];
}

const EPS = 2 ** -52;
const TOLERANCE = 1e-13;

/**
 * Eigenvalues and the tracked rows of the eigenvector matrix of the symmetric tridiagonal matrix with
 * diagonal `diag` and off-diagonal `off` (off[i] couples i and i + 1). Rows `fromRow`..n−1 of the
 * eigenvector matrix are tracked: each row evolves independently under the QL rotations, so the last row
 * alone (for Lanczos residuals) costs O(n) per sweep instead of O(n²). Values come unsorted.
 */
export function tridiagonalEigen(diag: readonly number[], off: readonly number[], fromRow = 0): { values: Float64Array; rows: Float64Array } {
  const n = diag.length;
  const d = Float64Array.from(diag);
  const e = new Float64Array(n);
  for (let i = 0; i < n - 1; i++) e[i] = off[i];
  const tracked = n - fromRow;
  // z[(r − fromRow) * n + c]: row r of the eigenvector matrix, starting from the identity.
  const z = new Float64Array(tracked * n);
  for (let r = fromRow; r < n; r++) z[(r - fromRow) * n + r] = 1;
  let f = 0;
  let tst1 = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > EPS * tst1) m++;
    if (m > l) {
      let iterations = 0;
      do {
        if (++iterations > 60) throw new Error('tridiagonal QL did not converge');
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          for (let k = 0; k < tracked; k++) {
            const row = k * n;
            h = z[row + i + 1];
            z[row + i + 1] = s * z[row + i] + c * h;
            z[row + i] = c * z[row + i] - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > EPS * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
  return { values: d, rows: z };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function multiply(A: Float64Array, n: number, x: Float64Array, out: Float64Array): void {
  for (let r = 0; r < n; r++) {
    let s = 0;
    const row = r * n;
    for (let c = 0; c < n; c++) s += A[row + c] * x[c];
    out[r] = s;
  }
}

/** Removes from w its components along every basis vector, twice ("twice is enough" for orthogonality). */
function orthogonalise(w: Float64Array, basis: readonly Float64Array[]): void {
  for (let pass = 0; pass < 2; pass++) {
    for (const q of basis) {
      const c = dot(q, w);
      for (let i = 0; i < w.length; i++) w[i] -= c * q[i];
    }
  }
}

/** A seeded random unit vector orthogonal to `basis`, or undefined if the basis already spans the space. */
function freshDirection(n: number, basis: readonly Float64Array[], rng: () => number): Float64Array | undefined {
  for (let attempt = 0; attempt < 3; attempt++) {
    const v = Float64Array.from({ length: n }, () => rng() - 0.5);
    orthogonalise(v, basis);
    const norm = Math.sqrt(dot(v, v));
    if (norm > 1e-8) {
      for (let i = 0; i < n; i++) v[i] /= norm;
      return v;
    }
  }
  return undefined;
}

function fixSign(v: Float64Array): Float64Array {
  let at = 0;
  for (let i = 1; i < v.length; i++) if (Math.abs(v[i]) > Math.abs(v[at])) at = i;
  if (v[at] < 0) for (let i = 0; i < v.length; i++) v[i] = -v[i];
  return v;
}

/** Indices of the `count` largest values, largest first. */
function largest(values: Float64Array, count: number): number[] {
  return Array.from(values.keys())
    .sort((a, b) => values[b] - values[a] || a - b)
    .slice(0, count);
}

/** The `count` largest eigenpairs of the symmetric n × n row-major matrix A. */
export function topEigenpairs(A: Float64Array, n: number, count: number, seed = 0): Eigenpairs {
  if (A.length !== n * n) throw new Error(`topEigenpairs: ${A.length} values for ${n} × ${n}`);
  count = Math.min(count, n);
  let scale = 0;
  for (let i = 0; i < A.length; i++) scale = Math.max(scale, Math.abs(A[i]));
  scale *= n; // ≥ ‖A‖₂
  const rng = createRng(seed);
  const basis: Float64Array[] = [];
  const alpha: number[] = [];
  const beta: number[] = [];
  const w = new Float64Array(n);
  let q = freshDirection(n, basis, rng)!;
  while (scale > 0) {
    basis.push(q);
    multiply(A, n, q, w);
    alpha.push(dot(q, w));
    // Full reorthogonalisation subsumes the three-term recurrence and keeps the basis orthogonal in floats.
    orthogonalise(w, basis);
    const b = Math.sqrt(dot(w, w));
    if (basis.length === n) break;
    if (b <= n * EPS * scale) {
      // An invariant subspace: its Ritz pairs are exact. Go on in a fresh direction only if too few pairs.
      if (basis.length >= count) break;
      const next = freshDirection(n, basis, rng);
      if (!next) break;
      beta.push(0);
      q = next;
      continue;
    }
    if (basis.length >= count) {
      const { values, rows } = tridiagonalEigen(alpha, beta, basis.length - 1);
      const top = largest(values, count);
      let norm = 0;
      for (const x of values) norm = Math.max(norm, Math.abs(x));
      if (top.every((i) => b * Math.abs(rows[i]) <= TOLERANCE * norm)) break;
    }
    beta.push(b);
    q = Float64Array.from(w, (x) => x / b);
  }
  if (scale === 0) {
    // The zero matrix: every vector is an eigenvector; return the leading unit vectors.
    return { values: new Array(count).fill(0), vectors: Array.from({ length: count }, (_, i) => Float64Array.from({ length: n }, (_, j) => (j === i ? 1 : 0))) };
  }
  const m = basis.length;
  const { values, rows } = tridiagonalEigen(alpha, beta.slice(0, m - 1));
  const top = largest(values, count);
  const vectors = top.map((col) => {
    const v = new Float64Array(n);
    for (let j = 0; j < m; j++) {
      const s = rows[j * m + col];
      const qj = basis[j];
      for (let i = 0; i < n; i++) v[i] += s * qj[i];
    }
    const norm = Math.sqrt(dot(v, v));
    for (let i = 0; i < n; i++) v[i] /= norm;
    return fixSign(v);
  });
  return { values: top.map((i) => values[i]), vectors };
}
