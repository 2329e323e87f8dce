/**
 * Typed reads of a config.json with one clear message per problem, naming the file and the key. Sizes must
 * be whole numbers within sane bounds, so `n_layer: 2.5` or `num_hidden_layers: 1e9` are refused before any
 * weight is read or any graph is built.
 */
import { UserError } from '../errors';

/** Upper bounds that no real checkpoint reaches; past them a value is a typo or an attack. */
const SIZE_LIMITS: Record<string, number> = {
  layers: 1_000,
  heads: 4_096,
  width: 1 << 20,
  vocab: 1 << 24,
  positions: 1 << 24,
};
export type SizeKind = keyof typeof SIZE_LIMITS;

export class ConfigReader {
  constructor(
    readonly raw: Record<string, unknown>,
    readonly file: string,
  ) {}

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  fail(key: string, what: string): never {
    throw new UserError(`${this.file}: "${key}" ${what} (got ${JSON.stringify(this.raw[key])})`, this.file);
  }

  /** A whole number ≥ 1 (a layer count, a width, a vocabulary size); `fallback` when the key is absent or null. */
  size(key: string, kind: SizeKind, fallback?: number): number {
    const v = this.has(key) ? this.raw[key] : fallback;
    if (v === undefined) throw new UserError(`${this.file}: missing "${key}", which this model family needs`, this.file);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) this.fail(key, 'must be a whole number ≥ 1');
    if (v > SIZE_LIMITS[kind]) this.fail(key, `is larger than any real model's (limit ${SIZE_LIMITS[kind]})`);
    return v;
  }

  /** A finite number > 0 (epsilons, RoPE bases, soft caps). */
  positive(key: string, fallback?: number): number {
    const v = this.has(key) ? this.raw[key] : fallback;
    if (v === undefined) throw new UserError(`${this.file}: missing "${key}", which this model family needs`, this.file);
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) this.fail(key, 'must be a positive number');
    return v;
  }

  /** Like `positive`, but absent or null gives undefined. */
  optionalPositive(key: string): number | undefined {
    return this.has(key) ? this.positive(key) : undefined;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.raw[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') this.fail(key, 'must be true or false');
    return v;
  }

  string(key: string, fallback: string): string {
    const v = this.raw[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'string') this.fail(key, 'must be a string');
    return v;
  }

  /** `a` must be a multiple of `b` (e.g. query heads of key/value heads). */
  divisible(aKey: string, a: number, bKey: string, b: number): void {
    if (a % b !== 0) throw new UserError(`${this.file}: "${aKey}" ${a} is not divisible by "${bKey}" ${b}`, this.file);
  }
}
