/**
 * The engine: a checkpoint of any registered model family (models/index.ts) loaded once, run through onnxruntime-node sessions that are built
 * per purpose and shape bucket and reused. Implements the loss contract (see README, "Loss contract").
 */
import { basename, resolve } from 'node:path';
import { isPrefixPrompt, type DecoderOptions, type LossAndGrad, type LossKind, type ModelEngine, type ModelInfo, type PrefixPrompt, type PromptParams, type ScoredExample, type SoftPrompt, type TextTokenizer } from './api';
import { UserError } from './errors';
import { KvDecoder } from './decoder';
import { chunkByMemory, defaultBatchMemoryBytes, exampleActivationBytes, type ExampleCost } from './batch-memory';
import { buildHeadGraph, headKey, kvNames, ropeInputNames, type HeadDims } from './heads';
import { bucketLength, buildBatch, layoutLength, type CachedPrefix, type SequenceSpec } from './layout';
import { assertCheckpointFits, loadCheckpoint, requireTensor } from './models/checkpoint';
import type { ModelArch } from './models/family';
import { DEFAULT_WEIGHT_FORMAT, nbitsSpec, QuantizedWeights, storedBytesPerValue, type WeightFormat } from './models/quantize';
import { checkModelType, describeModel } from './models/index';
import { ropeTables } from './models/rope';
import { CompiledGraph, type HostArray, type SessionOptions } from './runtime/session';
import { loadTokenizer } from './tokenizer';

export { ENGINE_VERSION } from './version';

export interface LoadOptions extends Pick<SessionOptions, 'device' | 'onPlacement'> {
  threads?: number;
  /** float64 exists for gradient checks against finite differences; everything else uses float32. */
  dtype?: 'float32' | 'float64';
  /**
   * Examples per model run inside one call, fixed; unset (the default): as many as fit `batchMemoryMB`
   * (batch-memory.ts). Results never depend on it.
   */
  chunkSize?: number;
  /**
   * The activation memory one model run may take, in MiB: examples are grouped into runs up to it by an
   * estimate from the model's dimensions and the run's padded length. Default: a quarter of the memory
   * available after loading the weights, between 64 MiB and 2 GiB (batch-memory.ts).
   */
  batchMemoryMB?: number;
  /** Called once per model run of score, loss, logits and restricted log-probs: its examples and padded length (benchmarks). */
  onChunk?: (rows: number, length: number) => void;
  /** Sessions kept alive (least recently used are released). */
  maxSessions?: number;
  /**
   * Compute the keys/values of the tokens every row of a batch starts with (the soft prompt, the instruction,
   * few-shot demonstrations) once, and let every row attend to them; in training, the rows' gradient with
   * respect to those keys and values (summed over the rows) runs back through the prefix once. Default on;
   * results and gradients do not change (tested to 1e-4).
   */
  prefixCaching?: boolean;
  /**
   * How the frozen linear weights are held: float32 (default), or block-quantized to 8 or 4 bits
   * (models/quantize.ts): about ½ or ¼ of the memory for evaluation, with a second quantized copy for training.
   */
  weights?: WeightFormat;
}

/** Below this many shared tokens a separate prefix run costs more than it saves. */
const MIN_SHARED_PREFIX = 8;

interface SharedPrefix {
  prefix: CachedPrefix;
  /** Layout positions of each sequence the prefix took over (a prefix prompt's slots come on top). */
  consumed: number;
  /** Each sequence after the prefix (no virtual tokens left in it). */
  suffixes: SequenceSpec[];
  /** past.<layer>.key / .value: the prefix's keys and values, [1, kv, slots, hd]. */
  feeds: Record<string, HostArray>;
  /** The prefix run itself (its head dimensions and feeds), which a gradient runs backwards (kind prefixVjp). */
  run: { dims: HeadDims; feeds: Record<string, HostArray>; promptSlots: number; slots: number };
}

type FloatArray = Float32Array | Float64Array;

/** The input-layer soft prompt of a prompt, if that is what it is. */
const inputSoft = (p: PromptParams | undefined): SoftPrompt | undefined => (isPrefixPrompt(p) ? undefined : p);
/** Virtual tokens spliced into the token layout (a prefix prompt's are cache slots, not tokens). */
const layoutVirtual = (p: PromptParams | undefined): number => inputSoft(p)?.numVirtual ?? 0;

interface Plan {
  seqs: SequenceSpec[];
  /** Hidden-state rows read: a sequence and a position in its full layout. */
  rows: { seq: number; pos: number }[];
  /** Flat indices into the rows' [rows, vocab] log-probs. */
  picks: number[];
  /** Per item, the indices into `picks` it sums. */
  items: number[][];
}

export class Engine implements ModelEngine {
  private readonly sessions = new Map<string, CachedSession>();
  /** Activation bytes one model run may take (LoadOptions.batchMemoryMB). */
  readonly batchMemory: number;
  private readonly weightFeeds: Record<string, HostArray> = {};
  private runs = 0;

  private constructor(
    readonly info: ModelInfo,
    readonly tokenizer: TextTokenizer,
    readonly arch: ModelArch,
    private readonly weights: Map<string, Float32Array>,
    private readonly opts: LoadOptions,
    private readonly quantized?: QuantizedWeights,
  ) {
    if (opts.batchMemoryMB !== undefined && !(opts.batchMemoryMB > 0)) throw new UserError(`the batch memory must be a positive number of MiB, got ${opts.batchMemoryMB}`);
    // Fixed at load, once the weights are in memory: runs of the same lengths keep the same shapes (sessions).
    this.batchMemory = opts.batchMemoryMB !== undefined ? opts.batchMemoryMB * 1024 * 1024 : defaultBatchMemoryBytes();
    for (const [name, data] of weights) this.weightFeeds[name] = this.float64 ? Float64Array.from(data) : data;
    if (quantized) Object.assign(this.weightFeeds, quantized.feeds);
  }

  private scaledEmbeddings?: Float32Array;

  /** The input embedding table as the trunk sees it: scaled by the family's embedding scale (Gemma), like PEFT's soft prompts. */
  get embeddings(): Float32Array {
    const table = this.weights.get(this.arch.embedTable)!;
    if (this.arch.embedScale === 1) return table;
    return (this.scaledEmbeddings ??= table.map((x) => Math.fround(x * this.arch.embedScale)));
  }

  static async load(dirIn: string, opts: LoadOptions = {}): Promise<Engine> {
    const dir = resolve(dirIn);
    const configFile = `${dir}/config.json`;
    const ck = loadCheckpoint(dir, (raw) => void checkModelType(raw, configFile));
    const arch = describeModel(ck.config, configFile);
    const format = opts.weights ?? DEFAULT_WEIGHT_FORMAT;
    const spec = nbitsSpec(format);
    if (spec && opts.dtype === 'float64') throw new Error('quantized weights run in float32 graphs only');
    // Only the tensors the family reads count (a checkpoint may carry others, e.g. a vision tower).
    assertCheckpointFits(ck, arch.weightShapes.keys(), process.env, spec && { names: new Set(arch.linearWeights), bytesPerValue: storedBytesPerValue(spec), format });
    const quantized = spec ? new QuantizedWeights(arch, spec, (name, scratch) => requireTensor(ck, name, arch.weightShapes.get(name)!, scratch)) : undefined;
    const weights = new Map<string, Float32Array>();
    for (const [name, shape] of arch.weightShapes) if (!quantized?.names.has(name)) weights.set(name, requireTensor(ck, name, shape));
    const tokenizer = await loadTokenizer(dir);
    const d = arch.dims;
    if (tokenizer.vocabSize > d.vocabSize) {
      throw new UserError(`${dir}/tokenizer.json has token ids up to ${tokenizer.vocabSize - 1}, but the model's embedding table (${configFile}: vocab_size ${d.vocabSize}) has only ${d.vocabSize} rows: the tokenizer belongs to another model`, configFile);
    }
    const info: ModelInfo = {
      dir,
      modelType: arch.modelType,
      hiddenSize: d.hiddenSize,
      numLayers: d.numLayers,
      numHeads: d.numHeads,
      numKeyValueHeads: d.numKeyValueHeads,
      headDim: d.headDim,
      vocabSize: d.vocabSize,
      maxPositions: d.maxPositions,
      softPromptReach: arch.allLayersSlide && arch.slidingWindow !== undefined ? d.numLayers * (arch.slidingWindow - 1) : undefined,
      nameOrPath: typeof ck.config._name_or_path === 'string' && ck.config._name_or_path ? ck.config._name_or_path : basename(dir),
    };
    return new Engine(info, tokenizer, arch, weights, opts, quantized);
  }

  get runCount(): number {
    return this.runs;
  }

  private get float64(): boolean {
    return this.opts.dtype === 'float64';
  }

  async score(examples: ScoredExample[], soft?: PromptParams): Promise<number[][]> {
    const out: number[][] = new Array(examples.length);
    for (const chunk of this.exampleChunks(examples, soft, 'all', false)) {
      const plan = this.plan(chunk.map((i) => examples[i]), soft, 'all');
      const r = await this.runPlan(plan, soft, { kind: 'score' });
      let item = 0;
      for (const i of chunk) out[i] = examples[i].continuations.map(() => Number(r.scores[item++]));
    }
    return out;
  }

  async loss(examples: ScoredExample[], soft: PromptParams | undefined, kind: LossKind): Promise<Omit<LossAndGrad, 'grad'>> {
    const { grad: _unused, ...rest } = await this.lossInternal(examples, soft, kind, false);
    return rest;
  }

  async lossAndGrad(examples: ScoredExample[], soft: PromptParams, kind: LossKind): Promise<LossAndGrad> {
    const r = await this.lossInternal(examples, soft, kind, true);
    return { ...r, grad: r.grad instanceof Float32Array ? r.grad : Float32Array.from(r.grad!) };
  }

  /**
   * The loss and, with `withGrad`, its gradient in the engine's float type (tests use float64); `softData`
   * replaces the prompt's data (float64 finite differences), in the same layout.
   */
  async lossInternal(examples: ScoredExample[], soft: PromptParams | undefined, kind: LossKind, withGrad: boolean, softData?: FloatArray) {
    if (examples.length === 0) throw new UserError('no examples to compute a loss on');
    if (withGrad && !soft) throw new Error('a gradient needs a soft prompt');
    examples.forEach((e, i) => {
      if (e.gold === undefined || e.gold < 0 || e.gold >= e.continuations.length) throw new UserError(`example ${i + 1}: no gold continuation`);
    });
    const labels = examples[0].continuations.length;
    if (kind === 'verbalizer' && examples.some((e) => e.continuations.length !== labels)) {
      throw new UserError('the verbalizer loss needs the same label set for every example');
    }
    const total = examples.length;
    let loss = 0;
    const perExample: number[] = new Array(total);
    const scores: number[][] = new Array(total);
    const grad = withGrad ? new (this.float64 ? Float64Array : Float32Array)(soft!.data.length) : undefined;
    for (const chunk of this.exampleChunks(examples, soft, kind === 'lm' ? 'gold' : 'all', withGrad)) {
      const chunkExamples = chunk.map((i) => examples[i]);
      const plan = this.plan(chunkExamples, soft, kind === 'lm' ? 'gold' : 'all');
      const dims: Partial<HeadDims> = { kind, withGrad, pastGrad: withGrad && isPrefixPrompt(soft), labels: kind === 'verbalizer' ? labels : undefined };
      const extra: Record<string, HostArray> = {};
      if (kind === 'verbalizer') {
        const oneHot = new (this.float64 ? Float64Array : Float32Array)(chunk.length * labels);
        chunkExamples.forEach((e, j) => (oneHot[j * labels + e.gold!] = 1));
        extra.goldOneHot = oneHot;
      }
      const r = await this.runPlan(plan, soft, dims, extra, softData);
      const weight = chunk.length / total;
      loss += weight * Number(r.loss[0]);
      let item = 0;
      chunk.forEach((i, j) => {
        perExample[i] = Number(r.perExample[j]);
        const n = kind === 'lm' ? 1 : examples[i].continuations.length;
        const s = Array.from({ length: n }, () => Number(r.scores[item++]));
        scores[i] = kind === 'lm' ? examples[i].continuations.map((_, c) => (c === examples[i].gold ? s[0] : NaN)) : s;
      });
      if (grad) {
        const g = isPrefixPrompt(soft) ? this.prefixGradient(soft, r) : (r.grad as FloatArray);
        for (let k = 0; k < grad.length; k++) grad[k] += weight * g[k];
      }
    }
    return { loss, perExample, scores, grad };
  }

  async logits(sequences: number[][], soft?: PromptParams): Promise<Float32Array[]> {
    const out: Float32Array[] = new Array(sequences.length);
    const nv = layoutVirtual(soft);
    const V = this.arch.dims.vocabSize;
    // Logits over the vocabulary at every position: each padded position is a vocabulary row.
    for (const idx of this.chunks(sequences.length, (i) => sequences[i].length + nv, () => ({ sequences: 1, vocabRows: 'all' }), soft, false)) {
      const specs = idx.map((i) => ({ ids: sequences[i], softAt: nv ? 0 : undefined }));
      const { feeds, length: T, past } = this.batchFeeds(specs, soft);
      const r = await this.run({ kind: 'logits', batch: specs.length, length: T, numVirtual: nv, ...past }, feeds);
      const all = r.logits as FloatArray;
      idx.forEach((i, b) => (out[i] = Float32Array.from(all.subarray((b * T + nv) * V, (b * T + nv + sequences[i].length) * V))));
    }
    return out;
  }

  /** Log-softmax over `tokenIds` only, at the last position of each sequence (a classifier over label tokens). */
  async restrictedLogProbs(sequences: number[][], tokenIds: number[], soft?: PromptParams): Promise<number[][]> {
    const out: number[][] = new Array(sequences.length);
    const nv = layoutVirtual(soft);
    // Only the label tokens' columns: no vocabulary rows.
    for (const idx of this.chunks(sequences.length, (i) => sequences[i].length + nv, () => ({ sequences: 1, vocabRows: 0 }), soft, false)) {
      const specs = idx.map((i) => ({ ids: sequences[i], softAt: nv ? 0 : undefined }));
      const { feeds, length: T, past } = this.batchFeeds(specs, soft);
      feeds.rowIdx = BigInt64Array.from(specs.map((s, b) => BigInt(b * T + layoutLength(s, nv) - 1)));
      feeds.tokenIds = BigInt64Array.from(tokenIds.map(BigInt));
      const r = await this.run({ kind: 'restricted', batch: specs.length, length: T, numVirtual: nv, rows: specs.length, tokens: tokenIds.length, ...past }, feeds);
      idx.forEach((i, j) => (out[i] = Array.from(r.logProbs.subarray(j * tokenIds.length, (j + 1) * tokenIds.length), Number)));
    }
    return out;
  }

  /**
   * A KV-cache decoder over several prompts at once (right-padded), the soft prompt before each prompt's
   * `softPromptAt[i]`-th token (0: a prefix, as PEFT places it). `start()` returns each prompt's next-token
   * logits; `step(tokens)` appends one token per sequence. Room is checked against the model's positions.
   */
  decoder(prompts: number[][], opts: DecoderOptions): KvDecoder {
    const nv = layoutVirtual(opts.soft);
    const specs = prompts.map((ids, i) => ({ ids, softAt: nv ? (opts.softPromptAt?.[i] ?? 0) : undefined }));
    const prefixSlots = isPrefixPrompt(opts.soft) ? opts.soft.numVirtual : 0;
    const longest = prefixSlots + Math.max(...specs.map((s) => layoutLength(s, nv))) + opts.maxNewTokens - 1;
    if (longest > this.arch.dims.maxPositions) {
      throw new UserError(`the prompt and ${opts.maxNewTokens} new tokens need ${longest} positions; the model has ${this.arch.dims.maxPositions}: ask for fewer new tokens`);
    }
    const core = {
      arch: this.arch,
      float64: this.float64,
      weightFeeds: () => this.weightFeeds,
      batchFeeds: (s: SequenceSpec[], soft?: PromptParams) => this.batchFeeds(s, soft),
      run: (dims: HeadDims, feeds: Record<string, HostArray>) => this.run(dims, feeds),
    };
    return new KvDecoder(core, specs, opts.soft, opts.maxNewTokens);
  }

  /** Greedy decoding with the KV cache: the new ids, stopping at EOS, the model's positions or maxNewTokens. */
  async generate(promptIds: number[], maxNewTokens: number, soft?: PromptParams, softPromptAt = 0): Promise<number[]> {
    const room = this.arch.dims.maxPositions - (promptIds.length + (soft?.numVirtual ?? 0));
    const budget = Math.min(maxNewTokens, room);
    if (budget <= 0) return [];
    const decoder = this.decoder([promptIds], { soft, softPromptAt: [softPromptAt], maxNewTokens: budget });
    const generated: number[] = [];
    let logits = (await decoder.start())[0];
    for (;;) {
      let best = 0;
      for (let v = 1; v < logits.length; v++) if (logits[v] > logits[best]) best = v;
      if (best === this.tokenizer.eosTokenId) break;
      generated.push(best);
      if (generated.length >= budget) break;
      logits = (await decoder.step([best]))[0];
    }
    return generated;
  }

  async dispose(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const entry of all) await (await entry.session).dispose();
  }

  // ---- batching ----

  /**
   * Indices 0..count-1 in runs; neighbours in length share a run, so little padding is computed. `lengthOf`:
   * an item's layout length (virtual tokens included); `costOf`: what it lays out (see batch-memory.ts). Runs
   * hold `chunkSize` items when that is set, else as many as fit the batch memory at their padded length.
   */
  private chunks(count: number, lengthOf: (i: number) => number, costOf: (i: number) => Omit<ExampleCost, 'vocabRows'> & { vocabRows: number | 'all' }, prompt: PromptParams | undefined, withGrad: boolean): number[][] {
    const order = Array.from({ length: count }, (_, i) => i);
    order.sort((a, b) => lengthOf(a) - lengthOf(b) || a - b);
    const max = this.arch.dims.maxPositions;
    const padded = (i: number) => bucketLength(lengthOf(i), max);
    let out: number[][];
    if (this.opts.chunkSize !== undefined) {
      out = [];
      for (let i = 0; i < order.length; i += this.opts.chunkSize) out.push(order.slice(i, i + this.opts.chunkSize));
    } else {
      const shape = { past: isPrefixPrompt(prompt) ? prompt.numVirtual : 0, withGrad, floatBytes: this.float64 ? 8 : 4 };
      const costs = order.map(costOf);
      const at = new Map(order.map((i, k) => [i, k]));
      out = chunkByMemory(order, padded, (i, T) => {
        const c = costs[at.get(i)!];
        return exampleActivationBytes(this.arch, T, { sequences: c.sequences, vocabRows: c.vocabRows === 'all' ? T : c.vocabRows }, shape);
      }, this.batchMemory);
    }
    if (this.opts.onChunk) for (const c of out) this.opts.onChunk(c.length, padded(c[c.length - 1]));
    return out;
  }

  /** Runs of scored examples: each example's sequences and vocabulary rows as plan() lays them out (an upper bound). */
  private exampleChunks(examples: ScoredExample[], prompt: PromptParams | undefined, which: 'all' | 'gold', withGrad: boolean): number[][] {
    const nv = layoutVirtual(prompt);
    return this.chunks(examples.length, (i) => exampleLength(examples[i]) + nv, (i) => {
      const e = examples[i];
      const conts = which === 'gold' ? [e.continuations[e.gold ?? 0] ?? []] : e.continuations;
      // Single-token continuations share the prompt's sequence and its last row; longer ones lay out their own.
      const single = conts.some((c) => c.length <= 1) ? 1 : 0;
      const longer = conts.filter((c) => c.length > 1);
      return { sequences: single + longer.length, vocabRows: single + longer.reduce((a, c) => a + c.length, 0) };
    }, prompt, withGrad);
  }

  /** Lays out the sequences a set of examples needs, sharing identical ones (single-token labels share one). */
  private plan(examples: ScoredExample[], prompt: PromptParams | undefined, which: 'all' | 'gold'): Plan {
    // A prefix prompt sits in every layer's past, in front of the tokens; it takes no place in their layout.
    const soft = inputSoft(prompt);
    const nv = soft?.numVirtual ?? 0;
    const seqs: SequenceSpec[] = [];
    const seqIndex = new Map<string, number>();
    const rowIndex = new Map<number, number>();
    const items: number[][] = [];
    const rows: Plan['rows'] = [];
    const pickRefs: { row: number; token: number }[] = [];
    examples.forEach((e, ei) => {
      const at = soft ? (e.softPromptAt ?? 0) : undefined;
      if (at !== undefined && (at < 0 || at > e.promptIds.length)) throw new UserError(`example ${ei + 1}: soft prompt position ${at} is outside its ${e.promptIds.length} prompt tokens`);
      if (e.promptIds.length + nv === 0) throw new UserError(`example ${ei + 1}: an empty prompt has no position to predict the continuation from`);
      e.continuations.forEach((cont, ci) => {
        if (which === 'gold' && ci !== e.gold) return;
        if (cont.length === 0) throw new UserError(`example ${ei + 1}: continuation ${ci + 1} is empty`);
        const spec: SequenceSpec = { ids: [...e.promptIds, ...cont.slice(0, -1)], softAt: at };
        const key = `${spec.softAt ?? '-'}|${spec.ids.join(',')}`;
        let s = seqIndex.get(key);
        if (s === undefined) {
          s = seqs.push(spec) - 1;
          seqIndex.set(key, s);
        }
        const first = e.promptIds.length + (at === undefined ? 0 : nv) - 1; // the position that predicts cont[0]
        items.push(
          cont.map((token, j) => {
            const rowKey = s! * 1_000_000 + first + j;
            let row = rowIndex.get(rowKey);
            if (row === undefined) {
              row = rows.push({ seq: s!, pos: first + j }) - 1;
              rowIndex.set(rowKey, row);
            }
            return pickRefs.push({ row, token }) - 1;
          }),
        );
      });
    });
    for (const p of pickRefs) {
      if (!(p.token >= 0 && p.token < this.arch.dims.vocabSize)) throw new UserError(`token id ${p.token} is outside the model's vocabulary of ${this.arch.dims.vocabSize}`);
    }
    const picks = pickRefs.map((p) => p.row * this.arch.dims.vocabSize + p.token);
    return { seqs, rows, picks, items };
  }

  /** The bucketed length of `seqs`, after `before` positions already in the past (a cached or a prefix prompt's). */
  private bucket(seqs: SequenceSpec[], nv: number, before = 0, prefixPrompt = 0): number {
    const longest = Math.max(...seqs.map((s) => layoutLength(s, nv)));
    if (before + longest > this.arch.dims.maxPositions) {
      const what = prefixPrompt ? ` after a prefix of ${prefixPrompt} virtual tokens` : nv ? ` (${nv} virtual)` : '';
      throw new UserError(`a sequence of ${before - prefixPrompt + longest} tokens${what} is longer than the model's ${this.arch.dims.maxPositions} positions: use a shorter --max-length or fewer virtual tokens`);
    }
    return bucketLength(longest, this.arch.dims.maxPositions);
  }

  private async runPlan(plan: Plan, prompt: PromptParams | undefined, dims: Partial<HeadDims>, extra: Record<string, HostArray> = {}, promptData?: FloatArray) {
    const shared = this.opts.prefixCaching !== false ? await this.sharedPrefix(plan, prompt, promptData) : undefined;
    const nv = shared ? 0 : layoutVirtual(prompt);
    const offset = shared?.consumed ?? 0;
    const { feeds, length: T, past } = shared ? this.batchFeeds(shared.suffixes, undefined, undefined, shared.prefix) : this.batchFeeds(plan.seqs, prompt, promptData);
    Object.assign(feeds, shared?.feeds, extra);
    feeds.rowIdx = BigInt64Array.from(plan.rows.map((r) => BigInt(r.seq * T + r.pos - offset)));
    feeds.pickIdx = BigInt64Array.from(plan.picks.map(BigInt));
    const itemMatrix = new (this.float64 ? Float64Array : Float32Array)(plan.items.length * plan.picks.length);
    plan.items.forEach((picks, i) => picks.forEach((p) => (itemMatrix[i * plan.picks.length + p] = 1)));
    feeds.itemMatrix = itemMatrix;
    // With a shared prefix, the rows' gradient is taken with respect to its keys and values (summed over the
    // rows, as the past is broadcast to them), then run back through the prefix once (prefixVjp).
    const r = await this.run(
      {
        ...dims,
        pastGrad: shared && dims.withGrad ? true : dims.pastGrad,
        kind: dims.kind!,
        batch: plan.seqs.length,
        length: T,
        numVirtual: nv,
        rows: plan.rows.length,
        picks: plan.picks.length,
        items: plan.items.length,
        ...past,
      },
      feeds,
    );
    return shared && dims.withGrad ? { ...r, ...(await this.prefixBackward(shared, r)) } : r;
  }

  /**
   * The gradients with respect to the prompt, given the rows' gradient with respect to the shared prefix's
   * keys and values: `grad` for a soft prompt inside the prefix; `grad.<layer>.*` for a prefix prompt, whose
   * slots the rows see directly and, through the prefix tokens, indirectly.
   */
  private async prefixBackward(shared: SharedPrefix, rows: Record<string, HostArray>): Promise<Record<string, HostArray>> {
    const { promptSlots, slots } = shared.run;
    const { numLayers, numKeyValueHeads: kv, headDim: hd } = this.arch.dims;
    const upstream: Record<string, HostArray> = {};
    const direct: Record<string, FloatArray> = {};
    for (let l = 0; l < numLayers; l++) {
      const [grad, up] = [kvNames('grad', l), kvNames('upstream', l)];
      for (const part of ['key', 'value'] as const) {
        const [own, tokens] = splitSlots(rows[grad[part]] as FloatArray, promptSlots, slots, kv, hd);
        upstream[up[part]] = tokens;
        direct[grad[part]] = own;
      }
    }
    // The weights as they are now: the first gradient added the quantized weights' transposed copies.
    const r = await this.run({ ...shared.run.dims, kind: 'prefixVjp', withGrad: true, pastGrad: promptSlots > 0 }, { ...shared.run.feeds, ...this.weightFeeds, ...upstream });
    const out: Record<string, HostArray> = {};
    if (r.grad) out.grad = r.grad;
    if (promptSlots > 0) {
      for (const [name, own] of Object.entries(direct)) {
        const through = r[name] as FloatArray;
        out[name] = own.map((x, i) => x + through[i]);
      }
    }
    return out;
  }

  /** The last shared prefix's keys/values, reused while the prefix and the prompt stay the same. */
  private prefixKv?: { key: string; soft?: Float64Array; shared: Omit<SharedPrefix, 'suffixes'> };

  /**
   * The positions every sequence of the plan shares (same tokens, same virtual tokens) before the first row
   * that is read, computed once at batch 1; undefined when too short to pay, or when a soft prompt sits after
   * it, or for longrope (whose factors depend on the whole call). A prefix prompt's keys/values go in front of
   * the shared tokens' in the cached past, so the rows see exactly the slots and positions they would see uncached.
   */
  private async sharedPrefix(plan: Plan, prompt: PromptParams | undefined, promptData?: FloatArray): Promise<SharedPrefix | undefined> {
    const seqs = plan.seqs;
    const soft = inputSoft(prompt);
    const nv = soft?.numVirtual ?? 0;
    const prefixSlots = isPrefixPrompt(prompt) ? prompt.numVirtual : 0;
    if (seqs.length < 2 || this.arch.rope.some((r) => r.longrope)) return undefined;
    if (seqs.some((s) => prefixSlots + layoutLength(s, nv) > this.arch.dims.maxPositions)) return undefined;
    /** Layout token at t: a real id, or −1 − j for virtual token j. */
    const at = (s: SequenceSpec, t: number) => {
      const k = s.softAt;
      if (k === undefined || t < k) return s.ids[t];
      return t < k + nv ? -1 - (t - k) : s.ids[t - nv];
    };
    let P = Math.min(...plan.rows.map((r) => r.pos), ...seqs.map((s) => layoutLength(s, nv)));
    for (let t = 0; t < P; t++) {
      const first = at(seqs[0], t);
      if (seqs.some((s) => at(s, t) !== first)) P = t;
    }
    // The virtual tokens must lie wholly inside the prefix (or there are none).
    const k = seqs[0].softAt;
    if (k !== undefined && nv > 0 && k + nv > P) return undefined;
    if (P < MIN_SHARED_PREFIX) return undefined;
    const withVirtual = k !== undefined && nv > 0;
    const realInPrefix = P - (withVirtual ? nv : 0);
    const prefixSpec: SequenceSpec = { ids: seqs[0].ids.slice(0, realInPrefix), softAt: withVirtual ? k : undefined };
    const suffixes = seqs.map((s) => ({ ids: s.ids.slice(realInPrefix) }));

    const withPrompt = withVirtual || prefixSlots > 0;
    const key = `${prefixSpec.softAt ?? '-'}|${nv}|${prefixSlots}|${prefixSpec.ids.join(',')}`;
    const softNow = withPrompt ? Float64Array.from(promptData ?? prompt!.data) : undefined;
    const cached = this.prefixKv;
    if (cached && cached.key === key && (!softNow || (cached.soft && cached.soft.every((x, i) => x === softNow[i])))) return { ...cached.shared, suffixes };

    const { feeds, length: slots, past } = this.batchFeeds([prefixSpec], withPrompt ? prompt : undefined, promptData);
    const r = await this.run({ kind: 'prefix', batch: 1, length: slots, numVirtual: withVirtual ? nv : 0, ...past }, feeds);

    const { numLayers, numKeyValueHeads: kv, headDim: hd } = this.arch.dims;
    const pastFeeds: Record<string, HostArray> = {};
    for (let l = 0; l < numLayers; l++) {
      const [present, pastNames] = [kvNames('present', l), kvNames('past', l)];
      for (const part of ['key', 'value'] as const) {
        const own = r[present[part]] as FloatArray;
        pastFeeds[pastNames[part]] = prefixSlots ? concatSlots(feeds[pastNames[part]] as FloatArray, prefixSlots, own, slots, kv, hd) : own;
      }
    }
    const prefixDims: HeadDims = { kind: 'prefix', batch: 1, length: slots, numVirtual: withVirtual ? nv : 0, ...past };
    const shared = { prefix: { length: prefixSlots + P, slots: prefixSlots + slots }, consumed: P, feeds: pastFeeds, run: { dims: prefixDims, feeds, promptSlots: prefixSlots, slots } };
    this.prefixKv = { key, soft: softNow, shared };
    return { ...shared, suffixes };
  }

  /**
   * Weights plus the right-padded batch arrays of `specs` at their bucketed length. A prefix prompt becomes a
   * shared past (its slots at positions 0..P−1, seen by every row; the tokens' positions start after them, as
   * transformers derives them from the cache length under PEFT); `cached` is a shared past whose feeds the
   * caller supplies. `past` holds the head dimensions that go with it.
   */
  private batchFeeds(specs: SequenceSpec[], prompt?: PromptParams, promptData?: FloatArray, cached?: CachedPrefix): { feeds: Record<string, HostArray>; length: number; past: Pick<HeadDims, 'past' | 'pastShared'> } {
    const soft = inputSoft(prompt);
    const prefix = isPrefixPrompt(prompt) ? prompt : undefined;
    if (prefix && cached) throw new Error('a prefix prompt and a cached past at once');
    const shared = cached ?? (prefix ? { length: prefix.numVirtual, slots: prefix.numVirtual } : undefined);
    const nv = soft?.numVirtual ?? 0;
    const length = this.bucket(specs, nv, shared?.length ?? 0, prefix?.numVirtual ?? 0);
    const b = buildBatch(specs, nv, length, this.float64, this.arch.slidingWindow, shared);
    const feeds: Record<string, HostArray> = { ...this.weightFeeds, ids: b.ids, positions: b.positions, attnBias: b.attnBias };
    if (b.attnBiasSliding) feeds.attnBiasSliding = b.attnBiasSliding;
    for (const spec of this.arch.rope) {
      const { cos, sin } = ropeTables(spec, b.positions, this.float64);
      const names = ropeInputNames(spec.name);
      feeds[names.cos] = cos;
      feeds[names.sin] = sin;
    }
    if (soft) {
      if (soft.hiddenSize !== this.arch.dims.hiddenSize) {
        throw new UserError(`soft prompt width ${soft.hiddenSize} does not match the model's hidden size ${this.arch.dims.hiddenSize} (${this.info.dir}): it was made for another model`);
      }
      if (soft.data.length !== soft.numVirtual * soft.hiddenSize) throw new UserError(`soft prompt has ${soft.data.length} values, expected ${soft.numVirtual} × ${soft.hiddenSize}`);
      feeds.soft = promptData ?? (this.float64 ? Float64Array.from(soft.data) : soft.data);
      feeds.placement = b.placement!;
      feeds.tokenMask = b.tokenMask!;
    }
    if (prefix) Object.assign(feeds, this.prefixPast(prefix, promptData));
    return { feeds, length, past: shared ? { past: shared.slots, pastShared: true } : {} };
  }

  /** A prefix that fits this model, or a UserError naming what differs. */
  private checkPrefix(prefix: PrefixPrompt): void {
    const d = this.arch.dims;
    const wrong = ([['layers', prefix.numLayers, d.numLayers], ['key/value heads', prefix.numKeyValueHeads, d.numKeyValueHeads], ['head dimensions', prefix.headDim, d.headDim]] as const).filter(([, a, b]) => a !== b);
    if (wrong.length > 0) {
      throw new UserError(`the prefix (prefix tuning) was made for another model: it has ${wrong.map(([what, a, b]) => `${a} ${what} where ${this.info.nameOrPath} (${this.info.dir}) has ${b}`).join(', and ')}`);
    }
    const width = prefix.numLayers * 2 * prefix.numKeyValueHeads * prefix.headDim;
    if (!(prefix.numVirtual >= 1) || prefix.data.length !== prefix.numVirtual * width) {
      throw new UserError(`the prefix has ${prefix.data.length} values, expected ${prefix.numVirtual} virtual tokens × ${width} (layers × 2 × key/value heads × head dimensions)`);
    }
  }

  /**
   * PEFT's prefix layout → each layer's past keys and values [1, kv, P, hd]. PEFT (peft_model.py `get_prompt`)
   * views the [P, L·2·kv·hd] rows as [P, L·2, kv, hd], permutes to [L·2, kv, P, hd] and splits it into layers
   * of (key, value): column ((l·2 + key/value)·kv + head)·hd + d of row p is slot p of that head's key or value.
   */
  private prefixPast(prefix: PrefixPrompt, data: ArrayLike<number> = prefix.data): Record<string, FloatArray> {
    this.checkPrefix(prefix);
    const { numVirtual: P, numLayers: L, numKeyValueHeads: kv, headDim: hd } = prefix;
    const width = L * 2 * kv * hd;
    const out: Record<string, FloatArray> = {};
    for (let l = 0; l < L; l++) {
      const names = kvNames('past', l);
      for (const [part, name] of [[0, names.key], [1, names.value]] as const) {
        const t = new (this.float64 ? Float64Array : Float32Array)(kv * P * hd);
        for (let h = 0; h < kv; h++) {
          for (let p = 0; p < P; p++) {
            const src = p * width + ((l * 2 + part) * kv + h) * hd;
            const dst = (h * P + p) * hd;
            for (let i = 0; i < hd; i++) t[dst + i] = data[src + i];
          }
        }
        out[name] = t;
      }
    }
    return out;
  }

  /** The graph's per-layer gradients with respect to the past ([1, kv, P, hd]) back in PEFT's prefix layout. */
  private prefixGradient(prefix: PrefixPrompt, r: Record<string, HostArray>): FloatArray {
    const { numVirtual: P, numLayers: L, numKeyValueHeads: kv, headDim: hd } = prefix;
    const width = L * 2 * kv * hd;
    const out = new (this.float64 ? Float64Array : Float32Array)(P * width);
    for (let l = 0; l < L; l++) {
      const names = kvNames('grad', l);
      for (const [part, name] of [[0, names.key], [1, names.value]] as const) {
        const g = r[name] as FloatArray;
        for (let h = 0; h < kv; h++) {
          for (let p = 0; p < P; p++) {
            const dst = p * width + ((l * 2 + part) * kv + h) * hd;
            const src = (h * P + p) * hd;
            for (let i = 0; i < hd; i++) out[dst + i] = g[src + i];
          }
        }
      }
    }
    return out;
  }

  /** The keys/values the model computes for `ids` (positions 0..n−1), in PEFT's prefix layout. */
  async prefixFromTokens(ids: number[]): Promise<PrefixPrompt> {
    if (ids.length === 0) throw new UserError('a prefix needs at least one token');
    for (const id of ids) {
      if (!(Number.isInteger(id) && id >= 0 && id < this.arch.dims.vocabSize)) throw new UserError(`token id ${id} is outside the model's vocabulary of ${this.arch.dims.vocabSize}`);
    }
    const { feeds, length: T } = this.batchFeeds([{ ids }]);
    const r = await this.run({ kind: 'prefix', batch: 1, length: T, numVirtual: 0 }, feeds);
    const { numLayers: L, numKeyValueHeads: kv, headDim: hd } = this.arch.dims;
    const P = ids.length;
    const width = L * 2 * kv * hd;
    const data = new Float32Array(P * width);
    for (let l = 0; l < L; l++) {
      const names = kvNames('present', l);
      for (const [part, name] of [[0, names.key], [1, names.value]] as const) {
        const present = r[name] as FloatArray; // [1, kv, T, hd]
        for (let h = 0; h < kv; h++) {
          for (let p = 0; p < P; p++) {
            const src = (h * T + p) * hd;
            const dst = p * width + ((l * 2 + part) * kv + h) * hd;
            for (let i = 0; i < hd; i++) data[dst + i] = present[src + i];
          }
        }
      }
    }
    return { kind: 'prefix', numVirtual: P, numLayers: L, numKeyValueHeads: kv, headDim: hd, data };
  }

  private async run(dims: HeadDims, feeds: Record<string, HostArray>): Promise<Record<string, HostArray>> {
    if (dims.withGrad && this.quantized?.ensureTransposed()) {
      // The first gradient: the transposed copies join every later run's feeds, and this one's.
      Object.assign(this.weightFeeds, this.quantized.feeds);
      Object.assign(feeds, this.quantized.feeds);
    }
    const key = headKey(dims);
    let entry = this.sessions.get(key);
    if (entry) {
      this.sessions.delete(key); // re-insert: most recently used last
    } else {
      const session = { threads: this.opts.threads, device: this.opts.device, onPlacement: this.opts.onPlacement, decodeStep: isDecodeStep(dims) };
      entry = { session: CompiledGraph.create(buildHeadGraph(this.arch, dims, this.float64 ? 'float64' : 'float32', this.quantized), session), pending: 0, evicted: false };
      if (this.sessions.size >= (this.opts.maxSessions ?? 12)) {
        const [oldestKey, oldest] = this.sessions.entries().next().value as [string, CachedSession];
        this.sessions.delete(oldestKey);
        oldest.evicted = true;
        if (oldest.pending === 0) void oldest.session.then((s) => s.dispose());
      }
    }
    this.sessions.set(key, entry);
    this.runs++;
    entry.pending++;
    try {
      return await (await entry.session).run(feeds);
    } finally {
      // A session evicted while another call was using it is released once that call is done.
      if (--entry.pending === 0 && entry.evicted) void entry.session.then((s) => s.dispose());
    }
  }
}

/** One token per sequence against a KV cache: run once per generated token, on activations a few rows wide. */
function isDecodeStep(d: HeadDims): boolean {
  return d.kind === 'rows' && d.length === 1 && !!d.presents && (d.past ?? 0) > 0;
}

interface CachedSession {
  session: Promise<CompiledGraph>;
  /** Runs in flight on this session. */
  pending: number;
  evicted: boolean;
}

/** [1, kv, A, hd] then [1, kv, B, hd] → [1, kv, A + B, hd]. */
/** The inverse of concatSlots: [1, kv, a + b, hd] → [1, kv, a, hd] and [1, kv, b, hd]. */
function splitSlots(x: FloatArray, slotsA: number, slotsB: number, kv: number, hd: number): [FloatArray, FloatArray] {
  const make = (n: number) => new (x instanceof Float64Array ? Float64Array : Float32Array)(n);
  const [a, b] = [make(kv * slotsA * hd), make(kv * slotsB * hd)];
  for (let h = 0; h < kv; h++) {
    a.set(x.subarray(h * (slotsA + slotsB) * hd, (h * (slotsA + slotsB) + slotsA) * hd), h * slotsA * hd);
    b.set(x.subarray((h * (slotsA + slotsB) + slotsA) * hd, (h + 1) * (slotsA + slotsB) * hd), h * slotsB * hd);
  }
  return [a, b];
}

function concatSlots(a: FloatArray, slotsA: number, b: FloatArray, slotsB: number, kv: number, hd: number): FloatArray {
  const out = new (a instanceof Float64Array ? Float64Array : Float32Array)(kv * (slotsA + slotsB) * hd);
  for (let h = 0; h < kv; h++) {
    out.set(a.subarray(h * slotsA * hd, (h + 1) * slotsA * hd), h * (slotsA + slotsB) * hd);
    out.set(b.subarray(h * slotsB * hd, (h + 1) * slotsB * hd), (h * (slotsA + slotsB) + slotsA) * hd);
  }
  return out;
}

/** Tokens an example's longest sequence needs, for length bucketing. */
function exampleLength(e: ScoredExample): number {
  return e.promptIds.length + Math.max(0, ...e.continuations.map((c) => c.length));
}
