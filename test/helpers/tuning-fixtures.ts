/** Small prompt files and datasets for tuning, worker and CLI tests (byte-tokenizer friendly: short texts). */
import * as fs from 'fs';
import * as path from 'path';

export interface Fixture {
  template: string;
  generationTemplate: string;
  train: string;
  dev: string;
  dir: string;
}

const POSITIVE = ['fun', 'great', 'lovely', 'superb', 'bright', 'warm', 'clever', 'sweet'];
const NEGATIVE = ['dull', 'awful', 'bland', 'grim', 'weak', 'flat', 'slow', 'sour', 'harsh', 'stale', 'drab', 'poor'];

export function writeJsonl(file: string, rows: object[]): string {
  fs.writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
  return file;
}

export function writeFixture(dir: string): Fixture {
  fs.mkdirSync(dir, { recursive: true });
  const template = path.join(dir, 'sentiment.prompt');
  fs.writeFileSync(
    template,
    ['---', 'name: sentiment', 'task: classification', 'inputs: [text]', 'label_column: label', 'labels:', '  negative: " no"', '  positive: " yes"', '---', 'Text: {{ text }} Good?', ''].join('\n'),
  );
  const generationTemplate = path.join(dir, 'echo.prompt');
  fs.writeFileSync(generationTemplate, ['---', 'name: echo', 'task: generation', 'inputs: [text]', 'target_column: label', 'max_new_tokens: 3', '---', 'Say: {{ text }}', ''].join('\n'));
  const rows = (words: string[], label: string) => words.map((w) => ({ text: `a ${w} film`, label }));
  const train = writeJsonl(path.join(dir, 'train.jsonl'), [...rows(POSITIVE.slice(0, 5), 'positive'), ...rows(NEGATIVE.slice(0, 9), 'negative')]);
  const dev = writeJsonl(path.join(dir, 'dev.jsonl'), [...rows(POSITIVE.slice(5), 'positive'), ...rows(NEGATIVE.slice(9), 'negative')]);
  return { template, generationTemplate, train, dev, dir };
}
