/** Plain-text descriptions of test and evaluation results, for the inline decoration and the output channel. */
import * as path from 'node:path';
import type { EvalJobResult, GenerateResult, TestPromptResult } from '../../worker/protocol';
import { l10n } from 'vscode';
import { INLINE_MAX_CHARS, quotedExcerpt } from '../language/inlineText';
import type { GenerationViewState } from '../views/protocol';

export function describeTest(result: TestPromptResult): { inline: string; detail: string } {
  if (result.task === 'generation') {
    return { inline: `→ ${JSON.stringify(result.text)}`, detail: l10n.t('generated ({0} tokens): {1}', result.tokens, result.text) };
  }
  const ranked = [...result.labels].sort((a, b) => b.probability - a.probability);
  const probs = ranked.map((l) => `${l.label} ${(100 * l.probability).toFixed(1)}%`).join(' · ');
  const gold = result.gold === undefined ? '' : `  (${l10n.t({ message: 'gold {0}', args: [result.gold], comment: ['{0}: the dataset row\'s true label'] })} ${result.gold === result.predicted ? '✓' : '✗'})`;
  const detail = [`${l10n.t('predicted: {0}', result.predicted)}${gold}`, ...ranked.map((l) => `  ${l.label}: p = ${l.probability.toFixed(4)}, log p(continuation) = ${l.logProb.toFixed(4)}`)].join('\n');
  return { inline: `→ ${result.predicted}  ·  ${probs}${gold}`, detail };
}

export function describeEval(result: EvalJobResult, data: string): { inline: string; detail: string } {
  const rows = l10n.t('{0} rows of {1}', result.n, path.basename(data));
  const speed = l10n.t('{0} examples/s', result.examplesPerSecond.toFixed(1));
  const truncated = result.truncatedRows ? ` · ${l10n.t('{0} rows truncated', result.truncatedRows)}` : '';
  const warnings = result.warnings.map((w) => l10n.t('warning: {0}', w));
  if (result.task === 'generation' && result.generation) {
    const g = result.generation;
    const inline = `${l10n.t('exact match {0}', `${(100 * g.exactMatch).toFixed(1)}%`)} · ${l10n.t('token F1 {0}', g.tokenF1.toFixed(3))} · ROUGE-L ${g.rougeL.toFixed(3)} · ${rows} · ${result.seconds.toFixed(1)} s`;
    const detail = [inline, `${l10n.t('contains {0}', `${(100 * g.contains).toFixed(1)}%`)} · ${speed}${truncated}`, ...warnings];
    return { inline, detail: detail.join('\n') };
  }
  const inline = `${l10n.t('accuracy {0}', `${(100 * result.accuracy).toFixed(1)}%`)} · macro-F1 ${result.macroF1.toFixed(3)} · ${rows} · ${result.seconds.toFixed(1)} s`;
  const width = Math.max(...result.labels.map((l) => l.length), 4);
  const lines = [
    inline,
    `ECE ${result.ece.toFixed(3)} · ${speed}${truncated}`,
    l10n.t('per class:'),
    ...result.perClass.map((c) => `  ${c.label.padEnd(width)}  ${l10n.t({
      message: 'precision {0}  recall {1}  F1 {2}  support {3}',
      args: [c.precision.toFixed(3), c.recall.toFixed(3), c.f1.toFixed(3), c.support],
      comment: ['one row of a per-class table: keep the double spaces between the columns'],
    })}`),
    l10n.t('confusion (rows: gold, columns: predicted):'),
    `  ${''.padEnd(width)}  ${result.labels.map((l) => l.padStart(width)).join(' ')}`,
    ...result.confusion.map((row, i) => `  ${result.labels[i].padEnd(width)}  ${row.map((v) => String(v).padStart(width)).join(' ')}`),
    ...warnings,
  ];
  return { inline, detail: lines.join('\n') };
}

/** One line on a finished generation: tokens, decoding, why it stopped, speed. */
export function describeGenerateResult(result: GenerateResult): string {
  const how = result.sampling.temperature === 0 ? l10n.t('greedy') : l10n.t('sampled, seed {0}', result.sampling.seed);
  const why = {
    eos: l10n.t('end of sequence'),
    stop: l10n.t('stop string'),
    length: `max_new_tokens ${result.maxNewTokens}`,
    context: l10n.t('model context full'),
  }[result.finishReason];
  return l10n.t({
    message: '{0} tokens ({1}; {2}) · {3} tokens/s · first token {4} ms',
    args: [result.ids.length, how, why, result.tokensPerSecond.toFixed(1), result.timeToFirstTokenMs.toFixed(0)],
    comment: ['{1}: greedy or "sampled, seed 3"; {2}: why the generation stopped, e.g. "end of sequence"'],
  });
}

/**
 * A generation as it streams: the inline line (the quoted beginning of the text, cut to fit, and where it
 * stands) and the full text for the hover and the output channel.
 */
export function describeGeneration(g: Pick<GenerationViewState, 'text' | 'tokens' | 'status' | 'message'>, max = INLINE_MAX_CHARS): { inline: string; detail: string } {
  const tokens = g.tokens === 1 ? l10n.t('1 token') : l10n.t('{0} tokens', g.tokens);
  const suffix = {
    running: ` · ${l10n.t('generating… {0}', tokens)}`,
    done: ` · ${tokens}`,
    cancelled: ` · ${l10n.t('cancelled after {0}', tokens)}`,
    failed: ` · ${l10n.t('failed')}`,
  }[g.status];
  const prefix = '→ ';
  const inline = `${prefix}${quotedExcerpt(g.text, max - prefix.length - suffix.length)}${suffix}`;
  const state = {
    running: l10n.t('generating ({0} so far)', tokens),
    done: g.message ?? l10n.t('generated {0}', tokens),
    cancelled: l10n.t('cancelled after {0}; the text so far', tokens),
    failed: g.message ? l10n.t('failed after {0}: {1}', tokens, g.message) : l10n.t('failed after {0}', tokens),
  }[g.status];
  return { inline, detail: `${state}\n${g.text}` };
}
