/**
 * The starting text of a new `.prompt` file of each kind ("Prompt Tuning: New Prompt File"). Each validates
 * with no diagnostics as it is; the snippets in snippets/ptune-prompt.code-snippets are the same texts with
 * tab stops.
 */

export const PROMPT_KINDS = ['classification', 'generation', 'chat'] as const;
export type PromptKind = (typeof PROMPT_KINDS)[number];

export interface PromptSkeleton {
  /** What the kind is for, shown when picking one. */
  detail: string;
  /** The file name offered for a new file of this kind. */
  fileName: string;
  text: string;
}

export const PROMPT_SKELETONS: Record<PromptKind, PromptSkeleton> = {
  classification: {
    detail: 'Pick one label per row (sentiment, topic, yes/no); trains a soft prompt on the labels',
    fileName: 'classify.prompt',
    text: [
      '---',
      'task: classification',
      'inputs: [text]',
      'label_column: label',
      'labels:',
      '  negative: " terrible"',
      '  positive: " great"',
      'soft_prompt: prefix',
      '---',
      'Review: {{ text }} My rating: the movie is',
      '',
    ].join('\n'),
  },
  generation: {
    detail: 'Generate text per row, scored against a target column (exact match, F1, ROUGE-L)',
    fileName: 'generate.prompt',
    text: [
      '---',
      'task: generation',
      'inputs: [text]',
      'target_column: label',
      'max_new_tokens: 16',
      '---',
      'Review: {{ text }}',
      'Verdict in one word (positive or negative):',
      '',
    ].join('\n'),
  },
  chat: {
    detail: 'Messages rendered through the model\'s chat template (instruction-tuned models)',
    fileName: 'chat.prompt',
    text: [
      '---',
      'task: classification',
      'format: chat',
      'inputs: [text]',
      'label_column: label',
      'labels:',
      '  negative: "negative"',
      '  positive: "positive"',
      '---',
      'system:',
      'You classify movie reviews. Answer with one word: positive or negative.',
      '',
      'user:',
      '{{ text }}',
      '',
    ].join('\n'),
  },
};
