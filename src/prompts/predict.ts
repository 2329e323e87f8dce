/**
 * The classification prediction: the label whose continuation has the highest summed log-probability (the
 * scores `ModelEngine.score` returns). Ties go to the first label in file order; NaN never wins.
 */
export function predictIndex(scores: readonly number[]): number {
  let best = -1;
  let bestScore = -Infinity;
  scores.forEach((s, i) => {
    if (!Number.isNaN(s) && (best < 0 || s > bestScore)) {
      best = i;
      bestScore = s;
    }
  });
  return best < 0 ? 0 : best;
}

export function predictLabel(scores: readonly number[], labels: readonly string[]): string {
  return labels[predictIndex(scores)];
}
