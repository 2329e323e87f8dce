/** Prompt + row -> token ids under the engine's loss contract, with left truncation of the row's inputs. */
import type { ScoredExample, TextTokenizer } from '../engine/api';
import { UserError } from '../engine/errors';
import type { Row } from '../data/types';
import { renderPrompt, type RenderedPrompt } from './render';
import type { PromptFile } from './types';

export interface BuildOptions {
  /** Longest sequence the model takes, virtual tokens included; no truncation when absent. */
  maxLength?: number;
  /** Virtual tokens the soft prompt will add (counted against maxLength). */
  numVirtual?: number;
  /** Few-shot rows (see `drawShots`), rendered before the query. */
  shots?: readonly Row[];
  /**
   * Real token ids to place at the soft-prompt position instead of virtual tokens, e.g. a soft prompt's
   * nearest-token projection; the example then has no soft-prompt position and `numVirtual` is ignored.
   */
  softPromptIds?: readonly number[];
}

export interface BuiltExample {
  example: ScoredExample;
  /** True when tokens were cut from the left of the row's inputs to fit maxLength. */
  truncated: boolean;
  /** Classification: the label of each continuation (file order); generation: []. */
  labels: string[];
  /** The prompt text the ids encode (after truncation), soft-prompt position removed. */
  text: string;
}

/** Token ids of `text` without special tokens. */
export function encodePlain(tokenizer: TextTokenizer, text: string): number[] {
  return text === '' ? [] : tokenizer.encode(text);
}

interface Encoded {
  ids: number[];
  /** Index in ids where virtual tokens go; undefined when there are none to place. */
  softPromptAt?: number;
  text: string;
}

/**
 * ids = [the tokenizer's special prefix, e.g. a BOS] ++ prompt tokens; with a marker the two halves are encoded
 * apart. Without a marker the soft prompt goes before everything, BOS included, as PEFT places it. A chat
 * prompt's text comes from the model's chat template, which writes the BOS token itself when the model wants
 * one, so nothing is added to it (the special-token strings in the text encode to their ids).
 */
function encodeRendered(tokenizer: TextTokenizer, rendered: RenderedPrompt, hasSoftPrompt: boolean, chat: boolean): Encoded {
  const bos = chat ? [] : [...tokenizer.prefixIds];
  const { text, softPromptOffset } = rendered;
  if (softPromptOffset === undefined) {
    return { ids: [...bos, ...encodePlain(tokenizer, text)], softPromptAt: hasSoftPrompt ? 0 : undefined, text };
  }
  const head = encodePlain(tokenizer, text.slice(0, softPromptOffset));
  const tail = encodePlain(tokenizer, text.slice(softPromptOffset));
  return { ids: [...bos, ...head, ...tail], softPromptAt: bos.length + head.length, text };
}

function continuationsFor(prompt: PromptFile, row: Row, tokenizer: TextTokenizer): { continuations: number[][]; gold?: number } {
  if (prompt.task === 'generation') {
    const target = row[prompt.targetColumn as string];
    if (target === undefined) return { continuations: [] };
    const ids = encodePlain(tokenizer, prompt.targetPrefix + target);
    if (ids.length === 0) throw new UserError(`${prompt.file}: a row has an empty target (column "${prompt.targetColumn}")`, prompt.file);
    return { continuations: [ids], gold: 0 };
  }
  const continuations = prompt.labels.map((l) => encodePlain(tokenizer, l.continuation));
  continuations.forEach((ids, i) => {
    if (ids.length > 0) return;
    const { label, continuation } = prompt.labels[i];
    throw new UserError(
      `${prompt.file}: the continuation of label "${label}" (${JSON.stringify(continuation)}) tokenizes to no tokens with this model's tokenizer ` +
        `(whitespace or characters it drops), so the label could never be scored: give it visible text, e.g. " ${label.trim() || 'yes'}"`,
      prompt.file,
    );
  });
  const label = row[prompt.labelColumn];
  if (label === undefined) return { continuations };
  const gold = prompt.labels.findIndex((l) => l.label === label);
  if (gold < 0) throw new UserError(`${prompt.file}: label "${label}" has no entry under labels`, prompt.file);
  return { continuations, gold };
}

/**
 * Builds the ScoredExample for one row: promptIds from the rendered prompt, one continuation per label (each
 * verbalizer continuation tokenized on its own, in file order) or the target for generation, and the gold
 * index. If virtual tokens + prompt + the longest continuation exceed `maxLength`, tokens are cut from the
 * left of the row's input values (the longest input first), never from the instruction text or the
 * continuation; the prompt is re-rendered and re-tokenized after each cut so ids match the final text exactly.
 */
export function buildScoredExample(prompt: PromptFile, row: Row, tokenizer: TextTokenizer, options: BuildOptions = {}): BuiltExample {
  const { continuations, gold } = continuationsFor(prompt, row, tokenizer);
  const labels = prompt.task === 'classification' ? prompt.labels.map((l) => l.label) : [];
  const hasSoftPrompt = prompt.softPromptText === undefined && options.softPromptIds === undefined;
  const inserted = options.softPromptIds ?? [];
  const encode = (values: Row): Encoded => {
    const encoded = encodeRendered(tokenizer, renderPrompt(prompt, values, options.shots ?? [], tokenizer.chatTemplate), hasSoftPrompt || inserted.length > 0, prompt.format === 'chat');
    if (options.softPromptIds === undefined) return encoded;
    const at = encoded.softPromptAt ?? 0;
    return { ids: [...encoded.ids.slice(0, at), ...inserted, ...encoded.ids.slice(at)], text: encoded.text };
  };

  let values: Row = { ...row };
  let encoded = encode(values);
  let truncated = false;
  if (options.maxLength !== undefined) {
    const virtual = hasSoftPrompt ? (options.numVirtual ?? 0) : 0;
    const longest = continuations.reduce((m, c) => Math.max(m, c.length), 0);
    const budget = options.maxLength - virtual - longest;
    const tooLong = (): UserError =>
      new UserError(
        `${prompt.file}: the prompt's fixed text${options.shots?.length ? ' and few-shot examples take' : ' takes'} ${encoded.ids.length} tokens; ` +
          `with ${virtual} virtual token${virtual === 1 ? '' : 's'} and a ${longest}-token continuation nothing fits in ${options.maxLength} tokens`,
        prompt.file,
      );
    while (encoded.ids.length > budget) {
      truncated = true;
      let cutFrom: string | undefined;
      let cutTokens: number[] = [];
      for (const input of prompt.inputs) {
        const tokens = encodePlain(tokenizer, values[input] ?? '');
        if (tokens.length > cutTokens.length) {
          cutFrom = input;
          cutTokens = tokens;
        }
      }
      if (cutFrom === undefined) throw tooLong();
      const cut = Math.min(encoded.ids.length - budget, cutTokens.length);
      const before = values[cutFrom];
      let after = cut >= cutTokens.length ? '' : tokenizer.decode(cutTokens.slice(cut)).trimStart();
      // Re-encoding can merge differently; make sure every round shortens the input.
      if (after.length >= before.length) after = before.slice(1).trimStart();
      values = { ...values, [cutFrom]: after };
      encoded = encode(values);
    }
  }
  const example: ScoredExample = { promptIds: encoded.ids, continuations };
  if (gold !== undefined) example.gold = gold;
  if (encoded.softPromptAt !== undefined && encoded.softPromptAt > 0) example.softPromptAt = encoded.softPromptAt;
  return { example, truncated, labels, text: encoded.text };
}

export interface PromptPreview {
  text: string;
  ids: number[];
  /** The string piece of each id (token boundaries). */
  pieces: string[];
  tokenCount: number;
  /** Marker prompts: index in ids where the virtual tokens go. */
  softPromptAt?: number;
  /** Marker prompts: character offset in text where the virtual tokens go. */
  softPromptOffset?: number;
}

/** What the model will see for `row`: the rendered text, its token ids, their pieces and the count. */
export function previewPrompt(prompt: PromptFile, row: Row, tokenizer: TextTokenizer, options: { shots?: readonly Row[] } = {}): PromptPreview {
  const rendered = renderPrompt(prompt, row, options.shots ?? [], tokenizer.chatTemplate);
  const encoded = encodeRendered(tokenizer, rendered, prompt.softPromptText === undefined, prompt.format === 'chat');
  const preview: PromptPreview = { text: rendered.text, ids: encoded.ids, pieces: tokenizer.pieces(encoded.ids), tokenCount: encoded.ids.length };
  if (rendered.softPromptOffset !== undefined) {
    preview.softPromptAt = encoded.softPromptAt;
    preview.softPromptOffset = rendered.softPromptOffset;
  }
  return preview;
}
