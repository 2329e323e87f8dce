/** Plain-text descriptions of test and evaluation results, for the inline decoration and the output channel. */
import * as path from 'node:path';
import type { EvalJobResult, GenerateResult, TestPromptResult } from '../../worker/protocol';
import { INLINE_MAX_CHARS, quotedExcerpt } from '../language/inlineText';
import type { GenerationViewState } from '../views/protocol';

export function describeTest(result: TestPromptResult): { inline: string; detail: string } {
  if (result.task === 'generation') {
    return { inline: `→ ${JSON.stringify(result.text)}`, detail: `generated (${result.tokens} tokens): ${result.text}` };
  }
  const ranked = [...result.labels].sort((a, b) => b.probability - a.probability);
  const probs = ranked.map((l) => `${l.label} ${(100 * l.probability).toFixed(1)}%`).join(' · ');
  const gold = result.gold === undefined ? '' : result.gold === result.predicted ? `  (gold ${result.gold} ✓)` : `  (gold ${result.gold} ✗)`;
  const detail = [`predicted: ${result.predicted}${gold}`, ...ranked.map((l) => `  ${l.label}: p = ${l.probability.toFixed(4)}, log p(continuation) = ${l.logProb.toFixed(4)}`)].join('\n');
  return { inline: `→ ${result.predicted}  ·  ${probs}${gold}`, detail };
}

export function describeEval(result: EvalJobResult, data: string): { inline: string; detail: string } {
  if (result.task === 'generation' && result.generation) {
    const g = result.generation;
    const inline = `exact match ${(100 * g.exactMatch).toFixed(1)}% · token F1 ${g.tokenF1.toFixed(3)} · ROUGE-L ${g.rougeL.toFixed(3)} · ${result.n} rows of ${path.basename(data)} · ${result.seconds.toFixed(1)} s`;
    const detail = [inline, `contains ${(100 * g.contains).toFixed(1)}% · ${result.examplesPerSecond.toFixed(1)} examples/s${result.truncatedRows ? ` · ${result.truncatedRows} rows truncated` : ''}`, ...result.warnings.map((w) => `warning: ${w}`)];
    return { inline, detail: detail.join('\n') };
  }
  const inline = `accuracy ${(100 * result.accuracy).toFixed(1)}% · macro-F1 ${result.macroF1.toFixed(3)} · ${result.n} rows of ${path.basename(data)} · ${result.seconds.toFixed(1)} s`;
  const width = Math.max(...result.labels.map((l) => l.length), 4);
  const lines = [
    inline,
    `ECE ${result.ece.toFixed(3)} · ${result.examplesPerSecond.toFixed(1)} examples/s${result.truncatedRows ? ` · ${result.truncatedRows} rows truncated` : ''}`,
    'per class:',
    ...result.perClass.map((c) => `  ${c.label.padEnd(width)}  precision ${c.precision.toFixed(3)}  recall ${c.recall.toFixed(3)}  F1 ${c.f1.toFixed(3)}  support ${c.support}`),
    'confusion (rows: gold, columns: predicted):',
    `  ${''.padEnd(width)}  ${result.labels.map((l) => l.padStart(width)).join(' ')}`,
    ...result.confusion.map((row, i) => `  ${result.labels[i].padEnd(width)}  ${row.map((v) => String(v).padStart(width)).join(' ')}`),
    ...result.warnings.map((w) => `warning: ${w}`),
  ];
  return { inline, detail: lines.join('\n') };
}

/** One line on a finished generation: tokens, decoding, why it stopped, speed. */
export function describeGenerateResult(result: GenerateResult): string {
  const how = result.sampling.temperature === 0 ? 'greedy' : `sampled, seed ${result.sampling.seed}`;
  const why = { eos: 'end of sequence', stop: 'stop string', length: `max_new_tokens ${result.maxNewTokens}`, context: 'model context full' }[result.finishReason];
  return `${result.ids.length} tokens (${how}; ${why}) · ${result.tokensPerSecond.toFixed(1)} tokens/s · first token ${result.timeToFirstTokenMs.toFixed(0)} ms`;
}

/**
 * A generation as it streams: the inline line (the quoted beginning of the text, cut to fit, and where it
 * stands) and the full text for the hover and the output channel.
 */
export function describeGeneration(g: Pick<GenerationViewState, 'text' | 'tokens' | 'status' | 'message'>, max = INLINE_MAX_CHARS): { inline: string; detail: string } {
  const tokens = `${g.tokens} token${g.tokens === 1 ? '' : 's'}`;
  const suffix = {
    running: ` · generating… ${tokens}`,
    done: ` · ${tokens}`,
    cancelled: ` · cancelled after ${tokens}`,
    failed: ' · failed',
  }[g.status];
  const prefix = '→ ';
  const inline = `${prefix}${quotedExcerpt(g.text, max - prefix.length - suffix.length)}${suffix}`;
  const state = { running: `generating (${tokens} so far)`, done: g.message ?? `generated ${tokens}`, cancelled: `cancelled after ${tokens}; the text so far`, failed: `failed after ${tokens}${g.message ? `: ${g.message}` : ''}` }[g.status];
  return { inline, detail: `${state}\n${g.text}` };
}
