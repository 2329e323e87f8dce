/**
 * The `discover` job (`ptune discover`): PEZ hard-prompt discovery (src/tuning/pez.ts) on a classification
 * prompt file, written as a new `.prompt` file with the discovered tokens as text in place of the soft
 * prompt, then both that file and the template evaluated (src/eval/evaluate.ts) on the dev set (on the
 * training rows without one). Every option and the output path are checked before the model loads.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { ModelEngine, ScoredExample, TextTokenizer } from '../../engine/api';
import { UserError } from '../../engine/errors';
import { writeFileAtomic } from '../../common/atomic-write';
import { checkOutputPlace, type Note } from '../../common/output-guard';
import type { Dataset } from '../../data/types';
import { evaluate } from '../../eval/evaluate';
import { loadPromptFile, type PromptFile } from '../../prompts';
import { hardTextUnsupported, promptSourceWithText } from '../../prompts/hard-text';
import { discoverHardPrompt, PEZ_DEFAULTS, searchableRows } from '../../tuning/pez';
import type { DiscoverParams, DiscoverResult } from '../protocol';
import type { JobContext } from './context';
import { buildExamples } from './examples';
import { prepareTraining } from './train';
import { initialSoftPrompt } from '../../tuning/train-run';

/** The first line of every prompt file discover writes (a YAML comment): what makes an existing --out replaceable. */
export const DISCOVERED_MARK = 'written by ptune discover';

/** Checked numeric options with their defaults. */
export function resolveDiscoverOptions(p: DiscoverParams): { tokens: number; steps: number; lr: number; batchSize: number; evalEvery: number; seed: number } {
  const whole = (flag: string, v: number | undefined, fallback: number, min = 1) => {
    if (v === undefined) return fallback;
    if (!Number.isInteger(v) || v < min) throw new UserError(`${flag} must be a whole number ≥ ${min}, got ${v}`);
    return v;
  };
  if (p.lr !== undefined && !(Number.isFinite(p.lr) && p.lr > 0)) throw new UserError(`--lr must be a positive number, got ${p.lr}`);
  return {
    tokens: whole('--tokens', p.tokens, PEZ_DEFAULTS.tokens),
    steps: whole('--steps', p.steps, PEZ_DEFAULTS.steps),
    lr: p.lr ?? PEZ_DEFAULTS.lr,
    batchSize: whole('--batch-size', p.batchSize, PEZ_DEFAULTS.batchSize),
    evalEvery: whole('--eval-every', p.evalEvery, PEZ_DEFAULTS.evalEvery),
    seed: whole('--seed', p.seed, 0, 0),
  };
}

/**
 * `--out` is a `.prompt` file that is none of the inputs (checkOutputPlace), not a folder, and replaces only a
 * file discover wrote earlier.
 */
export function checkDiscoverOutput(p: DiscoverParams, note: Note): void {
  if (typeof p.out !== 'string' || p.out === '') throw new UserError('--out is required');
  if (!p.out.endsWith('.prompt')) throw new UserError(`--out ${p.out}: the discovered prompt is a prompt file; give a path ending in .prompt`);
  const inputs = [
    { flag: '--model', path: p.model },
    { flag: '--train', path: p.train },
    { flag: '--template', path: p.template },
    p.eval ? { flag: '--eval', path: p.eval } : undefined,
  ];
  checkOutputPlace({ flag: '--out', path: p.out }, inputs, note);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(p.out);
  } catch {
    return;
  }
  if (stat.isDirectory()) throw new UserError(`--out ${p.out} is a folder; give the path of a .prompt file to write`);
  const head = fs.readFileSync(p.out, 'utf8').slice(0, 200).replace(/\r\n?/g, '\n');
  if (!head.startsWith(`---\n# ${DISCOVERED_MARK}`)) throw new UserError(`--out ${p.out} exists and is not a prompt file ptune discover wrote; it is never overwritten: choose another file`);
}

/** Ids the projection may not pick: the tokenizer's special tokens and pieces that are not whole characters. */
export function excludedTokenIds(tokenizer: TextTokenizer, rows: number): Set<number> {
  const excluded = new Set<number>([...tokenizer.prefixIds]);
  if (tokenizer.eosTokenId !== undefined) excluded.add(tokenizer.eosTokenId);
  if (tokenizer.bosTokenId !== undefined) excluded.add(tokenizer.bosTokenId);
  const ids = Array.from({ length: rows }, (_, i) => i);
  tokenizer.pieces(ids).forEach((piece, id) => {
    // A byte of a multi-byte character decodes to U+FFFD and the written text would lose it.
    if (piece === '' || piece.includes('\ufffd')) excluded.add(id);
  });
  return excluded;
}

/**
 * Where the discovered tokens go in each example: the soft-prompt position, except that a text prompt's
 * prefix goes after the tokenizer's special prefix (a BOS), where the written text will stand.
 */
function placeAsText(examples: readonly ScoredExample[], prompt: PromptFile, tokenizer: TextTokenizer): ScoredExample[] {
  const after = prompt.format !== 'chat' && prompt.softPrompt === 'prefix' ? tokenizer.prefixIds.length : 0;
  return after === 0 ? [...examples] : examples.map((e) => (e.softPromptAt ? e : { ...e, softPromptAt: after }));
}

export async function runDiscoverJob(params: DiscoverParams, ctx: JobContext<'discover'>): Promise<DiscoverResult> {
  const options = resolveDiscoverOptions(params);
  const warnings: string[] = [];
  checkDiscoverOutput(params, (n) => warnings.push(n));
  const template = await loadPromptFile(params.template);
  if (template.task !== 'classification') throw new UserError(`${params.template}: ptune discover needs a classification prompt (with labels); this one is a generation prompt`);
  const why = hardTextUnsupported(template);
  if (why) throw new UserError(`${params.template}: ptune discover cannot write its discovered text into this prompt: ${why}`);
  const prepared = await prepareTraining(
    { model: params.model, train: params.train, template: params.template, eval: params.eval, virtualTokens: options.tokens, init: params.init, seed: options.seed, limit: params.limit, evalLimit: params.evalLimit, maxLength: params.maxLength, batchSize: options.batchSize, skipInvalid: params.skipInvalid },
    ctx as unknown as JobContext<'train'>,
    () => undefined,
  );
  warnings.push(...prepared.warnings);
  const { engine, prompt, train, dev } = prepared;
  ctx.progress({ type: 'status', message: 'listing the tokens a hard prompt can use' });
  const excludeIds = excludedTokenIds(engine.tokenizer, searchableRows(engine.info, engine.tokenizer));
  const trainExamples = placeAsText(train.items.map((i) => i.example), prompt, engine.tokenizer);
  const devExamples = dev ? placeAsText(dev.items.map((i) => i.example), prompt, engine.tokenizer) : undefined;

  const outcome = await discoverHardPrompt({
    engine,
    init: initialSoftPrompt(prepared.setup.method),
    train: trainExamples,
    dev: devExamples,
    config: { loss: prepared.loss, steps: options.steps, lr: options.lr, batchSize: options.batchSize, seed: options.seed, evalEvery: options.evalEvery, stratify: true },
    excludeIds,
    signal: ctx.signal,
    threads: ctx.threads,
    onProgress: (p) => ctx.progress(p.type === 'eval' ? { ...p, text: engine.tokenizer.decode(p.ids) } : p),
  });
  const out = path.resolve(params.out);
  const base = {
    out,
    saved: false,
    ids: outcome.ids,
    text: engine.tokenizer.decode(outcome.ids),
    pieces: engine.tokenizer.pieces(outcome.ids),
    selectedOn: outcome.selectedOn,
    bestLoss: outcome.best.loss,
    bestStep: outcome.best.step,
    initialLoss: outcome.initial.loss,
    initialText: engine.tokenizer.decode(outcome.initial.ids),
    steps: outcome.steps,
    totalSteps: options.steps,
    seconds: outcome.seconds,
    stopReason: outcome.stopReason,
    stopMessage: outcome.stopMessage,
    retokenized: null,
    accuracy: null,
    warnings,
  };
  if (outcome.stopReason === 'cancelled' || outcome.ids.length === 0) return base;

  writeFileAtomic(
    out,
    promptSourceWithText(prompt, base.text, {
      comment: `${DISCOVERED_MARK} (PEZ, ${options.tokens} tokens, ${outcome.steps} steps, seed ${options.seed}) from ${path.basename(params.template)}; token ids ${JSON.stringify(outcome.ids)}`,
      name: `${prompt.name}-discovered`,
      description: `${prompt.name} with a hard prompt found by ptune discover (PEZ) on ${path.basename(params.train)}: ${JSON.stringify(base.text)}`,
    }),
  );

  // The written file is what users will run: parse it back and score exactly what it encodes.
  ctx.progress({ type: 'status', message: `evaluating ${params.out} and ${params.template}` });
  const written = await loadPromptFile(out);
  const rows = dev ?? train;
  const evalFile = dev ? params.eval! : params.train;
  const discoveredItems = await itemsFor(written, rows.dataset, engine, prepared.maxLength, ctx.signal);
  const templateItems = await itemsFor(template, rows.dataset, engine, prepared.maxLength, ctx.signal);
  const differing = discoveredItems.filter((item, i) => !sameIds(item.example.promptIds, splice((devExamples ?? trainExamples)[i], outcome.ids))).length;
  const onDiscovered = await evaluate(engine, discoveredItems, { signal: ctx.signal, scoredBy: `the model ${params.model}` });
  const onTemplate = await evaluate(engine, templateItems, { signal: ctx.signal, scoredBy: `the model ${params.model}` });
  const standalone = engine.tokenizer.encode(base.text);
  return {
    ...base,
    saved: true,
    retokenized: { roundTrip: sameIds(standalone, outcome.ids), reencodedIds: standalone, rowsDiffering: differing, rows: discoveredItems.length },
    accuracy: { on: dev ? 'dev' : 'train', file: path.resolve(evalFile), n: onDiscovered.n, template: onTemplate.accuracy, discovered: onDiscovered.accuracy },
  };
}

async function itemsFor(prompt: PromptFile, dataset: Dataset, engine: ModelEngine, maxLength: number, signal: AbortSignal) {
  const built = await buildExamples(prompt, dataset, engine.tokenizer, { maxLength, numVirtual: 0, flag: '--eval', signal });
  return built.items.map((i) => ({ example: i.example, labels: i.labels, goldLabel: i.goldLabel as string }));
}

/** The ids the discovery scored for an example: the discovered ids at its soft-prompt position. */
function splice(example: ScoredExample, ids: readonly number[]): number[] {
  const at = example.softPromptAt ?? 0;
  return [...example.promptIds.slice(0, at), ...ids, ...example.promptIds.slice(at)];
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
