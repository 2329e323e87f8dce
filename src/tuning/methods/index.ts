/** The tuning methods, one table: `--method` of ptune train / bench --tune, the worker's train job and the Train flow. */
import { UserError } from '../../engine/errors';
import { pTuning } from './p-tuning';
import { prefixTuning } from './prefix-tuning';
import { promptTuning } from './prompt-tuning';
import type { MethodName, TuningMethod } from './types';

export const TUNING_METHODS: Readonly<Record<MethodName, TuningMethod>> = {
  'prompt-tuning': promptTuning,
  'p-tuning': pTuning,
  'prefix-tuning': prefixTuning,
};

export const METHOD_CHOICES: readonly MethodName[] = Object.keys(TUNING_METHODS) as MethodName[];
export const DEFAULT_METHOD: MethodName = 'prompt-tuning';

export function parseMethodName(value: string | undefined): MethodName {
  if (value === undefined) return DEFAULT_METHOD;
  if ((METHOD_CHOICES as readonly string[]).includes(value)) return value as MethodName;
  throw new UserError(`unknown --method "${value}": use ${METHOD_CHOICES.join(', ')}`);
}

export function tuningMethod(name: MethodName): TuningMethod {
  return TUNING_METHODS[name];
}

export type { MethodName, MethodRecord, MethodSettings, ParamTensor, PreparedMethod, Trainable, TuningMethod } from './types';
