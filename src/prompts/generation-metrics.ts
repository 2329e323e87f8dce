/**
 * Scores of a generated answer against the gold one, SQuAD style: both are normalised (lower case,
 * punctuation and the articles a/an/the removed, whitespace collapsed) before comparing.
 */

export function normalizeAnswer(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\p{P}\p{S}]/gu, ' ')
    .replace(/\b(a|an|the)\b/g, ' ')
    .split(/\s+/)
    .filter((w) => w !== '')
    .join(' ');
}

/** 1 when the normalised texts are equal, else 0. */
export function exactMatch(prediction: string, gold: string): number {
  return normalizeAnswer(prediction) === normalizeAnswer(gold) ? 1 : 0;
}

/** 1 when the normalised gold answer occurs in the normalised prediction as whole words, else 0. */
export function containsMatch(prediction: string, gold: string): number {
  const p = normalizeAnswer(prediction);
  const g = normalizeAnswer(gold);
  if (g === '') return p === '' ? 1 : 0;
  return ` ${p} `.includes(` ${g} `) ? 1 : 0;
}

/** Harmonic mean of token precision and recall over the normalised words (multiset overlap). */
export function tokenF1(prediction: string, gold: string): number {
  const p = normalizeAnswer(prediction).split(' ').filter((w) => w !== '');
  const g = normalizeAnswer(gold).split(' ').filter((w) => w !== '');
  if (p.length === 0 || g.length === 0) return p.length === g.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const w of g) counts.set(w, (counts.get(w) ?? 0) + 1);
  let same = 0;
  for (const w of p) {
    const n = counts.get(w) ?? 0;
    if (n > 0) {
      same++;
      counts.set(w, n - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / p.length;
  const recall = same / g.length;
  return (2 * precision * recall) / (precision + recall);
}

/**
 * Words as Google's rouge-score tokenises them by default (lower case, every run of characters other
 * than letters and digits is a separator, no stemming), with letters and digits of any script.
 */
export function rougeTokens(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w !== '');
}

/** ROUGE-L F-measure (β = 1, as rouge-score's `fmeasure`): from the longest common subsequence of words. */
export function rougeL(prediction: string, gold: string): number {
  const p = rougeTokens(prediction);
  const g = rougeTokens(gold);
  if (p.length === 0 || g.length === 0) return 0;
  // LCS length by dynamic programming over one row.
  const row = new Array<number>(g.length + 1).fill(0);
  for (const word of p) {
    let diagonal = 0;
    for (let j = 1; j <= g.length; j++) {
      const above = row[j];
      row[j] = word === g[j - 1] ? diagonal + 1 : Math.max(row[j], row[j - 1]);
      diagonal = above;
    }
  }
  const lcs = row[g.length];
  if (lcs === 0) return 0;
  const precision = lcs / p.length;
  const recall = lcs / g.length;
  return (2 * precision * recall) / (precision + recall);
}

export interface GenerationScores {
  exact: number;
  contains: number;
  f1: number;
  rougeL: number;
}

export function scoreGeneration(prediction: string, gold: string): GenerationScores {
  return { exact: exactMatch(prediction, gold), contains: containsMatch(prediction, gold), f1: tokenF1(prediction, gold), rougeL: rougeL(prediction, gold) };
}
