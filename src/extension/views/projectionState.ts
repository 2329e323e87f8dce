/** Maps the worker's projection result (src/projection) onto the projection view's state. */
import type { ProjectionResult } from '../../projection';
import type { Neighbour, ProjectionViewState } from './protocol';
import { l10n } from 'vscode';

export function toProjectionView(result: ProjectionResult, source: string): ProjectionViewState {
  const scoreLabel = result.metric === 'cosine' ? l10n.t('cosine similarity') : result.metric === 'l2' ? l10n.t('L2 distance') : l10n.t('dot product');
  const map: ProjectionViewState['map'] = [];
  if (result.map) {
    for (const p of result.map.background) map.push({ x: p.x, y: p.y, label: p.display, kind: 'vocab' });
    for (const p of result.map.neighbors) map.push({ x: p.x, y: p.y, label: p.display, kind: 'neighbour' });
    for (const p of result.map.virtual) map.push({ x: p.x, y: p.y, label: l10n.t({ message: 'virtual {0}', args: [p.index], comment: ['{0}: the index of a virtual token on the 2-D map'] }), kind: 'virtual' });
  }
  return {
    source,
    scoreLabel,
    distanceLabel: result.manifold.distance === 'cosine' ? l10n.t('cosine distance') : l10n.t('L2 distance'),
    medianDistance: result.manifold.median,
    tokens: result.tokens.map((t) => ({
      index: t.index,
      nearestDistance: t.nearestDistance,
      percentile: t.percentile,
      neighbours: withBars(result.metric, t.neighbors.map((n) => ({ token: n.token, display: n.display, id: n.id, score: n.score, bar: 0 }))),
    })),
    map,
    explainedVariance: result.map?.explainedVariance,
    hardPrompt: result.projectedText,
  };
}

/** Bar lengths: cosine maps [-1, 1] to [0, 1]; distances and dot products are scaled within the token's list. */
export function withBars(metric: ProjectionResult['metric'], neighbours: Neighbour[]): Neighbour[] {
  if (metric === 'cosine') return neighbours.map((n) => ({ ...n, bar: clamp01((n.score + 1) / 2) }));
  const scores = neighbours.map((n) => n.score);
  const lo = Math.min(...scores);
  const hi = Math.max(...scores);
  const span = hi - lo;
  // l2: smaller is nearer; dot: larger is nearer. The nearest gets a full bar, the farthest a fifth.
  return neighbours.map((n) => {
    const t = span > 0 ? (metric === 'l2' ? (hi - n.score) / span : (n.score - lo) / span) : 1;
    return { ...n, bar: 0.2 + 0.8 * t };
  });
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}
