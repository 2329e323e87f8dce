/**
 * The front-matter keys of a `.prompt` file, each with what it means: the one list the validator accepts
 * (`PROMPT_KEYS`), the choices it checks, and the texts the editor shows in hovers and completions.
 */

export const TASKS = ['classification', 'generation'] as const;
export const SOFT_PROMPT_PLACEMENTS = ['prefix', 'marker'] as const;
export const PROMPT_FORMATS = ['text', 'chat'] as const;

export interface PromptKeyDoc {
  /** The value's shape, as the validator's messages describe it. */
  type: string;
  /** What happens when the key is left out ("required" when it may not be). */
  default: string;
  /** One or two sentences. */
  meaning: string;
  /** Keys with a fixed set of values: those values, each explained. */
  choices?: readonly { value: string; meaning: string }[];
  /** Which task or format the key belongs to, when not all. */
  appliesTo?: string;
  example: string;
}

export const PROMPT_KEY_DOCS = {
  name: {
    type: 'text', default: 'the file name without `.prompt`',
    meaning: 'The prompt\'s name in reports and views.', example: 'name: sst2-review',
  },
  description: {
    type: 'text', default: 'none', meaning: 'Free text for people reading the file.', example: 'description: Sentiment as a rating.',
  },
  task: {
    type: 'a choice', default: '`classification`',
    meaning: 'What a prediction is: a label chosen by scoring each label\'s continuation, or text generated and compared with a target column.',
    choices: [
      { value: 'classification', meaning: 'score each label\'s continuation after the prompt; the most likely label is the prediction' },
      { value: 'generation', meaning: 'generate up to `max_new_tokens` tokens and compare them with `target_column`' },
    ],
    example: 'task: classification',
  },
  inputs: {
    type: 'a list of names', default: 'required',
    meaning: 'The dataset columns the body uses as `{{ column }}` variables. Each must be a valid template variable name (letters, digits, `_`).',
    example: 'inputs: [text]',
  },
  label_column: {
    type: 'a column name', default: '`label`', appliesTo: 'task: classification',
    meaning: 'The dataset column holding each row\'s label.', example: 'label_column: label',
  },
  labels: {
    type: 'a mapping label → continuation', default: 'required', appliesTo: 'task: classification',
    meaning: 'The verbalizer: each dataset label and the text scored right after the prompt for it. At least two labels, each continuation distinct; start continuations with a space.',
    example: 'labels:\n  negative: " terrible"\n  positive: " great"',
  },
  label_names: {
    type: 'a list of names', default: 'none', appliesTo: 'task: classification',
    meaning: 'Integer labels `i` in the data are read as `label_names[i]`.', example: 'label_names: [negative, positive]',
  },
  target_column: {
    type: 'a column name', default: 'required', appliesTo: 'task: generation',
    meaning: 'The dataset column holding the expected output.', example: 'target_column: answer',
  },
  target_prefix: {
    type: 'text', default: '`" "`', appliesTo: 'task: generation',
    meaning: 'Text put before the target when it is scored or shown in a few-shot example.', example: 'target_prefix: " "',
  },
  max_new_tokens: {
    type: 'a whole number ≥ 1', default: '`20`', appliesTo: 'task: generation',
    meaning: 'The most tokens generated for one row (greedy unless sampling is set).', example: 'max_new_tokens: 16',
  },
  shots: {
    type: 'a whole number ≥ 0', default: '`0`',
    meaning: 'Few-shot examples put before each row: per label (classification) or in total (generation), drawn from the training set.',
    example: 'shots: 2',
  },
  seed: {
    type: 'a whole number ≥ 0', default: '`0`', meaning: 'Seed for drawing the few-shot examples.', example: 'seed: 0',
  },
  soft_prompt: {
    type: 'a choice', default: '`prefix`',
    meaning: 'Where a trained soft prompt\'s virtual tokens go.',
    choices: [
      { value: 'prefix', meaning: 'before everything (PEFT\'s prompt tuning)' },
      { value: 'marker', meaning: 'at the `{{ soft_prompt }}` marker in the body' },
    ],
    example: 'soft_prompt: prefix',
  },
  format: {
    type: 'a choice', default: '`text`',
    meaning: 'How the body is read.',
    choices: [
      { value: 'text', meaning: 'the body is the prompt text' },
      { value: 'chat', meaning: 'the body is messages (`system:`, `user:`, `assistant:` sections), rendered through the model\'s chat template' },
    ],
    example: 'format: chat',
  },
  chat_template: {
    type: 'text', default: '`default`', appliesTo: 'format: chat',
    meaning: 'For models with several named chat templates: which one to use.', example: 'chat_template: default',
  },
  chat_template_kwargs: {
    type: 'a mapping', default: 'none', appliesTo: 'format: chat',
    meaning: 'Extra chat-template variables.', example: 'chat_template_kwargs: { enable_thinking: false }',
  },
  expect: {
    type: 'a mapping or a list of mappings', default: 'none',
    meaning: 'Prompt tests: each entry evaluates the prompt on `data` (relative to this file; `limit`: a seeded sample of at most that many rows; `train`: where a few-shot prompt draws its examples) and passes when every condition holds. Conditions: `accuracy`, `macro_f1`, `ece` (classification) or `exact_match`, `contains`, `token_f1`, `rouge_l` (generation), each `">= 0.7"`-style (`>=`, `>`, `<=`, `<`). Run by `ptune test` and the Test Explorer.',
    example: 'expect:\n  - data: data/dev.jsonl\n    accuracy: ">= 0.70"',
  },
} as const satisfies Record<string, PromptKeyDoc>;

export type PromptKey = keyof typeof PROMPT_KEY_DOCS;

/** Every front-matter key the validator accepts, in documentation order. */
export const PROMPT_KEYS = Object.keys(PROMPT_KEY_DOCS) as readonly PromptKey[];

export function isPromptKey(key: string): key is PromptKey {
  return Object.prototype.hasOwnProperty.call(PROMPT_KEY_DOCS, key);
}

/** The hover text of a key, as Markdown. */
export function promptKeyMarkdown(key: PromptKey): string {
  const doc: PromptKeyDoc = PROMPT_KEY_DOCS[key];
  const lines = [`**${key}**: ${doc.type}${doc.appliesTo ? ` (${doc.appliesTo})` : ''}`, '', doc.meaning, ''];
  if (doc.choices) {
    for (const choice of doc.choices) lines.push(`- \`${choice.value}\`: ${choice.meaning}`);
    lines.push('');
  }
  lines.push(`Default: ${doc.default}.`, '', '```yaml', doc.example, '```');
  return lines.join('\n');
}

/** The hover text of one choice of a key (e.g. `generation` after `task:`), as Markdown. */
export function promptChoiceMarkdown(key: PromptKey, value: string): string | undefined {
  const doc: PromptKeyDoc = PROMPT_KEY_DOCS[key];
  const choice = doc.choices?.find((c) => c.value === value);
  return choice ? `\`${key}: ${value}\`: ${choice.meaning}` : undefined;
}
