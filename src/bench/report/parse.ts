/**
 * Reads report.json back, checking it against schema version 1 so that a renderer never meets a malformed
 * report: every problem is reported as one UserError naming the file and the field.
 */
import * as fs from 'fs';
import { UserError } from '../../engine/errors';
import { GENERATION_METRICS } from '../../eval/metrics';
import { READABLE_SCHEMA_VERSIONS, REPORT_SCHEMA_VERSION, type BenchReport } from './schema';

/** Bytes of a file looksLikeReport reads: report.json starts with these two fields. */
const REPORT_SNIFF_BYTES = 400;

/** True when `file` starts like a report.json; reads only its first bytes (the file may be huge). */
export function looksLikeReport(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const bytes = Buffer.alloc(REPORT_SNIFF_BYTES);
    const head = bytes.subarray(0, fs.readSync(fd, bytes, 0, bytes.length, 0)).toString('utf8');
    return /"schemaVersion"\s*:/.test(head) && /"engineVersion"\s*:/.test(head);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export function readReport(file: string): BenchReport {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read report ${file}: ${(e as Error).message}`, file);
  }
  return parseReport(text, file);
}

export function parseReport(text: string, file = 'report.json'): BenchReport {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file} is not valid JSON: ${(e as Error).message}`, file);
  }
  const check = new Checker(file);
  check.report(data);
  return data as BenchReport;
}

type Json = Record<string, unknown>;

class Checker {
  /** A generation report: prompts carry `generation` metrics instead of classification `metrics`. */
  private generation = false;

  constructor(private readonly file: string) {}

  report(data: unknown): void {
    const r = this.object(data, '(top level)');
    if (!READABLE_SCHEMA_VERSIONS.includes(r.schemaVersion as number)) {
      this.fail('schemaVersion', `must be one of ${READABLE_SCHEMA_VERSIONS.join(', ')} (this version of ptune writes schema ${REPORT_SCHEMA_VERSION}), got ${JSON.stringify(r.schemaVersion)}`);
    }
    if (r.task !== undefined && r.task !== 'classification' && r.task !== 'generation') this.fail('task', `must be "classification" or "generation", got ${JSON.stringify(r.task)}`);
    this.generation = r.task === 'generation';
    this.string(r.engineVersion, 'engineVersion');
    this.string(r.createdAt, 'createdAt');
    this.string(r.command, 'command');
    const model = this.object(r.model, 'model');
    for (const key of ['dir', 'nameOrPath', 'filesHash']) this.string(model[key], `model.${key}`);
    this.dataset(r.dataset, 'dataset');
    if (r.trainDataset !== undefined) this.dataset(r.trainDataset, 'trainDataset');
    this.array(r.prompts, 'prompts').forEach((p, i) => this.prompt(p, `prompts[${i}]`));
    const aggregates = this.object(r.aggregates, 'aggregates');
    for (const key of ['soft', 'projection']) {
      if (aggregates[key] !== null) this.seedAggregate(aggregates[key], `aggregates.${key}`);
    }
    if (r.comparison !== null) this.comparison(r.comparison, 'comparison');
  }

  private dataset(value: unknown, at: string): void {
    const d = this.object(value, at);
    this.string(d.file, `${at}.file`);
    this.string(d.hash, `${at}.hash`);
    this.integer(d.n, `${at}.n`);
    this.integer(d.skipped, `${at}.skipped`);
  }

  private prompt(value: unknown, at: string): void {
    const p = this.object(value, at);
    for (const key of ['id', 'name', 'source', 'predictionsFile']) this.string(p[key], `${at}.${key}`);
    if (!['hard', 'soft', 'projection'].includes(p.kind as string)) this.fail(`${at}.kind`, `must be "hard", "soft" or "projection", got ${JSON.stringify(p.kind)}`);
    if (p.seed !== undefined) this.integer(p.seed, `${at}.seed`);
    for (const key of ['promptLength', 'trainableParams', 'truncated']) this.integer(p[key], `${at}.${key}`);
    for (const key of ['tuningSeconds', 'examplesPerSecond', 'peakRssMB']) this.number(p[key], `${at}.${key}`);
    const latency = this.object(p.latencyMs, `${at}.latencyMs`);
    this.number(latency.p50, `${at}.latencyMs.p50`);
    this.number(latency.p95, `${at}.latencyMs.p95`);
    this.integer(latency.sampleSize, `${at}.latencyMs.sampleSize`);
    if (this.generation) {
      const g = this.object(p.generation, `${at}.generation`);
      for (const m of GENERATION_METRICS) {
        const entry = this.object(g[m.id], `${at}.generation.${m.id}`);
        this.number(entry.value, `${at}.generation.${m.id}.value`);
        this.interval(entry.ci, `${at}.generation.${m.id}.ci`);
      }
      if (p.samples !== undefined) {
        this.array(p.samples, `${at}.samples`).forEach((sample, i) => {
          const q = this.object(sample, `${at}.samples[${i}]`);
          this.integer(q.index, `${at}.samples[${i}].index`);
          this.string(q.target, `${at}.samples[${i}].target`);
          this.string(q.output, `${at}.samples[${i}].output`);
          for (const key of ['exact', 'contains', 'f1', 'rougeL']) this.number(q[key], `${at}.samples[${i}].${key}`);
        });
      }
    } else {
      this.metrics(p.metrics, `${at}.metrics`);
    }
    if (p.trainingCurve !== undefined) {
      this.array(p.trainingCurve, `${at}.trainingCurve`).forEach((point, i) => {
        const q = this.object(point, `${at}.trainingCurve[${i}]`);
        this.integer(q.step, `${at}.trainingCurve[${i}].step`);
        this.number(q.loss, `${at}.trainingCurve[${i}].loss`);
        if (q.evalAccuracy !== undefined) this.number(q.evalAccuracy, `${at}.trainingCurve[${i}].evalAccuracy`);
      });
    }
    if (p.projection !== undefined) {
      const projection = this.object(p.projection, `${at}.projection`);
      this.string(projection.text, `${at}.projection.text`);
      this.string(projection.fromPromptId, `${at}.projection.fromPromptId`);
    }
  }

  private metrics(value: unknown, at: string): void {
    const m = this.object(value, at);
    for (const key of ['accuracy', 'macroF1', 'ece']) this.number(m[key], `${at}.${key}`);
    this.interval(m.accuracyCI, `${at}.accuracyCI`);
    const labels = this.array(m.labels, `${at}.labels`);
    labels.forEach((l, i) => this.string(l, `${at}.labels[${i}]`));
    const perClass = this.array(m.perClass, `${at}.perClass`);
    if (perClass.length !== labels.length) this.fail(`${at}.perClass`, `has ${perClass.length} entries for ${labels.length} labels`);
    perClass.forEach((c, i) => {
      const k = this.object(c, `${at}.perClass[${i}]`);
      this.string(k.label, `${at}.perClass[${i}].label`);
      for (const key of ['precision', 'recall', 'f1']) this.number(k[key], `${at}.perClass[${i}].${key}`);
      this.integer(k.support, `${at}.perClass[${i}].support`);
    });
    const confusion = this.array(m.confusion, `${at}.confusion`);
    if (confusion.length !== labels.length) this.fail(`${at}.confusion`, `has ${confusion.length} rows for ${labels.length} labels`);
    confusion.forEach((row, i) => {
      const cells = this.array(row, `${at}.confusion[${i}]`);
      if (cells.length !== labels.length) this.fail(`${at}.confusion[${i}]`, `has ${cells.length} cells for ${labels.length} labels`);
      cells.forEach((cell, j) => this.integer(cell, `${at}.confusion[${i}][${j}]`));
    });
  }

  private interval(value: unknown, at: string): void {
    const ci = this.object(value, at);
    for (const key of ['estimate', 'low', 'high', 'level']) this.number(ci[key], `${at}.${key}`);
    this.integer(ci.resamples, `${at}.resamples`);
    this.integer(ci.seed, `${at}.seed`);
  }

  private seedAggregate(value: unknown, at: string): void {
    const a = this.object(value, at);
    this.integer(a.n, `${at}.n`);
    const figures = this.generation ? this.object(a.generation, `${at}.generation`) : a;
    const where = this.generation ? `${at}.generation` : at;
    for (const key of this.generation ? GENERATION_METRICS.map((m) => m.id) : ['accuracy', 'macroF1', 'ece']) {
      const s = this.object(figures[key], `${where}.${key}`);
      this.number(s.mean, `${where}.${key}.mean`);
      if (s.std !== null) this.number(s.std, `${where}.${key}.std`);
      this.integer(s.n, `${where}.${key}.n`);
    }
  }

  private comparison(value: unknown, at: string): void {
    const c = this.object(value, at);
    const expected = this.generation ? 'paired' : 'mcnemar';
    if (c.test !== expected) this.fail(`${at}.test`, `must be "${expected}", got ${JSON.stringify(c.test)}`);
    this.string(c.softPromptId, `${at}.softPromptId`);
    this.string(c.hardPromptId, `${at}.hardPromptId`);
    if (this.generation) {
      const metrics = this.array(c.metrics, `${at}.metrics`);
      metrics.forEach((entry, i) => {
        const m = this.object(entry, `${at}.metrics[${i}]`);
        const where = `${at}.metrics[${i}]`;
        if (!GENERATION_METRICS.some((g) => g.id === m.metric)) this.fail(`${where}.metric`, `must be one of ${GENERATION_METRICS.map((g) => g.id).join(', ')}, got ${JSON.stringify(m.metric)}`);
        this.interval(m.difference, `${where}.difference`);
        if (m.test !== 'mcnemar' && m.test !== 'sign') this.fail(`${where}.test`, `must be "mcnemar" or "sign", got ${JSON.stringify(m.test)}`);
        for (const key of ['softBetter', 'hardBetter', 'ties']) this.integer(m[key], `${where}.${key}`);
        this.number(m.pValue, `${where}.pValue`);
        if (m.method !== 'exact' && m.method !== 'chi2-continuity') this.fail(`${where}.method`, `must be "exact" or "chi2-continuity", got ${JSON.stringify(m.method)}`);
      });
      return;
    }
    this.integer(c.b, `${at}.b`);
    this.integer(c.c, `${at}.c`);
    this.number(c.statistic, `${at}.statistic`);
    this.number(c.pValue, `${at}.pValue`);
    if (c.method !== 'exact' && c.method !== 'chi2-continuity') this.fail(`${at}.method`, `must be "exact" or "chi2-continuity", got ${JSON.stringify(c.method)}`);
  }

  private object(value: unknown, at: string): Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(at, `must be an object, got ${describe(value)}`);
    return value as Json;
  }

  private array(value: unknown, at: string): unknown[] {
    if (!Array.isArray(value)) this.fail(at, `must be an array, got ${describe(value)}`);
    return value as unknown[];
  }

  private string(value: unknown, at: string): void {
    if (typeof value !== 'string') this.fail(at, `must be a string, got ${describe(value)}`);
  }

  private number(value: unknown, at: string): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(at, `must be a finite number, got ${describe(value)}`);
  }

  private integer(value: unknown, at: string): void {
    if (!Number.isInteger(value) || (value as number) < 0) this.fail(at, `must be a non-negative integer, got ${describe(value)}`);
  }

  private fail(at: string, problem: string): never {
    throw new UserError(`${this.file}: field ${at} ${problem}`, this.file);
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing (missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}
