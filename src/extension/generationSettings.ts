/**
 * The `promptTuning.generation.*` settings as the sampling request of a `generate` job. A setting left at
 * null is omitted, so the model's generation_config.json decides it. No `vscode` import (unit-tested).
 */
import type { SamplingRequest } from '../generation/config';
import { checkSampling, FLAG_NAMES, type SettingNames } from '../generation/sampling';

/** Each sampling field the settings expose, and its key under `promptTuning`. */
export const GENERATION_SETTINGS = {
  temperature: 'generation.temperature',
  topP: 'generation.topP',
  seed: 'generation.seed',
} as const satisfies Partial<Record<keyof SamplingRequest, string>>;

/** Messages about a bad value name the setting, not the CLI flag. */
const SETTING_NAMES: SettingNames = {
  ...FLAG_NAMES,
  ...Object.fromEntries(Object.entries(GENERATION_SETTINGS).map(([field, key]) => [field, `promptTuning.${key}`])),
};

/**
 * The request from the settings, read by `get(key)`; throws a UserError naming the setting when a value is
 * out of range (the same ranges as `ptune generate`'s flags).
 */
export function samplingFromSettings(get: (key: string) => unknown): SamplingRequest {
  const request: Record<string, unknown> = {};
  for (const [field, key] of Object.entries(GENERATION_SETTINGS)) {
    const value = get(key);
    if (value !== null && value !== undefined) request[field] = value;
  }
  checkSampling(request as SamplingRequest, SETTING_NAMES);
  return request as SamplingRequest;
}
