/** Where `--init text` starts when no --init-text is given: the prompt file's own instruction. */
import type { Row } from '../data/types';
import { chatMessages, renderPrompt, type PromptFile } from '../prompts';
import type { InitSpec } from './init';

/**
 * The prompt's instruction: its body rendered with every input empty, whitespace collapsed
 * (e.g. "Review: My rating: the movie is"); undefined when the body is nothing but inputs.
 */
export function instructionText(prompt: PromptFile): string | undefined {
  const empty: Row = Object.fromEntries(prompt.inputs.map((input) => [input, '']));
  const plain = { ...prompt, softPromptText: undefined, softPrompt: 'prefix' as const };
  // A chat prompt's instruction is its messages' text, without any model's chat markup.
  const rendered = prompt.format === 'chat' ? chatMessages(plain, empty).map((m) => m.content).join(' ') : renderPrompt(plain, empty).text;
  const text = rendered.replace(/\s+/g, ' ').trim();
  return text === '' ? undefined : text;
}

/** Without --init: text init from the instruction, or vocabulary rows when the prompt has none. */
export function defaultInitSpec(prompt: PromptFile): InitSpec {
  const text = instructionText(prompt);
  return text ? { kind: 'text', text } : { kind: 'vocab' };
}
