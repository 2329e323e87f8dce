/**
 * The engine: a checkpoint of any registered model family (models/index.ts) loaded once, run through onnxruntime-node sessions that are built
 * per purpose and shape bucket and reused. Implements the loss contract (see README, "Loss contract").
 */
import { basename, resolve } from 'node:path';
import type { DecoderOptions, LossAndGrad, LossKind, ModelEngine, ModelInfo, ScoredExample, SoftPrompt, TextTokenizer } from './api';
import { UserError } from './errors';
import { KvDecoder } from './decoder';
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
  /** Examples per model run inside one call (results never depend on it). */
  chunkSize?: number;
  /** Sessions kept alive (least recently used are released). */
  maxSessions?: number;
  /**
   * Compute the keys/values of the tokens every row of a batch starts with (the soft prompt, the instruction,
   * few-shot demonstrations) once, and let every row attend to them (forward passes only). Default on;
   * results do not change (tested to 1e-4).
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
  /** Each sequence after the prefix (no virtual tokens left in it). */
  suffixes: SequenceSpec[];
  /** past.<layer>.key / .value: the prefix's keys and values, [1, kv, slots, hd]. */
  feeds: Record<string, HostArray>;
}

type FloatArray = Float32Array | Float64Array;

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

  async score(examples: ScoredExample[], soft?: SoftPrompt): Promise<number[][]> {
    const out: number[][] = new Array(examples.length);
    for (const chunk of this.chunks(examples.length, (i) => exampleLength(examples[i]))) {
      const plan = this.plan(chunk.map((i) => examples[i]), soft, 'all');
      const r = await this.runPlan(plan, soft, { kind: 'score' });
      let item = 0;
      for (const i of chunk) out[i] = examples[i].continuations.map(() => Number(r.scores[item++]));
    }
    return out;
  }

  async loss(examples: ScoredExample[], soft: SoftPrompt | undefined, kind: LossKind): Promise<Omit<LossAndGrad, 'grad'>> {
    const { grad: _unused, ...rest } = await this.lossInternal(examples, soft, kind, false);
    return rest;
  }

  async lossAndGrad(examples: ScoredExample[], soft: SoftPrompt, kind: LossKind): Promise<LossAndGrad> {
    const r = await this.lossInternal(examples, soft, kind, true);
    return { ...r, grad: r.grad instanceof Float32Array ? r.grad : Float32Array.from(r.grad!) };
  }

  /** The loss and, with `withGrad`, its gradient in the engine's float type (tests use float64). */
  async lossInternal(examples: ScoredExample[], soft: SoftPrompt | undefined, kind: LossKind, withGrad: boolean, softData?: FloatArray) {
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
    const grad = withGrad ? new (this.float64 ? Float64Array : Float32Array)(soft!.numVirtual * soft!.hiddenSize) : undefined;
    for (const chunk of this.chunks(examples.length, (i) => exampleLength(examples[i]))) {
      const chunkExamples = chunk.map((i) => examples[i]);
      const plan = this.plan(chunkExamples, soft, kind === 'lm' ? 'gold' : 'all');
      const dims: Partial<HeadDims> = { kind, withGrad, labels: kind === 'verbalizer' ? labels : undefined };
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
        const g = r.grad as FloatArray;
        for (let k = 0; k < grad.length; k++) grad[k] += weight * g[k];
      }
    }
    return { loss, perExample, scores, grad };
  }

  async logits(sequences: number[][], soft?: SoftPrompt): Promise<Float32Array[]> {
    const out: Float32Array[] = new Array(sequences.length);
    const nv = soft?.numVirtual ?? 0;
    const V = this.arch.dims.vocabSize;
    for (const idx of this.chunks(sequences.length, (i) => sequences[i].length)) {
      const specs = idx.map((i) => ({ ids: sequences[i], softAt: soft ? 0 : undefined }));
      const { feeds, length: T } = this.batchFeeds(specs, soft);
      const r = await this.run({ kind: 'logits', batch: specs.length, length: T, numVirtual: nv }, feeds);
      const all = r.logits as FloatArray;
      idx.forEach((i, b) => (out[i] = Float32Array.from(all.subarray((b * T + nv) * V, (b * T + nv + sequences[i].length) * V))));
    }
    return out;
  }

  /** Log-softmax over `tokenIds` only, at the last position of each sequence (a classifier over label tokens). */
  async restrictedLogProbs(sequences: number[][], tokenIds: number[], soft?: SoftPrompt): Promise<number[][]> {
    const out: number[][] = new Array(sequences.length);
    const nv = soft?.numVirtual ?? 0;
    for (const idx of this.chunks(sequences.length, (i) => sequences[i].length)) {
      const specs = idx.map((i) => ({ ids: sequences[i], softAt: soft ? 0 : undefined }));
      const { feeds, length: T } = this.batchFeeds(specs, soft);
      feeds.rowIdx = BigInt64Array.from(specs.map((s, b) => BigInt(b * T + layoutLength(s, nv) - 1)));
      feeds.tokenIds = BigInt64Array.from(tokenIds.map(BigInt));
      const r = await this.run({ kind: 'restricted', batch: specs.length, length: T, numVirtual: nv, rows: specs.length, tokens: tokenIds.length }, feeds);
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
    const specs = prompts.map((ids, i) => ({ ids, softAt: opts.soft ? (opts.softPromptAt?.[i] ?? 0) : undefined }));
    const nv = opts.soft?.numVirtual ?? 0;
    const longest = Math.max(...specs.map((s) => layoutLength(s, nv))) + opts.maxNewTokens - 1;
    if (longest > this.arch.dims.maxPositions) {
      throw new UserError(`the prompt and ${opts.maxNewTokens} new tokens need ${longest} positions; the model has ${this.arch.dims.maxPositions}: ask for fewer new tokens`);
    }
    const core = {
      arch: this.arch,
      float64: this.float64,
      weightFeeds: () => this.weightFeeds,
      batchFeeds: (s: SequenceSpec[], soft?: SoftPrompt) => this.batchFeeds(s, soft),
      run: (dims: HeadDims, feeds: Record<string, HostArray>) => this.run(dims, feeds),
    };
    return new KvDecoder(core, specs, opts.soft, opts.maxNewTokens);
  }

  /** Greedy decoding with the KV cache: the new ids, stopping at EOS, the model's positions or maxNewTokens. */
  async generate(promptIds: number[], maxNewTokens: number, soft?: SoftPrompt, softPromptAt = 0): Promise<number[]> {
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

  /** Indices 0..count-1 in chunks; neighbours in length share a chunk, so little padding is computed. */
  private chunks(count: number, lengthOf: (i: number) => number): number[][] {
    const order = Array.from({ length: count }, (_, i) => i);
    order.sort((a, b) => lengthOf(a) - lengthOf(b) || a - b);
    const size = this.opts.chunkSize ?? 8;
    const out: number[][] = [];
    for (let i = 0; i < order.length; i += size) out.push(order.slice(i, i + size));
    return out;
  }

  /** Lays out the sequences a set of examples needs, sharing identical ones (single-token labels share one). */
  private plan(examples: ScoredExample[], soft: SoftPrompt | undefined, which: 'all' | 'gold'): Plan {
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

  private bucket(seqs: SequenceSpec[], nv: number): number {
    const longest = Math.max(...seqs.map((s) => layoutLength(s, nv)));
    if (longest > this.arch.dims.maxPositions) {
      throw new UserError(`a sequence of ${longest} tokens${nv ? ` (${nv} virtual)` : ''} is longer than the model's ${this.arch.dims.maxPositions} positions: use a shorter --max-length or fewer virtual tokens`);
    }
    return bucketLength(longest, this.arch.dims.maxPositions);
  }

  private async runPlan(plan: Plan, soft: SoftPrompt | undefined, dims: Partial<HeadDims>, extra: Record<string, HostArray> = {}, softData?: FloatArray) {
    const shared = !dims.withGrad && this.opts.prefixCaching !== false ? await this.sharedPrefix(plan, soft, softData) : undefined;
    const nv = shared ? 0 : (soft?.numVirtual ?? 0);
    const offset = shared?.prefix.length ?? 0;
    const { feeds, length: T } = shared ? this.batchFeeds(shared.suffixes, undefined, undefined, shared.prefix) : this.batchFeeds(plan.seqs, soft, softData);
    Object.assign(feeds, shared?.feeds, extra);
    feeds.rowIdx = BigInt64Array.from(plan.rows.map((r) => BigInt(r.seq * T + r.pos - offset)));
    feeds.pickIdx = BigInt64Array.from(plan.picks.map(BigInt));
    const itemMatrix = new (this.float64 ? Float64Array : Float32Array)(plan.items.length * plan.picks.length);
    plan.items.forEach((picks, i) => picks.forEach((p) => (itemMatrix[i * plan.picks.length + p] = 1)));
    feeds.itemMatrix = itemMatrix;
    return this.run(
      {
        ...dims,
        kind: dims.kind!,
        batch: plan.seqs.length,
        length: T,
        numVirtual: nv,
        rows: plan.rows.length,
        picks: plan.picks.length,
        items: plan.items.length,
        ...(shared ? { past: shared.prefix.slots, pastShared: true } : {}),
      },
      feeds,
    );
  }

  /** The last shared prefix's keys/values, reused while the prefix and the soft prompt stay the same. */
  private prefixKv?: { key: string; soft?: Float64Array; shared: Omit<SharedPrefix, 'suffixes'> };

  /**
   * The positions every sequence of the plan shares (same tokens, same virtual tokens) before the first row
   * that is read, computed once at batch 1; undefined when too short to pay, or when a soft prompt sits after
   * it, or for longrope (whose factors depend on the whole call).
   */
  private async sharedPrefix(plan: Plan, soft: SoftPrompt | undefined, softData?: FloatArray): Promise<SharedPrefix | undefined> {
    const seqs = plan.seqs;
    const nv = soft?.numVirtual ?? 0;
    if (seqs.length < 2 || this.arch.rope.some((r) => r.longrope)) return undefined;
    if (seqs.some((s) => layoutLength(s, nv) > this.arch.dims.maxPositions)) return undefined;
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

    const key = `${prefixSpec.softAt ?? '-'}|${nv}|${prefixSpec.ids.join(',')}`;
    const softNow = withVirtual ? Float64Array.from(softData ?? soft!.data) : undefined;
    const cached = this.prefixKv;
    if (cached && cached.key === key && (!softNow || (cached.soft && cached.soft.every((x, i) => x === softNow[i])))) return { ...cached.shared, suffixes };

    const { feeds, length: slots } = this.batchFeeds([prefixSpec], withVirtual ? soft : undefined, softData);
    const r = await this.run({ kind: 'prefix', batch: 1, length: slots, numVirtual: withVirtual ? nv : 0 }, feeds);
    const pastFeeds: Record<string, HostArray> = {};
    for (let l = 0; l < this.arch.dims.numLayers; l++) {
      const [present, past] = [kvNames('present', l), kvNames('past', l)];
      pastFeeds[past.key] = r[present.key];
      pastFeeds[past.value] = r[present.value];
    }
    const shared = { prefix: { length: P, slots }, feeds: pastFeeds };
    this.prefixKv = { key, soft: softNow, shared };
    return { ...shared, suffixes };
  }

  /** Weights plus the right-padded batch arrays of `specs` at their bucketed length. */
  private batchFeeds(specs: SequenceSpec[], soft?: SoftPrompt, softData?: FloatArray, prefix?: CachedPrefix): { feeds: Record<string, HostArray>; length: number } {
    const nv = soft?.numVirtual ?? 0;
    const length = this.bucket(specs, nv);
    const b = buildBatch(specs, nv, length, this.float64, this.arch.slidingWindow, prefix);
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
      feeds.soft = softData ?? (this.float64 ? Float64Array.from(soft.data) : soft.data);
      feeds.placement = b.placement!;
      feeds.tokenMask = b.tokenMask!;
    }
    return { feeds, length };
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
      entry = { session: CompiledGraph.create(buildHeadGraph(this.arch, dims, this.float64 ? 'float64' : 'float32', this.quantized), { threads: this.opts.threads, device: this.opts.device, onPlacement: this.opts.onPlacement }), pending: 0, evicted: false };
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

interface CachedSession {
  session: Promise<CompiledGraph>;
  /** Runs in flight on this session. */
  pending: number;
  evicted: boolean;
}

/** Tokens an example's longest sequence needs, for length bucketing. */
function exampleLength(e: ScoredExample): number {
  return e.promptIds.length + Math.max(0, ...e.continuations.map((c) => c.length));
}
