/**
 * Learning-rate schedules: linear warmup, then constant, linear or cosine decay.
 * Steps count from 1. Unlike the common 0-based formulation, no step ever gets a learning rate of 0:
 * the first step after warmup uses the full rate and the last one a small positive rate.
 */
import { UserError } from '../engine/errors';

export type ScheduleName = 'constant' | 'linear' | 'cosine';
export const SCHEDULE_NAMES: readonly ScheduleName[] = ['constant', 'linear', 'cosine'];

export interface ScheduleConfig {
  name: ScheduleName;
  /** Peak learning rate. */
  lr: number;
  warmupSteps: number;
  totalSteps: number;
}

export function parseScheduleName(name: string): ScheduleName {
  const lower = name.toLowerCase();
  if ((SCHEDULE_NAMES as readonly string[]).includes(lower)) return lower as ScheduleName;
  throw new UserError(`unknown schedule "${name}": use one of ${SCHEDULE_NAMES.join(', ')}`);
}

/** The learning rate used by step `step` (1-based). */
export function learningRateAt(config: ScheduleConfig, step: number): number {
  const { lr, warmupSteps, totalSteps } = config;
  if (step <= warmupSteps) return (lr * step) / warmupSteps;
  const decaySteps = Math.max(1, totalSteps - warmupSteps);
  // 0 at the first step after warmup, (decaySteps-1)/decaySteps at the last.
  const progress = Math.min(1, (step - warmupSteps - 1) / decaySteps);
  switch (config.name) {
    case 'constant':
      return lr;
    case 'linear':
      return lr * (1 - progress);
    case 'cosine':
      return lr * 0.5 * (1 + Math.cos(Math.PI * progress));
  }
}
