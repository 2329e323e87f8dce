/**
 * Exact two-component PCA: the points are centred and their covariance formed by one float64 Gemm in
 * onnxruntime; its two leading eigenvectors come from ./eigen (converged to machine precision), and each
 * point's coordinates are its centred vector's dot products with them.
 */
import { Graph } from '../engine/onnx/graph';
import { topEigenpairs } from './eigen';
import { cachedSession } from './sessions';

export interface Pca2 {
  /** [points × 2] row-major: each point's coordinates on the first and second principal axis. */
  coords: Float64Array;
  /** The two principal axes (unit vectors in the input space), largest variance first. */
  axes: [Float64Array, Float64Array];
  /** Variance (eigenvalue of the sample covariance, divisor m − 1) along each axis. */
  variances: [number, number];
  /** Each axis's share of the total variance (trace of the covariance); 0 when there is no variance. */
  explained: [number, number];
}

function buildCovarianceGraph(m: number, H: number): Graph {
  const g = new Graph('float64');
  const x = g.input('points', [m, H]);
  const mean = g.reduceMean(x, [0], true);
  const centred = g.sub(x, mean);
  g.output(mean, 'mean');
  g.output(g.mul(g.gemm(centred, centred, undefined, { transA: 1 }), g.scalar(1 / Math.max(1, m - 1))), 'cov');
  return g;
}

/** Mean and sample covariance (divisor m − 1) of m points, [m × H] row-major, computed in onnxruntime. */
export async function covariance(points: Float64Array, m: number, H: number, threads?: number): Promise<{ mean: Float64Array; cov: Float64Array }> {
  if (points.length !== m * H) throw new Error(`covariance: ${points.length} values for ${m} × ${H}`);
  const session = await cachedSession(`cov|${m}x${H}`, threads, () => buildCovarianceGraph(m, H));
  const out = await session.run({ points });
  return { mean: out.mean as Float64Array, cov: out.cov as Float64Array };
}

/** The first two principal components of m points in H dimensions. */
export async function pca2(points: Float64Array, m: number, H: number, opts: { threads?: number; seed?: number } = {}): Promise<Pca2> {
  if (m < 1) throw new Error('pca2: no points');
  const { mean, cov } = await covariance(points, m, H, opts.threads);
  // Symmetrise the Gemm's result exactly (its two triangles may differ in the last bit).
  for (let r = 0; r < H; r++) {
    for (let c = r + 1; c < H; c++) {
      const avg = (cov[r * H + c] + cov[c * H + r]) / 2;
      cov[r * H + c] = avg;
      cov[c * H + r] = avg;
    }
  }
  const pairs = topEigenpairs(cov, H, Math.min(2, H), opts.seed);
  const axes: [Float64Array, Float64Array] = [pairs.vectors[0], pairs.vectors[1] ?? new Float64Array(H)];
  const variances: [number, number] = [Math.max(0, pairs.values[0]), Math.max(0, pairs.values[1] ?? 0)];
  let trace = 0;
  for (let i = 0; i < H; i++) trace += cov[i * H + i];
  const explained: [number, number] = trace > 0 ? [variances[0] / trace, variances[1] / trace] : [0, 0];
  const coords = new Float64Array(m * 2);
  for (let p = 0; p < m; p++) {
    let x = 0;
    let y = 0;
    for (let h = 0; h < H; h++) {
      const centred = points[p * H + h] - mean[h];
      x += centred * axes[0][h];
      y += centred * axes[1][h];
    }
    coords[2 * p] = x;
    coords[2 * p + 1] = y;
  }
  return { coords, axes, variances, explained };
}
