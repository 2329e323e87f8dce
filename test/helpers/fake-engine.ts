/**
 * A tiny ModelEngine for tuning/worker/CLI tests that must run without the real GPT-2 engine.
 *
 * Model: a byte-level "bag of embeddings" language model with tied output embeddings E [257, H]. The hidden
 * state that predicts a token is h = mean(soft-prompt rows) + mean(embeddings of every earlier real token),
 * logits = E·h, so a continuation's score is Σ_j log softmax(E·h_j)[t_j] (the loss contract) and its
 * gradient with respect to each soft-prompt row is exactly (1/P)·Σ_j (E[t_j] − Σ_v p_v E[v]).
 * Both losses (lm and verbalizer) get their exact analytic gradients.
 *
 * A prefix prompt (prefix tuning) fits the fake's one layer with one key/value head as wide as the hidden size:
 * the value half of each row acts as a soft-prompt row and the key half does nothing (its gradient is zero).
 *
 * `overflowAbove` imitates what a deep float32 network does with absurd inputs: when any soft-prompt
 * value exceeds it in magnitude, loss and gradient come back NaN.
 *
 * Tests that run the engine inside the worker point the worker at this module (engineModule); it exports
 * `loadEngine(dir)`, which reads `fake-model.json` ({hiddenSize, seed, overflowAbove, delayMs}) from dir.
 */
import * as fs from 'fs';
import * as path from 'path';
import { isPrefixPrompt, type DecoderOptions, type LossAndGrad, type LossKind, type ModelEngine, type ModelInfo, type PrefixPrompt, type PromptParams, type ScoredExample, type SoftPrompt, type TextTokenizer, type TokenDecoder } from '../../src/engine/api';
import { UserError } from '../../src/engine/errors';

export const FAKE_VOCAB = 257;
export const FAKE_EOS = 256;
export const FAKE_CONFIG_FILE = 'fake-model.json';

export interface FakeEngineOptions {
  hiddenSize?: number;
  seed?: number;
  overflowAbove?: number;
  /** Milliseconds every model call takes (timers, so the event loop keeps turning); default 0. */
  delayMs?: number;
  dir?: string;
  /** Worker tests: how loading this model fails (a bug-style Error, the worker exiting, an uncaught throw). */
  failOnLoad?: string;
  crashOnLoad?: 'exit' | 'uncaught';
}

export class ByteTokenizer implements TextTokenizer {
  readonly vocabSize = FAKE_VOCAB;
  readonly eosTokenId = FAKE_EOS;
  readonly bosTokenId = FAKE_EOS;
  readonly prefixIds = [];
  encode(text: string): number[] {
    return [...Buffer.from(text, 'utf8')];
  }
  decode(ids: number[]): string {
    return Buffer.from(ids.filter((id) => id < 256)).toString('utf8');
  }
  pieces(ids: number[]): string[] {
    return ids.map((id) => (id === FAKE_EOS ? '<|endoftext|>' : Buffer.from([id]).toString('latin1')));
  }
}

export class FakeEngine implements ModelEngine {
  readonly info: ModelInfo;
  readonly tokenizer = new ByteTokenizer();
  readonly embeddings: Float32Array;
  private runs = 0;
  private readonly overflowAbove: number;
  private readonly delayMs: number;
  disposed = false;

  constructor(opts: FakeEngineOptions = {}) {
    const hiddenSize = opts.hiddenSize ?? 8;
    this.info = { dir: opts.dir ?? '/fake', modelType: 'fake', hiddenSize, numLayers: 1, numHeads: 1, numKeyValueHeads: 1, headDim: hiddenSize, vocabSize: FAKE_VOCAB, maxPositions: 1024, nameOrPath: 'fake-model' };
    this.overflowAbove = opts.overflowAbove ?? 1e4;
    this.delayMs = opts.delayMs ?? 0;
    // Deterministic pseudo-random embeddings (an LCG: the fake must not depend on the code under test).
    let state = (opts.seed ?? 1) >>> 0;
    this.embeddings = new Float32Array(FAKE_VOCAB * hiddenSize);
    for (let i = 0; i < this.embeddings.length; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      this.embeddings[i] = (state / 2 ** 32 - 0.5) * 2;
    }
  }

  get runCount(): number {
    return this.runs;
  }

  /** The soft prompt a prompt acts as here (a prefix: its value halves). */
  private softOf(prompt: PromptParams | undefined): SoftPrompt | undefined {
    if (!isPrefixPrompt(prompt)) return prompt;
    const H = this.info.hiddenSize;
    if (prompt.numLayers !== 1 || prompt.numKeyValueHeads !== 1 || prompt.headDim !== H) throw new UserError(`fake engine: the prefix has ${prompt.numLayers} layers × ${prompt.numKeyValueHeads} heads × ${prompt.headDim}, expected 1 × 1 × ${H}`);
    const data = new Float32Array(prompt.numVirtual * H);
    for (let r = 0; r < prompt.numVirtual; r++) data.set(prompt.data.subarray(r * 2 * H + H, (r + 1) * 2 * H), r * H);
    return { numVirtual: prompt.numVirtual, hiddenSize: H, data };
  }

  async prefixFromTokens(ids: number[]): Promise<PrefixPrompt> {
    await this.tick();
    const H = this.info.hiddenSize;
    const data = new Float32Array(ids.length * 2 * H);
    ids.forEach((id, r) => {
      const row = this.embeddings.subarray(id * H, (id + 1) * H);
      data.set(row, r * 2 * H);
      data.set(row, r * 2 * H + H);
    });
    return { kind: 'prefix', numVirtual: ids.length, numLayers: 1, numKeyValueHeads: 1, headDim: H, data };
  }

  async score(examples: ScoredExample[], prompt?: PromptParams): Promise<number[][]> {
    const soft = this.softOf(prompt);
    await this.tick();
    return examples.map((e) => e.continuations.map((c) => this.continuation(e.promptIds, c, soft).score));
  }

  async loss(examples: ScoredExample[], prompt: PromptParams | undefined, kind: LossKind): Promise<Omit<LossAndGrad, 'grad'>> {
    const { loss, perExample, scores } = await this.lossAndGradInner(examples, this.softOf(prompt), kind);
    return { loss, perExample, scores };
  }

  async lossAndGrad(examples: ScoredExample[], prompt: PromptParams, kind: LossKind): Promise<LossAndGrad> {
    const r = await this.lossAndGradInner(examples, this.softOf(prompt), kind);
    if (!isPrefixPrompt(prompt)) return { ...r, grad: r.grad };
    // Back to the prefix layout: the value halves carry the soft rows' gradient, the keys none.
    const H = this.info.hiddenSize;
    const grad = new Float32Array(prompt.data.length);
    for (let row = 0; row < prompt.numVirtual; row++) grad.set(r.grad.subarray(row * H, (row + 1) * H), row * 2 * H + H);
    return { ...r, grad };
  }

  async logits(sequences: number[][], prompt?: PromptParams): Promise<Float32Array[]> {
    const soft = this.softOf(prompt);
    await this.tick();
    const V = FAKE_VOCAB;
    return sequences.map((seq) => {
      const out = new Float32Array(seq.length * V);
      for (let j = 0; j < seq.length; j++) out.set(this.logitsOf(this.hidden(seq.slice(0, j + 1), soft)), j * V);
      return out;
    });
  }

  /** Recomputes each step (the fake has no cache); the soft prompt is always a prefix here. */
  decoder(prompts: number[][], opts: DecoderOptions): TokenDecoder {
    const sequences = prompts.map((p) => [...p]);
    const next = async () => {
      await this.tick();
      return sequences.map((seq) => Float32Array.from(this.logitsOf(this.hidden(seq, this.softOf(opts.soft)))));
    };
    return {
      start: next,
      step: async (tokens) => {
        tokens.forEach((t, i) => sequences[i].push(t));
        return next();
      },
    };
  }

  async generate(promptIds: number[], maxNewTokens: number, prompt?: PromptParams): Promise<number[]> {
    const soft = this.softOf(prompt);
    await this.tick();
    const ids = [...promptIds];
    const out: number[] = [];
    for (let i = 0; i < maxNewTokens; i++) {
      const logits = this.logitsOf(this.hidden(ids, soft));
      let best = 0;
      for (let v = 1; v < logits.length; v++) if (logits[v] > logits[best]) best = v;
      if (best === FAKE_EOS) break;
      out.push(best);
      ids.push(best);
    }
    return out;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
  }

  private async tick(): Promise<void> {
    this.runs++;
    await new Promise((resolve) => (this.delayMs > 0 ? setTimeout(resolve, this.delayMs) : setImmediate(resolve)));
  }

  private async lossAndGradInner(examples: ScoredExample[], soft: SoftPrompt | undefined, kind: LossKind): Promise<LossAndGrad> {
    await this.tick();
    const H = this.info.hiddenSize;
    const P = soft?.numVirtual ?? 0;
    const grad = new Float32Array(P * H);
    if (soft && soft.data.some((v) => !(Math.abs(v) <= this.overflowAbove))) {
      return { loss: NaN, perExample: examples.map(() => NaN), scores: examples.map((e) => e.continuations.map(() => NaN)), grad: grad.fill(NaN) };
    }
    const rowGrad = new Float64Array(H); // d loss / d (each soft row): every row gets the same gradient
    const perExample: number[] = [];
    const scores: number[][] = [];
    for (const e of examples) {
      if (e.gold === undefined) throw new Error('fake engine: loss needs gold');
      const parts = e.continuations.map((c) => this.continuation(e.promptIds, c, soft));
      const s = parts.map((p) => p.score);
      scores.push(s);
      let weights: number[];
      if (kind === 'lm') {
        perExample.push(-s[e.gold]);
        weights = s.map((_, i) => (i === e.gold ? -1 : 0));
      } else {
        const max = Math.max(...s);
        const z = s.reduce((acc, v) => acc + Math.exp(v - max), 0);
        const q = s.map((v) => Math.exp(v - max) / z);
        perExample.push(-(s[e.gold] - max - Math.log(z)));
        weights = q.map((qi, i) => qi - (i === e.gold ? 1 : 0));
      }
      parts.forEach((p, i) => {
        for (let d = 0; d < H; d++) rowGrad[d] += (weights[i] * p.dScoreDMean[d]) / examples.length;
      });
    }
    if (P > 0) for (let r = 0; r < P; r++) for (let d = 0; d < H; d++) grad[r * H + d] = rowGrad[d] / P;
    return { loss: perExample.reduce((a, b) => a + b, 0) / examples.length, perExample, scores, grad };
  }

  /** Score of a continuation and its gradient with respect to the mean soft-prompt row. */
  private continuation(promptIds: number[], cont: number[], soft?: SoftPrompt): { score: number; dScoreDMean: Float64Array } {
    const H = this.info.hiddenSize;
    const E = this.embeddings;
    const d = new Float64Array(H);
    let score = 0;
    const context = [...promptIds];
    for (const t of cont) {
      const logits = this.logitsOf(this.hidden(context, soft));
      const max = Math.max(...logits);
      let z = 0;
      for (const l of logits) z += Math.exp(l - max);
      score += logits[t] - max - Math.log(z);
      for (let v = 0; v < FAKE_VOCAB; v++) {
        const p = Math.exp(logits[v] - max) / z;
        const coef = (v === t ? 1 : 0) - p;
        for (let k = 0; k < H; k++) d[k] += coef * E[v * H + k];
      }
      context.push(t);
    }
    return { score, dScoreDMean: d };
  }

  private hidden(context: number[], soft?: SoftPrompt): Float64Array {
    const H = this.info.hiddenSize;
    const h = new Float64Array(H);
    if (soft && soft.numVirtual > 0) {
      for (let r = 0; r < soft.numVirtual; r++) for (let k = 0; k < H; k++) h[k] += soft.data[r * H + k] / soft.numVirtual;
    }
    if (context.length > 0) {
      for (const id of context) for (let k = 0; k < H; k++) h[k] += this.embeddings[id * H + k] / context.length;
    }
    return h;
  }

  private logitsOf(h: Float64Array): number[] {
    const H = this.info.hiddenSize;
    const out: number[] = new Array(FAKE_VOCAB);
    for (let v = 0; v < FAKE_VOCAB; v++) {
      let s = 0;
      for (let k = 0; k < H; k++) s += this.embeddings[v * H + k] * h[k];
      out[v] = s;
    }
    return out;
  }
}

/** Writes a folder the worker's engine loader (below) turns into a FakeEngine. */
export function writeFakeModel(dir: string, opts: Omit<FakeEngineOptions, 'dir'> = {}): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, FAKE_CONFIG_FILE), JSON.stringify(opts));
  return dir;
}

/** The engine-loader entry point the worker calls when pointed at this module. */
export async function loadEngine(dir: string): Promise<ModelEngine> {
  const file = path.join(dir, FAKE_CONFIG_FILE);
  if (!fs.existsSync(file)) throw new UserError(`model folder ${dir} not found (no ${FAKE_CONFIG_FILE})`);
  const opts = JSON.parse(fs.readFileSync(file, 'utf8')) as FakeEngineOptions;
  if (opts.failOnLoad) throw new Error(opts.failOnLoad);
  if (opts.crashOnLoad === 'exit') process.exit(7);
  if (opts.crashOnLoad === 'uncaught') {
    setImmediate(() => {
      throw new Error('fake engine crashed outside any job');
    });
    return new Promise(() => {});
  }
  return new FakeEngine({ ...opts, dir: path.resolve(dir) });
}
