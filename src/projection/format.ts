/**
 * The projection as a plain-text table for the terminal (`ptune project` without --json). Token strings are
 * shown through visibleToken, so whitespace is visible and no control character reaches the terminal.
 */
import { visibleToken } from './display';
import type { ProjectionResult } from './index';

const SCORE_NAME = { cosine: 'cosine similarity', l2: 'L2 distance', dot: 'dot product' } as const;
const DISTANCE_NAME = { cosine: 'cosine distance', l2: 'L2 distance' } as const;

/** A number in four significant digits, without exponent noise for ordinary magnitudes. */
export function shortNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && (Math.abs(x) >= 1e6 || Math.abs(x) < 1e-4)) return x.toExponential(2);
  return String(Number(x.toPrecision(4)));
}

const width = (text: string) => [...text].length;
const padStart = (text: string, to: number) => ' '.repeat(Math.max(0, to - width(text))) + text;

export function formatProjection(result: ProjectionResult): string {
  const header = ['#', 'percentile', DISTANCE_NAME[result.manifold.distance], `nearest tokens (${SCORE_NAME[result.metric]})`];
  const rows = result.tokens.map((t) => [
    String(t.index),
    t.percentile.toFixed(1),
    shortNumber(t.nearestDistance),
    t.neighbors.map((nb) => `${visibleToken(nb.token)} (${shortNumber(nb.score)})`).join('  '),
  ]);
  // Right-aligned numeric columns; the token column is last, so its varying widths need no padding.
  const widths = [0, 1, 2].map((c) => Math.max(width(header[c]), ...rows.map((r) => width(r[c]))));
  const render = (cells: string[]) => [...widths.map((w, c) => padStart(cells[c], w)), cells[3]].join('  ');
  const m = result.manifold;
  return [
    `Nearest vocabulary tokens of ${result.numVirtual} virtual tokens (metric ${result.metric}, top ${result.topK}, vocabulary ${result.vocabSize})`,
    '',
    render(header),
    render(widths.map((w) => '-'.repeat(w)).concat('-'.repeat(width(header[3])))),
    ...rows.map(render),
    '',
    `percentile: share of ${m.sampleSize} sampled vocabulary tokens whose own nearest neighbour is nearer than the virtual token's nearest token`,
    `  (their ${DISTANCE_NAME[m.distance]}s: 5% ${shortNumber(m.p5)}, median ${shortNumber(m.median)}, 95% ${shortNumber(m.p95)}; 0 = on an embedding row)`,
    `projected hard prompt (${result.projectedIds.length} tokens): ${visibleToken(result.projectedText)}`,
    `projected ids: ${result.projectedIds.join(' ')}`,
  ].join('\n');
}
