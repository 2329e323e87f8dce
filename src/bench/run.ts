/**
 * `ptune bench`: every hard prompt, every given soft prompt, one freshly tuned soft prompt per seed (with
 * --tune), and each soft prompt's nearest-token projection, all scored on the same evaluation rows; then
 * report.json, report.md and report.html in the output folder. Every model result is cached (see cache.ts),
 * so an identical rerun makes no model calls and writes the same report.
 */
import * as path from 'path';
import { describeSkipped, readDataset } from '../data/read';
import type { Dataset } from '../data/types';
import { isPrefixPrompt, type ModelEngine, type PromptParams } from '../engine/api';
import { UserError } from '../engine/errors';
import { ENGINE_VERSION } from '../engine/version';
import { evaluate, metricsFromScores, commonLabels, writePredictions, type EvalItem } from '../eval/evaluate';
import { loadPromptFile, parsePromptFile, readDatasetForPrompt, type PromptFile } from '../prompts';
import { projectSoftPrompt, type ProjectionMetric } from '../projection';
import { expectAdapterFor, loadAdapter, TRAINING_RECORD_FILE } from '../tuning/adapter';
import { resolveTrainOptions } from '../tuning/train-options';
import type { TuningParams } from '../worker/protocol';
import { DEFAULT_CACHE_FOLDER, fingerprint, float32ToBase64, hashModelFolder, ResultCache, sha256 } from './cache';
import { DEFAULT_LATENCY_SAMPLE, measureLatency } from './latency';
import type { BenchProgress } from './progress';
import { buildItems, shotsFor, type PromptItems } from './prompt-items';
import { aggregates, compareBest, correctness, promptMetrics } from './report/build';
import { REPORT_SCHEMA_VERSION, type BenchReport, type DatasetSection, type PromptKind, type PromptResult } from './report/schema';
import { writeReports, type ReportFiles } from './report/write';
import { peakRssMB, reportCurve, tunePrompt, type TunedPrompt } from './tune';
import { saveTrainedAdapter, startTrainingRecord, type TrainingSetup } from '../tuning/train-run';
import { parseTrainingRecord, type TrainingRecord } from '../tuning/training-record';

export interface ProjectionOptions {
  /** Nearest tokens looked up per virtual token (only the nearest is used); default 1. */
  topK?: number;
  /** Default cosine. */
  metric?: ProjectionMetric;
}

export interface BenchmarkOptions {
  engine: ModelEngine;
  /** The model folder the engine was loaded from (hashed for the cache and the report). */
  modelDir: string;
  /** Evaluation rows: every prompt is scored on exactly these. */
  dataFile: string;
  /** Training rows: needed with `tune` and for prompts with few-shot examples. */
  trainFile?: string;
  hardPrompts: string[];
  /** PEFT prompt-tuning adapter folders to evaluate. */
  softAdapters: string[];
  /**
   * The prompt file soft prompts are tuned and evaluated with. Default: for a given adapter, the prompt text
   * its training record holds (prompt.source); otherwise the first hard prompt.
   */
  template?: string;
  tune?: boolean;
  /** Tuning options as `ptune train` takes them (without the files, which the benchmark supplies). */
  tuningOptions?: TuningParams;
  /** Soft prompts to tune (seeds tuning.seed, tuning.seed + 1, …); default 1. */
  seeds?: number;
  outDir: string;
  /** Default <outDir>/.ptune-cache. */
  cacheDir?: string;
  /** Recompute everything (fresh results still refresh the cache). */
  noCache?: boolean;
  /** Evaluate a seeded sample of at most this many rows. */
  limit?: number;
  /** Skip invalid rows of every data file (each file's skipped lines are logged) instead of stopping at the first. */
  skipInvalid?: boolean;
  /** Rows timed one at a time for the latency figures; default 32. */
  latencySample?: number;
  /** Nearest-token projection settings; false: do not project soft prompts. */
  projection?: ProjectionOptions | false;
  /** onnxruntime threads for the projections' own sessions (the engine has its own setting); default one per physical core. */
  threads?: number;
  /** Recorded in the report, e.g. the command line. */
  command?: string;
  /** Default: the engine's ENGINE_VERSION. */
  engineVersion?: string;
  onProgress?: (event: BenchProgress) => void;
  /** Notes for the user (warnings, cache hits). */
  onLog?: (line: string) => void;
  signal?: AbortSignal;
  /** Clock for createdAt (tests). */
  now?: () => Date;
}

export interface BenchmarkResult {
  report: BenchReport;
  files: ReportFiles;
  cacheHits: number;
  cacheMisses: number;
}

interface CachedEvaluation {
  /** Summed log-prob per label, [example][label]. */
  scores: number[][];
  seconds: number;
  examplesPerSecond: number;
  latencyMs: { p50: number; p95: number; sampleSize: number };
  peakRssMB: number;
}

interface Candidate {
  id: string;
  kind: PromptKind;
  name: string;
  source: string;
  seed?: number;
  prompt: PromptFile;
  /** A soft prompt, or a prefix (prefix tuning). */
  soft?: PromptParams;
  /** Trainable parameters of a tuned prompt (P-tuning's encoder included); default: the prompt's size. */
  trainableParams?: number;
  /** Real token ids at the soft-prompt position (projections). */
  softPromptIds?: number[];
  tuningSeconds: number;
  peakRssMB?: number;
  trainingCurve?: PromptResult['trainingCurve'];
  projection?: PromptResult['projection'];
}

export async function runBenchmark(options: BenchmarkOptions): Promise<BenchmarkResult> {
  const { engine, signal } = options;
  const log = options.onLog ?? (() => {});
  const progress = options.onProgress ?? (() => {});
  const seeds = options.seeds ?? 1;
  if (!Number.isInteger(seeds) || seeds < 1) throw new UserError(`--seeds must be a whole number ≥ 1, got ${seeds}`);
  if (options.tune && !options.trainFile) throw new UserError('--tune needs training data: pass --train FILE');
  if (options.hardPrompts.length + options.softAdapters.length === 0 && !options.tune) {
    throw new UserError('nothing to benchmark: give at least one hard prompt (--hard), soft prompt (--soft) or --tune');
  }
  const engineVersion = options.engineVersion ?? ENGINE_VERSION;
  const cache = new ResultCache({ dir: options.cacheDir ?? path.join(options.outDir, DEFAULT_CACHE_FOLDER), read: !options.noCache });
  const keyBase = { model: hashModelFolder(options.modelDir, cache), engine: engineVersion };
  const maxLength = engine.info.maxPositions;
  const tuningOptions = options.tuningOptions ?? {};

  const skipInvalid = options.skipInvalid;
  const logSkipped = (data: Dataset, flag: string) => {
    if (data.skipped.length > 0) log(`${data.file} (${flag}): ${describeSkipped(data.skipped)}`);
  };
  // The evaluation rows, read once without column mapping for the report; each prompt reads them again with
  // its own columns, and must get the very same lines. With skipInvalid, a row missing a column is invalid
  // only for the prompts that use it, so the first prompt's read is the reference instead.
  const evalSample = { limit: options.limit, seed: 0, skipInvalid };
  let reference = skipInvalid ? undefined : await readDataset(options.dataFile, evalSample);
  const rowsFor = memo(async (prompt: PromptFile) => {
    const data = await readDatasetForPrompt(prompt, options.dataFile, evalSample);
    if (!reference) {
      reference = data;
      logSkipped(data, '--data');
    }
    const expected = reference.lines;
    if (data.lines.length !== expected.length || data.lines.some((line, i) => line !== expected[i])) {
      throw new UserError(`${options.dataFile}: prompt ${prompt.file} selects different rows than the other prompts (check its columns)`, options.dataFile);
    }
    return data;
  });
  const trainRowsFor = memo(async (prompt: PromptFile) => {
    if (!options.trainFile) return undefined;
    const data = await readDatasetForPrompt(prompt, options.trainFile, { limit: tuningOptions.limit, seed: 0, skipInvalid });
    logSkipped(data, '--train');
    return data;
  });

  const candidates: Candidate[] = [];
  const ids = new Set<string>();
  const uniqueId = (base: string) => {
    let id = base;
    for (let k = 2; ids.has(id); k++) id = `${base}-${k}`;
    ids.add(id);
    return id;
  };

  const prompts = new Map<string, PromptFile>();
  const promptAt = async (file: string) => {
    const key = path.resolve(file);
    if (!prompts.has(key)) prompts.set(key, await loadPromptFile(file));
    return prompts.get(key)!;
  };
  for (const file of options.hardPrompts) {
    const prompt = await promptAt(file);
    candidates.push({ id: uniqueId(`hard:${stem(file)}`), kind: 'hard', name: prompt.name, source: file, prompt, tuningSeconds: 0 });
  }

  const defaultTemplate = options.template ?? options.hardPrompts[0];
  for (const dir of options.softAdapters) {
    const adapter = loadAdapter(dir, expectAdapterFor(engine.info));
    adapter.warnings.forEach(log);
    const recordFile = path.join(dir, TRAINING_RECORD_FILE);
    const record = recordSummary(adapter.record, recordFile, log);
    // The prompt the adapter was trained with comes from the text its record holds, never from the path it
    // names: that path is from another machine, or any file at all.
    const trainedWith = options.template === undefined && record.promptSource !== undefined ? parsePromptFile(record.promptSource, `${recordFile}#prompt.source`) : undefined;
    const templateFile = options.template ?? defaultTemplate;
    if (!trainedWith && !templateFile) throw new UserError(`soft prompt ${dir}: no prompt file to evaluate it with; pass --template (or a --hard prompt)`, dir);
    const seconds = record.seconds ?? 0;
    candidates.push({
      id: uniqueId(`soft:${path.basename(path.resolve(dir))}`),
      kind: 'soft',
      name: path.basename(path.resolve(dir)),
      source: dir,
      prompt: trainedWith ?? (await promptAt(templateFile!)),
      soft: adapter.soft,
      tuningSeconds: seconds,
      ...(record.curve ? { trainingCurve: record.curve } : {}),
    });
  }

  let trainSection: DatasetSection | undefined;
  if (options.tune) {
    if (!defaultTemplate) throw new UserError('--tune needs a prompt file for the soft prompt: pass --template (or a --hard prompt)');
    const prompt = await promptAt(defaultTemplate);
    // With skipInvalid the evaluation rows are settled by the first prompt's read: do it now, so that a
    // problem with them shows before the tuning rather than after.
    if (skipInvalid) await rowsFor(candidates[0]?.prompt ?? prompt);
    const train = (await trainRowsFor(prompt))!;
    trainSection = datasetSection(train);
    const dev = tuningOptions.eval ? await readDatasetForPrompt(prompt, tuningOptions.eval, { limit: tuningOptions.evalLimit, seed: 0, skipInvalid }) : undefined;
    if (dev) logSkipped(dev, '--eval');
    const firstSeed = tuningOptions.seed ?? 0;
    for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
      signal?.throwIfAborted();
      const resolved = resolveTrainOptions({ ...tuningOptions, seed });
      const task = `tune seed ${seed}`;
      const { tuned, setup, cached } = await tunePrompt({
        engine,
        prompt,
        trainRows: train.rows,
        devRows: dev?.rows,
        shots: shotsFor(prompt, train.rows),
        options: resolved,
        maxLength: resolved.maxLength ?? maxLength,
        cache,
        keyBase,
        signal,
        onProgress: (p) => {
          if (p.type === 'step') progress({ task, done: p.step, total: p.totalSteps, detail: `loss ${p.loss.toFixed(4)}` });
        },
      });
      if (cached) log(`${task}: cached`);
      tuned.warnings.forEach(log);
      if (tuned.stopMessage) log(`${task}: ${tuned.stopMessage}`);
      const adapterDir = path.join(options.outDir, 'adapters', `seed-${seed}`);
      saveTrainedAdapter(adapterDir, engine.info, setup.method, tuned.prompt, trainingRecord({ prompt, train, seed, tuned, setup, engineVersion }));
      candidates.push({
        id: uniqueId(`soft:seed-${seed}`),
        kind: 'soft',
        name: `soft prompt · seed ${seed}`,
        source: adapterDir,
        seed,
        prompt,
        soft: tuned.prompt,
        trainableParams: setup.method.trainable.initial.length,
        tuningSeconds: tuned.seconds,
        peakRssMB: tuned.peakRssMB,
        trainingCurve: reportCurve(tuned.curve, tuned.evals),
      });
    }
  }

  if (options.projection !== false) {
    const projectionOptions = { topK: options.projection?.topK ?? 1, metric: options.projection?.metric ?? 'cosine' };
    for (const soft of candidates.filter((c) => c.kind === 'soft')) {
      const prompt = soft.soft!;
      if (isPrefixPrompt(prompt)) {
        log(`${soft.name}: no projection: a prefix-tuning prompt is keys and values inside every layer, with no input token to project to`);
        continue;
      }
      const key = { ...keyBase, soft: sha256(float32ToBase64(soft.soft!.data)), ...projectionOptions };
      let projected = cache.get<{ text: string; ids: number[] }>('projection', key);
      if (!projected) {
        const result = await projectSoftPrompt(engine, prompt, { ...projectionOptions, map: false, threads: options.threads });
        projected = { text: result.projectedText, ids: [...result.projectedIds] };
        cache.set('projection', key, projected);
      }
      const suffix = soft.id.slice('soft:'.length);
      candidates.push({
        id: uniqueId(`projection:${suffix}`),
        kind: 'projection',
        name: `projection · ${soft.name.replace(/^soft prompt · /, '')}`,
        source: soft.source,
        seed: soft.seed,
        prompt: soft.prompt,
        softPromptIds: projected.ids,
        tuningSeconds: 0,
        projection: { text: projected.text, fromPromptId: soft.id },
      });
    }
  }

  const results: PromptResult[] = [];
  const correctById = new Map<string, boolean[]>();
  for (const c of candidates) {
    signal?.throwIfAborted();
    const data = await rowsFor(c.prompt);
    const trainData = c.prompt.shots > 0 ? await trainRowsFor(c.prompt) : undefined;
    const built = buildItems(c.prompt, data.rows, engine.tokenizer, {
      maxLength,
      numVirtual: c.soft?.numVirtual ?? 0,
      shots: shotsFor(c.prompt, trainData?.rows),
      softPromptIds: c.softPromptIds,
    });
    const labels = commonLabels(built.items);
    const key = {
      ...keyBase,
      prompt: sha256(c.prompt.source),
      data: data.hash,
      examples: fingerprint(built.items),
      soft: c.soft ? sha256(float32ToBase64(c.soft.data)) : null,
      latencySample: options.latencySample ?? DEFAULT_LATENCY_SAMPLE,
    };
    let evaluation = cache.get<CachedEvaluation>('eval', key);
    if (evaluation) {
      log(`evaluate ${c.id}: cached`);
    } else {
      evaluation = await evaluateCandidate(engine, c, built, options, progress);
      cache.set('eval', key, evaluation);
    }
    const scored = metricsFromScores(built.items, labels, evaluation.scores);
    const predictionsFile = path.join('predictions', `${c.id.replace(/[^A-Za-z0-9._-]+/g, '-')}.jsonl`);
    writePredictions(path.join(options.outDir, predictionsFile), scored);
    correctById.set(c.id, correctness(scored.predictions));
    results.push({
      id: c.id,
      kind: c.kind,
      name: c.name,
      source: c.source,
      ...(c.seed !== undefined ? { seed: c.seed } : {}),
      metrics: promptMetrics(scored, scored.predictions),
      promptLength: c.kind === 'soft' ? c.soft!.numVirtual : built.templateLength,
      trainableParams: c.kind === 'soft' ? c.trainableParams ?? c.soft!.data.length : 0,
      tuningSeconds: c.tuningSeconds,
      examplesPerSecond: evaluation.examplesPerSecond,
      latencyMs: evaluation.latencyMs,
      peakRssMB: Math.max(evaluation.peakRssMB, c.peakRssMB ?? 0),
      truncated: built.truncated,
      predictionsFile: predictionsFile.split(path.sep).join('/'),
      ...(c.trainingCurve ? { trainingCurve: c.trainingCurve } : {}),
      ...(c.projection ? { projection: c.projection } : {}),
    });
  }

  const report: BenchReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    engineVersion,
    createdAt: (options.now?.() ?? new Date()).toISOString(),
    command: options.command ?? '',
    model: { dir: options.modelDir, nameOrPath: engine.info.nameOrPath, filesHash: keyBase.model },
    // Set by now: every candidate's rows were read above, and there is at least one candidate.
    dataset: datasetSection(reference!),
    ...(trainSection ? { trainDataset: trainSection } : {}),
    prompts: results,
    aggregates: aggregates(results),
    comparison: compareBest(results, correctById),
  };
  const files = writeReports(options.outDir, report);
  return { report, files, cacheHits: cache.hits, cacheMisses: cache.misses };
}

async function evaluateCandidate(
  engine: ModelEngine,
  c: Candidate,
  built: PromptItems,
  options: BenchmarkOptions,
  progress: (event: BenchProgress) => void,
): Promise<CachedEvaluation> {
  const items: EvalItem[] = built.items;
  const result = await evaluate(engine, items, {
    soft: c.soft,
    signal: options.signal,
    onProgress: (done, total) => progress({ task: `evaluate ${c.id}`, done, total }),
  });
  const sampleSize = options.latencySample ?? DEFAULT_LATENCY_SAMPLE;
  progress({ task: `latency ${c.id}`, done: 0, total: Math.min(sampleSize, items.length) });
  const latencyMs = await measureLatency(engine, items, { soft: c.soft, sampleSize, signal: options.signal });
  progress({ task: `latency ${c.id}`, done: latencyMs.sampleSize, total: latencyMs.sampleSize });
  return {
    scores: result.predictions.map((p) => p.logProbs),
    seconds: result.seconds,
    examplesPerSecond: result.examplesPerSecond,
    latencyMs,
    peakRssMB: peakRssMB(),
  };
}

/**
 * The parts of an adapter's ptune_training.json the benchmark uses: the prompt file it was trained with, how
 * long training took and its curve. Adapters from PEFT have no record; a record that does not check out is
 * reported and ignored.
 */
function recordSummary(raw: Record<string, unknown> | undefined, file: string, log: (line: string) => void): { promptSource?: string; seconds?: number; curve?: PromptResult['trainingCurve'] } {
  if (raw === undefined) return {};
  let record: TrainingRecord;
  try {
    record = parseTrainingRecord(raw, file);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    log(`${error.message}; ignoring the training record`);
    return {};
  }
  const curve = record.curve.filter((p) => Number.isFinite(p.loss));
  return {
    promptSource: record.prompt.source,
    seconds: record.timings?.seconds,
    curve: curve.length > 0 ? reportCurve(curve, record.evals) : undefined,
  };
}

/** ptune_training.json for a prompt the benchmark tuned. */
function trainingRecord(input: { prompt: PromptFile; train: Dataset; seed: number; tuned: TunedPrompt; setup: TrainingSetup; engineVersion: string }): TrainingRecord {
  const { prompt, train, tuned } = input;
  return {
    ...startTrainingRecord({
      writtenBy: 'ptune bench --tune',
      engineVersion: input.engineVersion,
      prompt,
      train: { file: path.resolve(train.file), hash: train.hash, rows: tuned.trainRows, truncatedRows: tuned.truncatedRows },
      seed: input.seed,
      setup: input.setup,
    }),
    training: { ...input.setup.config },
    curve: tuned.curve,
    evals: tuned.evals,
    result: { stopReason: tuned.stopReason, stopMessage: tuned.stopMessage },
    timings: { seconds: tuned.seconds },
  };
}

function datasetSection(data: Dataset): DatasetSection {
  return { file: data.file, hash: data.hash, n: data.rows.length, skipped: data.skipped.length };
}

/** A file or folder name without its extension, for prompt ids. */
function stem(file: string): string {
  return path.basename(path.resolve(file)).replace(/\.[^.]+$/, '') || 'prompt';
}

function memo<T>(compute: (prompt: PromptFile) => Promise<T>): (prompt: PromptFile) => Promise<T> {
  const results = new Map<PromptFile, Promise<T>>();
  return (prompt) => {
    if (!results.has(prompt)) results.set(prompt, compute(prompt));
    return results.get(prompt)!;
  };
}

