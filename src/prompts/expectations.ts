/**
 * Prompt tests: a prompt file may state what it must reach on a dataset, e.g.
 *
 *   expect:
 *     - data: data/reviews-dev.jsonl
 *       accuracy: ">= 0.70"
 *       limit: 200
 *
 * (or one mapping instead of a list). Each entry is one test: the prompt is evaluated on `data` (relative to
 * the prompt file; `limit`: a seeded sample of at most that many rows; `train`: where a few-shot prompt's
 * examples are drawn from) and every metric condition must hold.
 * `ptune test` runs them from the command line and the extension shows them in the Test Explorer.
 */
import * as path from 'node:path';
import { isMap, isScalar, isSeq, type Node as YamlNode, type Pair } from 'yaml';
import type { PromptTask } from './types';

/** The metrics a condition may name, per task, as `ptune eval` reports them (fractions in [0, 1]). */
export const EXPECT_METRICS: Record<PromptTask, readonly string[]> = {
  classification: ['accuracy', 'macro_f1', 'ece'],
  generation: ['exact_match', 'contains', 'token_f1', 'rouge_l'],
};

export const COMPARISONS = ['>=', '>', '<=', '<'] as const;
export type Comparison = (typeof COMPARISONS)[number];

export interface MetricCondition {
  metric: string;
  comparison: Comparison;
  threshold: number;
}

export interface Expectation {
  /** The dataset as written in the file. */
  data: string;
  /** The training set the few-shot examples are drawn from (prompts with `shots`), as written. */
  train?: string;
  limit?: number;
  conditions: MetricCondition[];
  /** 1-based line of the entry in the prompt file (where the editor shows the test). */
  line: number;
}

/** A problem in the `expect` setting: the message and the YAML node it is about (undefined: the whole setting). */
export interface ExpectProblem {
  message: string;
  node?: YamlNode | null;
}

const CONDITION = /^\s*(>=|>|<=|<)\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*$/;

/** Reads the `expect` setting; problems go to `problem`, and entries with problems are left out. */
export function readExpectations(node: YamlNode | null | undefined, task: PromptTask, lineOf: (node: YamlNode) => number,
  problem: (p: ExpectProblem) => void): Expectation[] {
  const entries = isSeq(node) ? (node.items as (YamlNode | null)[]) : isMap(node) ? [node] : undefined;
  if (!entries) {
    problem({ message: 'expect must be a mapping like {data: dev.jsonl, accuracy: ">= 0.7"} or a list of them', node });
    return [];
  }
  if (entries.length === 0) problem({ message: 'expect lists no tests', node });
  const metrics = EXPECT_METRICS[task];
  const expectations: Expectation[] = [];
  for (const entry of entries) {
    if (!isMap(entry)) {
      problem({ message: 'each expect entry must be a mapping like {data: dev.jsonl, accuracy: ">= 0.7"}', node: entry });
      continue;
    }
    let data: string | undefined;
    let train: string | undefined;
    let limit: number | undefined;
    const conditions: MetricCondition[] = [];
    let ok = true;
    for (const pair of entry.items as Pair<YamlNode, YamlNode | null>[]) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      const value = isScalar(pair.value) ? pair.value.value : undefined;
      if (key === 'data') {
        if (typeof value === 'string' && value.trim() !== '') data = value;
        else { problem({ message: 'expect: data must be a dataset file (relative to the prompt file)', node: pair.value ?? pair.key }); ok = false; }
      } else if (key === 'train') {
        if (typeof value === 'string' && value.trim() !== '') train = value;
        else { problem({ message: 'expect: train must be a dataset file (relative to the prompt file) to draw the few-shot examples from', node: pair.value ?? pair.key }); ok = false; }
      } else if (key === 'limit') {
        if (typeof value === 'number' && Number.isInteger(value) && value >= 1) limit = value;
        else { problem({ message: 'expect: limit must be a whole number ≥ 1 (rows sampled from data)', node: pair.value ?? pair.key }); ok = false; }
      } else if (key !== undefined && metrics.includes(key)) {
        const match = typeof value === 'string' ? CONDITION.exec(value) : null;
        if (match) conditions.push({ metric: key, comparison: match[1] as Comparison, threshold: Number(match[2]) });
        else { problem({ message: `expect: ${key} must be a comparison in quotes, e.g. ${key}: ">= 0.7" (one of ${COMPARISONS.join(' ')} and a number)`, node: pair.value ?? pair.key }); ok = false; }
      } else {
        const other = key !== undefined && EXPECT_METRICS[task === 'classification' ? 'generation' : 'classification'].includes(key);
        problem({
          message: other
            ? `expect: ${key} is a metric of task: ${task === 'classification' ? 'generation' : 'classification'} prompts; this one can use ${metrics.join(', ')}`
            : `expect: unknown key "${key}"; an entry has data, optionally limit and train, and conditions on ${metrics.join(', ')}`,
          node: pair.key,
        });
        ok = false;
      }
    }
    if (data === undefined && ok) { problem({ message: 'expect: an entry needs data (the dataset to evaluate on)', node: entry }); ok = false; }
    if (conditions.length === 0 && ok) { problem({ message: `expect: an entry needs at least one condition, e.g. ${metrics[0]}: ">= 0.7"`, node: entry }); ok = false; }
    if (ok && data !== undefined) expectations.push({ data, ...(train !== undefined ? { train } : {}), ...(limit !== undefined ? { limit } : {}), conditions, line: lineOf(entry) });
  }
  return expectations;
}

/** The dataset of an expectation as an absolute path: relative paths are relative to the prompt file. */
export function expectationData(promptFile: string, expectation: Expectation): string {
  return path.resolve(path.dirname(promptFile), expectation.data);
}

/** The few-shot training set of an expectation as an absolute path, when it names one. */
export function expectationTrain(promptFile: string, expectation: Expectation): string | undefined {
  return expectation.train === undefined ? undefined : path.resolve(path.dirname(promptFile), expectation.train);
}

/** `accuracy >= 0.7 on data/dev.jsonl`: the test's name. */
export function describeExpectation(expectation: Expectation): string {
  const conditions = expectation.conditions.map((c) => `${c.metric} ${c.comparison} ${c.threshold}`).join(', ');
  return `${conditions} on ${expectation.data}${expectation.limit !== undefined ? ` (${expectation.limit} rows)` : ''}`;
}

/** The metrics of an evaluation, by the names conditions use. */
export interface EvaluatedMetrics {
  task?: PromptTask;
  n: number;
  accuracy: number;
  macroF1: number;
  ece: number;
  generation?: { exactMatch: number; contains: number; tokenF1: number; rougeL: number };
}

export function metricValues(result: EvaluatedMetrics): Record<string, number | undefined> {
  return {
    accuracy: result.accuracy, macro_f1: result.macroF1, ece: result.ece,
    exact_match: result.generation?.exactMatch, contains: result.generation?.contains,
    token_f1: result.generation?.tokenF1, rouge_l: result.generation?.rougeL,
  };
}

export interface ExpectationOutcome {
  passed: boolean;
  /** One line per condition, e.g. `accuracy 0.733 >= 0.7 ✓` / `accuracy 0.633 is not >= 0.7`. */
  lines: string[];
}

/** Whether every condition holds for the evaluation's metrics. */
export function checkExpectation(expectation: Expectation, result: EvaluatedMetrics): ExpectationOutcome {
  const values = metricValues(result);
  const lines: string[] = [];
  let passed = true;
  for (const c of expectation.conditions) {
    const value = values[c.metric];
    const holds = value !== undefined && compare(value, c.comparison, c.threshold);
    passed &&= holds;
    const shown = value === undefined ? 'not measured' : value.toFixed(3);
    lines.push(holds ? `${c.metric} ${shown} ${c.comparison} ${c.threshold}` : `${c.metric} ${shown} is not ${c.comparison} ${c.threshold}`);
  }
  return { passed, lines };
}

function compare(value: number, comparison: Comparison, threshold: number): boolean {
  switch (comparison) {
    case '>=': return value >= threshold;
    case '>': return value > threshold;
    case '<=': return value <= threshold;
    case '<': return value < threshold;
  }
}
