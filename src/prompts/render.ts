/** Rendering a prompt for one dataset row: few-shot examples, the query, and where the soft prompt goes. */
import { UserError } from '../engine/errors';
import { createRng, shuffled } from '../data/random';
import type { Row } from '../data/types';
import type { ChatTemplateInfo } from '../engine/chat-template';
import { applyChatTemplate, type ChatMessage } from './chat';
import { DEFAULT_RENDER_LIMITS, renderBody, type RenderLimits } from './template';
import type { PromptFile } from './types';

/** Separates few-shot examples from each other and from the query. */
export const SHOT_SEPARATOR = '\n\n';

export interface RenderedPrompt {
  text: string;
  /**
   * `soft_prompt: marker` only: the character offset in `text` where the virtual tokens go. Callers tokenize
   * `text.slice(0, offset)` and `text.slice(offset)` separately; the first half's token count is
   * `ScoredExample.softPromptAt`.
   */
  softPromptOffset?: number;
}

// Stands in for {{ soft_prompt }} while rendering; control characters cannot come from YAML or JSON text by accident.
const MARKER = '\u0000\u0001soft_prompt\u0001\u0000';

function variablesFor(prompt: PromptFile, row: Row, marker: string): Record<string, unknown> {
  const variables: Record<string, unknown> = { soft_prompt: marker };
  for (const input of prompt.inputs) {
    const value = row[input];
    if (value === undefined) throw new UserError(`${prompt.file}: the row has no column "${input}" (listed in inputs)`, prompt.file);
    variables[input] = value;
  }
  return variables;
}

/** The continuation a labelled row contributes when it is shown as a few-shot example or scored. */
export function goldContinuation(prompt: PromptFile, row: Row): string {
  if (prompt.task === 'generation') {
    const column = prompt.targetColumn as string;
    const target = row[column];
    if (target === undefined) throw new UserError(`${prompt.file}: the row has no column "${column}" (target_column)`, prompt.file);
    return prompt.targetPrefix + target;
  }
  const label = row[prompt.labelColumn];
  if (label === undefined) throw new UserError(`${prompt.file}: the row has no column "${prompt.labelColumn}" (label_column)`, prompt.file);
  const entry = prompt.labels.find((l) => l.label === label);
  if (!entry) throw new UserError(`${prompt.file}: label "${label}" has no entry under labels`, prompt.file);
  return entry.continuation;
}

/** The body rendered for `row` with the marker rendered as `marker`; a failure names the prompt file. */
function renderQuery(prompt: PromptFile, row: Row, marker: string, limits: RenderLimits = DEFAULT_RENDER_LIMITS): string {
  const variables = variablesFor(prompt, row, marker);
  try {
    return renderBody(prompt.body, variables, limits);
  } catch (e) {
    throw new UserError(`${prompt.file}: ${(e as Error).message}`, prompt.file);
  }
}

/** One few-shot example: the body rendered for the row (no soft prompt) followed by its gold continuation. */
export function renderShot(prompt: PromptFile, row: Row, limits: RenderLimits = DEFAULT_RENDER_LIMITS): string {
  return renderQuery(prompt, row, '', limits) + goldContinuation(prompt, row);
}

/**
 * The prompt text for `row`: the few-shot examples (if any), each followed by its continuation and a blank
 * line, then the body rendered for the row. Rendering follows Jinja defaults: one trailing newline of the
 * body is dropped.
 */
export function renderPrompt(prompt: PromptFile, row: Row, shotsRows: readonly Row[] = [], chatTemplate?: ChatTemplateInfo, limits: RenderLimits = DEFAULT_RENDER_LIMITS): RenderedPrompt {
  if (prompt.format === 'chat') return renderChatPrompt(prompt, row, shotsRows, chatTemplate, limits);
  const shotsText = shotsRows.map((shot) => renderShot(prompt, shot, limits) + SHOT_SEPARATOR).join('');
  if (prompt.softPromptText !== undefined) {
    if (prompt.softPrompt === 'prefix') return { text: prompt.softPromptText + shotsText + renderQuery(prompt, row, '', limits) };
    return { text: shotsText + renderQuery(prompt, row, prompt.softPromptText, limits) };
  }
  if (prompt.softPrompt === 'prefix') return { text: shotsText + renderQuery(prompt, row, '', limits) };
  const query = renderQuery(prompt, row, MARKER, limits);
  const at = query.indexOf(MARKER);
  if (at < 0) throw new UserError(`${prompt.file}: {{ soft_prompt }} was not rendered for this row (is it inside an if or a loop?)`, prompt.file);
  if (query.indexOf(MARKER, at + 1) >= 0) throw new UserError(`${prompt.file}: {{ soft_prompt }} was rendered more than once (is it inside a loop?)`, prompt.file);
  return { text: shotsText + query.slice(0, at) + query.slice(at + MARKER.length), softPromptOffset: shotsText.length + at };
}

/**
 * A chat prompt's messages for `row`, each content rendered and trimmed. Few-shot rows become turns after
 * the leading system messages: the body's other messages rendered for the shot, then an assistant message
 * with its gold continuation (trimmed). The marker renders as `marker`.
 */
export function chatMessages(prompt: PromptFile, row: Row, shotsRows: readonly Row[] = [], marker = '', limits: RenderLimits = DEFAULT_RENDER_LIMITS): ChatMessage[] {
  const sources = prompt.messages ?? [];
  const render = (r: Row, m: string) => sources.map((s) => ({ role: s.role, content: renderBody(s.content, variablesFor(prompt, r, m), limits).trim() }));
  const query = render(row, marker);
  const leading = query.findIndex((m) => m.role !== 'system');
  const system = query.slice(0, leading < 0 ? query.length : leading);
  const shots = shotsRows.flatMap((shot) => [
    ...render(shot, '').filter((m) => m.role !== 'system'),
    { role: 'assistant', content: goldContinuation(prompt, shot).trim() },
  ]);
  return [...system, ...shots, ...query.slice(system.length)];
}

/**
 * A chat prompt through the model's chat template (add_generation_prompt: true). The template usually puts
 * the BOS token in the text itself, so callers encode this text without adding special tokens.
 */
function renderChatPrompt(prompt: PromptFile, row: Row, shotsRows: readonly Row[], chatTemplate: ChatTemplateInfo | undefined, limits: RenderLimits): RenderedPrompt {
  const options = { templateName: prompt.chatTemplate, kwargs: prompt.chatTemplateKwargs, promptFile: prompt.file };
  const messages = (marker: string) => chatMessages(prompt, row, shotsRows, marker, limits);
  if (prompt.softPromptText !== undefined) {
    if (prompt.softPrompt === 'prefix') return { text: prompt.softPromptText + applyChatTemplate(chatTemplate, messages(''), options) };
    return { text: applyChatTemplate(chatTemplate, messages(prompt.softPromptText), options) };
  }
  if (prompt.softPrompt === 'prefix') return { text: applyChatTemplate(chatTemplate, messages(''), options) };
  const text = applyChatTemplate(chatTemplate, messages(MARKER), options);
  const at = text.indexOf(MARKER);
  if (at < 0 || text.indexOf(MARKER, at + 1) >= 0) {
    throw new UserError(`${prompt.file}: {{ soft_prompt }} must come out exactly once in the chat template's text (is it inside an if or a loop, or does the template drop that message?)`, prompt.file);
  }
  return { text: text.slice(0, at) + text.slice(at + MARKER.length), softPromptOffset: at };
}

/**
 * Draws the few-shot examples deterministically: for classification `shots` rows of each label (in the
 * order of `labels`), for generation `shots` rows in all; then shuffles them together so labels are not
 * grouped. The same rows, seed and prompt always give the same examples.
 */
export function drawShots(prompt: PromptFile, trainRows: readonly Row[], seed: number = prompt.seed): Row[] {
  const k = prompt.shots;
  if (k === 0) return [];
  const rng = createRng(seed);
  let picked: Row[] = [];
  if (prompt.task === 'classification') {
    for (const { label } of prompt.labels) {
      const candidates = trainRows.filter((r) => r[prompt.labelColumn] === label);
      if (candidates.length < k) {
        throw new UserError(`${prompt.file}: shots: ${k} needs ${k} training rows labelled "${label}", found ${candidates.length}`, prompt.file);
      }
      picked.push(...shuffled(candidates, rng).slice(0, k));
    }
  } else {
    const column = prompt.targetColumn as string;
    const candidates = trainRows.filter((r) => r[column] !== undefined);
    if (candidates.length < k) throw new UserError(`${prompt.file}: shots: ${k} needs ${k} training rows, found ${candidates.length}`, prompt.file);
    picked = shuffled(candidates, rng).slice(0, k);
  }
  return shuffled(picked, rng);
}

/**
 * The prompt with its soft-prompt position rendered as literal text (prefix: before everything; marker: at
 * the marker), e.g. a soft prompt's nearest-token projection evaluated as a hard prompt.
 */
export function withHardPrefix(prompt: PromptFile, text: string): PromptFile {
  return { ...prompt, softPromptText: text };
}
