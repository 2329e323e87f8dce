/** Flag values checked once, with one message naming the flag: `--lr abc` → "--lr must be a number, got "abc"". */
import { UserError } from '../engine/errors';

export interface NumberRule {
  integer?: boolean;
  /** Smallest allowed value (inclusive). */
  min?: number;
  /** Values must be > 0. */
  positive?: boolean;
}

export function numberFlag(flag: string, value: string | undefined, rule: NumberRule = {}): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  const n = trimmed === '' ? NaN : Number(trimmed);
  const kind = rule.integer ? (rule.positive ? 'a positive whole number' : rule.min === 0 ? 'a whole number ≥ 0' : 'a whole number') : rule.positive ? 'a positive number' : 'a number';
  if (!Number.isFinite(n) || (rule.integer && !Number.isInteger(n)) || (rule.positive && n <= 0) || (rule.min !== undefined && n < rule.min)) {
    throw new UserError(`${flag} must be ${kind}, got ${JSON.stringify(value)}`);
  }
  return n;
}

export function choiceFlag<T extends string>(flag: string, value: string | undefined, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new UserError(`${flag} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
}

/** Exactly one of two flags, or neither. */
export function notBoth(a: string, aValue: unknown, b: string, bValue: unknown): void {
  if (aValue !== undefined && bValue !== undefined) throw new UserError(`give ${a} or ${b}, not both`);
}
