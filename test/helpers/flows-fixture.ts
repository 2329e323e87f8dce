/** The workspace the flows' unit tests run in: prompt files, datasets and a soft prompt with a training record. */
import { TRAINING_RECORD_FORMAT_VERSION } from '../../src/tuning/training-record';

export const CLASSIFY = (name: string, extra = '') => [
  '---', `name: ${name}`, 'task: classification', 'inputs: [text]', 'label_column: label',
  'labels:', '  negative: " bad"', '  positive: " good"', ...(extra ? [extra] : []), '---', '{{ text }} Overall, it was', '',
].join('\n');

const rows = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ text: `review ${i}`, label: i % 2 ? 'positive' : 'negative' })).join('\n') + '\n';

/** A ptune training record whose keep-best chose its checkpoint on `evalFile` (relative to the workspace). */
export function trainingRecord(evalFile: string): string {
  return JSON.stringify({
    tool: 'ptune', formatVersion: TRAINING_RECORD_FORMAT_VERSION, writtenBy: 'ptune train',
    method: { name: 'prompt-tuning' },
    prompt: { file: 'prompts/a.prompt', name: 'a', task: 'classification', softPrompt: 'prefix', source: CLASSIFY('a') },
    data: { train: { file: 'data/train.jsonl', hash: 'ab'.repeat(32), rows: 8, truncatedRows: 0 }, eval: { file: evalFile, hash: 'cd'.repeat(32), rows: 8, truncatedRows: 0 } },
    seed: 0, init: { kind: 'text', description: 'text' }, numVirtualTokens: 4,
    curve: [{ step: 1, loss: 0.9 }], evals: [],
  });
}

export function workspaceFiles(options: { softPromptEval?: string; shots?: boolean } = {}): Record<string, string> {
  return {
    'prompts/a.prompt': CLASSIFY('a'),
    'prompts/b.prompt': CLASSIFY('b', options.shots ? 'shots: 2' : ''),
    'data/train.jsonl': rows(8),
    'data/dev.jsonl': rows(6),
    'data/test.jsonl': rows(4),
    'package.json': '{}',
    ...(options.softPromptEval !== undefined ? {
      'adapters/sp1/adapter_config.json': JSON.stringify({ peft_type: 'PROMPT_TUNING', num_virtual_tokens: 4, base_model_name_or_path: 'm' }),
      'adapters/sp1/ptune_training.json': trainingRecord(options.softPromptEval),
    } : {}),
  };
}
