import type { Expectation } from './expectations';

/** What a `.prompt` file says, after validation. Plain data (no class instances), so it crosses worker threads. */

export type Severity = 'error' | 'warning';

/** A problem in a prompt file, 1-based; `endColumn` is the column just after the last character. */
export interface Diagnostic {
  severity: Severity;
  message: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  /** A correction of the text in the range (the "did you mean" of the message), for an editor's quick fix. */
  replacement?: string;
}

export type PromptTask = 'classification' | 'generation';

/** `prefix`: virtual tokens before everything (PEFT's default); `marker`: at `{{ soft_prompt }}` in the body. */
export type SoftPromptPlacement = 'prefix' | 'marker';

/** `text`: the body is the prompt text; `chat`: the body is messages, rendered through the model's chat template. */
export type PromptFormat = 'text' | 'chat';

/** One message of a chat prompt's body: its role and its content's Jinja source. */
export interface ChatMessageSource {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** One verbalizer entry: the dataset label and the text scored right after the prompt. */
export interface Verbalizer {
  label: string;
  continuation: string;
}

export interface PromptFile {
  /** The path as given; used in messages. */
  file: string;
  /** The whole file text (line endings normalised to "\n"), kept so later checks can point at positions. */
  source: string;
  name: string;
  description?: string;
  task: PromptTask;
  /** Dataset columns the body uses. */
  inputs: string[];
  /** Classification: the dataset column holding the label. */
  labelColumn: string;
  /** Classification: the verbalizer in file order; empty for generation. */
  labels: Verbalizer[];
  /** Integer dataset labels i are read as labelNames[i]. */
  labelNames?: string[];
  /** Generation: the dataset column holding the expected output. */
  targetColumn?: string;
  /** Generation: text put before the target when it is scored or shown as a shot (default " "). */
  targetPrefix: string;
  /** Generation: greedy decoding length limit. */
  maxNewTokens: number;
  /** Few-shot examples per label (classification) or in total (generation). */
  shots: number;
  /** Seed for drawing the few-shot examples. */
  seed: number;
  softPrompt: SoftPromptPlacement;
  format: PromptFormat;
  /** format: chat — the messages of the body, in order. */
  messages?: ChatMessageSource[];
  /** format: chat — which of the model's named chat templates to use (default "default"). */
  chatTemplate?: string;
  /** format: chat — extra chat-template variables, e.g. { enable_thinking: false }. */
  chatTemplateKwargs?: Record<string, unknown>;
  /** The Jinja body exactly as written (a single trailing newline is dropped when rendering). */
  body: string;
  /** 1-based line of the file where the body starts. */
  bodyLine: number;
  /** The prompt tests of its `expect` setting (absent when it has none). */
  expectations?: Expectation[];
  /**
   * When set, the soft-prompt position renders as this literal text and no virtual tokens are placed: a soft
   * prompt's nearest-token projection evaluated as a hard prompt (see `withHardPrefix`).
   */
  softPromptText?: string;
}

/** Dataset facts `checkPromptText` can check a prompt against. */
export interface DatasetContext {
  /** The dataset file, for messages. */
  file?: string;
  columns?: string[];
  /** Distinct label values in the dataset. */
  labels?: string[];
  /** Where each label first appears (1-based line), for messages. */
  labelLines?: Record<string, number>;
}
