/**
 * ptune_training.json, the record beside every adapter this tool trains (`ptune train`, `ptune bench --tune`,
 * and the train.py of `ptune export-peft`): one type, one writer of its fields, one validating reader. PEFT
 * ignores the file; ptune reads it to know the prompt file an adapter was trained with, its method, curve and
 * timings. Records written before `method` existed are prompt tuning.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../engine/errors';
import type { SoftPromptPlacement } from '../prompts';
import { TRAINING_RECORD_FILE } from './adapter';
import { METHOD_CHOICES } from './methods/index';
import type { MethodName, MethodRecord } from './methods/types';
import type { EvalPoint } from './trainer';

export const TRAINING_RECORD_FORMAT_VERSION = 1;

/** Which part of ptune wrote the record. */
export type TrainingRecordWriter = 'ptune train' | 'ptune bench --tune' | 'ptune export-peft (train.py)';
export const TRAINING_RECORD_WRITERS: readonly TrainingRecordWriter[] = ['ptune train', 'ptune bench --tune', 'ptune export-peft (train.py)'];

export interface DataRecord {
  file: string;
  /** The dataset file's content hash. */
  hash: string;
  rows: number;
  truncatedRows: number;
}

export interface TrainingRecord {
  tool: 'ptune';
  formatVersion: number;
  /** Absent in records written before it was added (always `ptune train` then). */
  writtenBy?: TrainingRecordWriter;
  engineVersion?: string;
  startedAt?: string;
  savedAt?: string;
  method: MethodRecord;
  model?: { dir: string; nameOrPath: string; hiddenSize: number; numLayers: number; vocabSize: number };
  /** The prompt file, its text included: the record, not the path (from another machine, maybe), says how the adapter is used. */
  prompt: { file: string; name: string; task: string; softPrompt: SoftPromptPlacement; source: string };
  data: { train: DataRecord; eval?: DataRecord };
  seed: number;
  init: { kind?: string; text?: string; adapter?: string; description: string };
  numVirtualTokens: number;
  maxLength?: number;
  /** The trainer's settings (TrainerConfig) and the run's length. */
  training?: Record<string, unknown> & { totalSteps?: number };
  checkpoint?: { step: number; reason: string; eval?: EvalPoint };
  curve: { step: number; loss: number; lr?: number }[];
  evals: EvalPoint[];
  result?: {
    initialLoss?: number | null;
    finalLoss?: number | null;
    bestEval?: EvalPoint | null;
    steps?: number;
    stopReason: string;
    stopMessage?: string;
  };
  timings?: { seconds: number; examplesPerSecond?: number };
}

/**
 * `dir`'s training record: undefined when the folder has none (an adapter trained by PEFT), a UserError naming
 * the file and field when it is not one ptune wrote or a field is wrong.
 */
export function readTrainingRecord(dir: string): TrainingRecord | undefined {
  const file = path.join(dir, TRAINING_RECORD_FILE);
  if (!fs.existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UserError(`${file}: not valid JSON (${(e as Error).message})`, file);
  }
  return parseTrainingRecord(raw, file);
}

/** Checks a parsed ptune_training.json; `file` names it in messages. */
export function parseTrainingRecord(raw: unknown, file: string): TrainingRecord {
  const fail = (field: string, expected: string, value: unknown): never => {
    throw new UserError(`${file}: ${field} must be ${expected}, got ${JSON.stringify(value)}`, file);
  };
  let r = object(raw, 'the record', fail);
  // Exports made before `writtenBy` existed named their writer in `tool`.
  if (r.tool === EXPORT_WRITER && r.writtenBy === undefined) r = { ...r, tool: 'ptune', writtenBy: EXPORT_WRITER };
  if (r.tool !== 'ptune') fail('tool', '"ptune" (a record ptune wrote)', r.tool);
  const formatVersion = r.formatVersion;
  if (!Number.isInteger(formatVersion) || (formatVersion as number) < 1) fail('formatVersion', 'a whole number ≥ 1', formatVersion);
  if ((formatVersion as number) > TRAINING_RECORD_FORMAT_VERSION) {
    throw new UserError(`${file}: formatVersion ${String(formatVersion)} is newer than this ptune reads (${TRAINING_RECORD_FORMAT_VERSION}); update ptune`, file);
  }
  if (r.writtenBy !== undefined && !(TRAINING_RECORD_WRITERS as readonly unknown[]).includes(r.writtenBy)) fail('writtenBy', `one of ${TRAINING_RECORD_WRITERS.map((w) => JSON.stringify(w)).join(', ')}`, r.writtenBy);
  const prompt = object(r.prompt, 'prompt', fail);
  for (const key of ['file', 'name', 'task', 'source'] as const) if (typeof prompt[key] !== 'string') fail(`prompt.${key}`, 'a string', prompt[key]);
  if (prompt.softPrompt !== 'prefix' && prompt.softPrompt !== 'marker') fail('prompt.softPrompt', '"prefix" or "marker"', prompt.softPrompt);
  const data = object(r.data, 'data', fail);
  dataRecord(data.train, 'data.train', fail);
  if (data.eval !== undefined) dataRecord(data.eval, 'data.eval', fail);
  if (!Number.isInteger(r.seed)) fail('seed', 'a whole number', r.seed);
  const init = object(r.init, 'init', fail);
  if (typeof init.description !== 'string') fail('init.description', 'a string', init.description);
  if (!Number.isInteger(r.numVirtualTokens) || (r.numVirtualTokens as number) < 1) fail('numVirtualTokens', 'a whole number ≥ 1', r.numVirtualTokens);
  const curve = r.curve ?? [];
  if (!Array.isArray(curve)) fail('curve', 'a list of {step, loss}', curve);
  (curve as unknown[]).forEach((p, i) => point(p, `curve[${i}]`, fail));
  const evals = r.evals ?? [];
  if (!Array.isArray(evals)) fail('evals', 'a list of {step, loss, accuracy?}', evals);
  (evals as unknown[]).forEach((p, i) => point(p, `evals[${i}]`, fail));
  if (r.timings !== undefined) {
    const timings = object(r.timings, 'timings', fail);
    if (!isNumber(timings.seconds) || timings.seconds < 0) fail('timings.seconds', 'a number ≥ 0', timings.seconds);
  }
  if (r.result !== undefined && typeof object(r.result, 'result', fail).stopReason !== 'string') fail('result.stopReason', 'a string', (r.result as { stopReason?: unknown }).stopReason);
  return { ...(r as unknown as TrainingRecord), method: methodRecord(r.method, fail), curve: curve as TrainingRecord['curve'], evals: evals as EvalPoint[] };
}

const EXPORT_WRITER: TrainingRecordWriter = 'ptune export-peft (train.py)';

type Fail = (field: string, expected: string, value: unknown) => never;

function object(value: unknown, field: string, fail: Fail): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(field, 'an object', value);
  return value as Record<string, unknown>;
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function dataRecord(value: unknown, field: string, fail: Fail): void {
  const d = object(value, field, fail);
  if (typeof d.file !== 'string') fail(`${field}.file`, 'a string', d.file);
  if (typeof d.hash !== 'string') fail(`${field}.hash`, 'a string', d.hash);
  for (const key of ['rows', 'truncatedRows'] as const) if (!Number.isInteger(d[key]) || (d[key] as number) < 0) fail(`${field}.${key}`, 'a whole number ≥ 0', d[key]);
}

function point(value: unknown, field: string, fail: Fail): void {
  const p = object(value, field, fail);
  if (!Number.isInteger(p.step) || (p.step as number) < 0) fail(`${field}.step`, 'a whole number ≥ 0', p.step);
  // A diverged run's last loss may be recorded as null (JSON has no NaN).
  if (!isNumber(p.loss) && p.loss !== null) fail(`${field}.loss`, 'a number', p.loss);
  if (p.accuracy !== undefined && p.accuracy !== null && !(isNumber(p.accuracy) && p.accuracy >= 0 && p.accuracy <= 1)) fail(`${field}.accuracy`, 'a number in [0, 1]', p.accuracy);
}

function methodRecord(value: unknown, fail: Fail): MethodRecord {
  if (value === undefined) return { name: 'prompt-tuning' };
  const m = object(value, 'method', fail);
  if (!(METHOD_CHOICES as readonly unknown[]).includes(m.name)) fail('method.name', `one of ${METHOD_CHOICES.join(', ')}`, m.name);
  const name = m.name as MethodName;
  if (name === 'p-tuning') {
    if (!Number.isInteger(m.encoderHiddenSize) || (m.encoderHiddenSize as number) < 1) fail('method.encoderHiddenSize', 'a whole number ≥ 1', m.encoderHiddenSize);
    if (typeof m.encoderResidual !== 'boolean') fail('method.encoderResidual', 'true or false', m.encoderResidual);
    return { name, encoderHiddenSize: m.encoderHiddenSize as number, encoderResidual: m.encoderResidual as boolean };
  }
  return { name };
}
