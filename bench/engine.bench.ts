/**
 * npm run bench:engine [-- --family gpt2|llama|qwen] — a real model shape with random weights and a 20-token soft
 * prompt: median forward and forward+backward step, peak RSS, and the time onnxruntime needs for just that
 * step's matrix multiplications (a lower bound).
 *  - gpt2: GPT-2-small shape (12 layers, 768 hidden, 12 heads, vocab 50257), batch 8 × 128 tokens;
 *  - llama: SmolLM2-135M shape (30 layers, 576 hidden, 9 heads / 3 kv heads, MLP 1536, vocab 49152, tied),
 *    batch 8 × 64 tokens;
 *  - qwen: Qwen2.5-0.5B shape (24 layers, 896 hidden, 14 heads / 2 kv heads, MLP 4864, vocab 151936, tied, q/k/v
 *    biases), batch 8 × 64 tokens.
 * Every weight format (f32 as the headline, `quantized`: int8 and int4) is measured in a child process of its
 * own, with prefix caching off so every row computes the soft prompt as the bound's graph does.
 * `prefixCached`: rows that also share their first ¾ of tokens, with the shared prefix computed once
 * (the default) and by every row (prefix caching off).
 * `-- --device cuda` (or dml, coreml, webgpu) runs it on that execution provider and reports where the nodes ran.
 * Prints one JSON object as its last stdout line.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScoredExample } from '../src/engine/api';
import { Engine } from '../src/engine/engine';
import { buildHeadGraph } from '../src/engine/heads';
import { Graph, type Value } from '../src/engine/onnx/graph';
import { describeModel } from '../src/engine/models/index';
import { WEIGHT_FORMATS, type WeightFormat } from '../src/engine/models/quantize';
import { CompiledGraph, type HostArray, type NodePlacement } from '../src/engine/runtime/session';
import { DEFAULT_DEVICE, checkDeviceAvailable, parseDevice } from '../src/engine/runtime/device';
import { tinyTokenizerJson } from '../test/helpers/tiny-model';
import { bucketLength } from '../src/engine/layout';
import { timeIt } from './timing';

const SHAPES = {
  gpt2: {
    name: 'gpt2-small-shaped (random weights)',
    tokens: 128,
    config: { model_type: 'gpt2', n_layer: 12, n_head: 12, n_embd: 768, n_positions: 1024, vocab_size: 50257, activation_function: 'gelu_new', layer_norm_epsilon: 1e-5 },
  },
  llama: {
    name: 'SmolLM2-135M-shaped (random weights)',
    tokens: 64,
    config: {
      model_type: 'llama', num_hidden_layers: 30, hidden_size: 576, num_attention_heads: 9, num_key_value_heads: 3, intermediate_size: 1536,
      vocab_size: 49152, max_position_embeddings: 8192, rope_theta: 100000, rms_norm_eps: 1e-5, tie_word_embeddings: true, hidden_act: 'silu',
    },
  },
  qwen: {
    name: 'Qwen2.5-0.5B-shaped (random weights)',
    tokens: 64,
    config: {
      model_type: 'qwen2', num_hidden_layers: 24, hidden_size: 896, num_attention_heads: 14, num_key_value_heads: 2, intermediate_size: 4864,
      vocab_size: 151936, max_position_embeddings: 32768, rope_theta: 1000000, rms_norm_eps: 1e-6, tie_word_embeddings: true, use_sliding_window: false, hidden_act: 'silu',
    },
  },
} as const;
const familyArg = process.argv.indexOf('--family');
const FAMILY = (familyArg > 0 ? process.argv[familyArg + 1] : process.env.PTUNE_BENCH_FAMILY ?? 'gpt2') as keyof typeof SHAPES;
if (!(FAMILY in SHAPES)) throw new Error(`--family must be one of ${Object.keys(SHAPES).join(', ')}`);
const SHAPE = SHAPES[FAMILY];
const CONFIG: Record<string, unknown> = SHAPE.config;
const ARCH = describeModel(CONFIG, 'config.json');
const HIDDEN = ARCH.dims.hiddenSize;
const VOCAB = ARCH.dims.vocabSize;
const [BATCH, TOKENS, VIRTUAL, RUNS] = [8, SHAPE.tokens, 20, 5];
const deviceArg = process.argv.indexOf('--device');
const DEVICE = deviceArg > 0 ? parseDevice(process.argv[deviceArg + 1] ?? '') : DEFAULT_DEVICE;

/** Streams random weights to disk tensor by tensor, so writing never holds the whole model. */
function writeCheckpoint(dir: string): void {
  const shapes = [...ARCH.weightShapes].sort(([a], [b]) => (a < b ? -1 : 1));
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, shape] of shapes) {
    const bytes = 4 * shape.reduce((a, b) => a * b, 1);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8);
  const fd = openSync(join(dir, 'model.safetensors'), 'w');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  writeSync(fd, len);
  writeSync(fd, json);
  let seed = 12345;
  for (const [name, shape] of shapes) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    const isGain = /ln_.*\.weight$|ln_f\.weight$|norm\.weight$/.test(name);
    for (let i = 0; i < data.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      data[i] = isGain ? 1 : ((seed / 4294967296) * 2 - 1) * 0.035; // std ≈ 0.02, as GPT-2's init
    }
    writeSync(fd, new Uint8Array(data.buffer));
  }
  closeSync(fd);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(CONFIG));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tinyTokenizerJson().json));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'GPT2Tokenizer', add_bos_token: false }));
}

/** A graph of just the step's MatMul/Gemm nodes, with the same shapes and attributes, fed the same weights. */
async function matmulBound(engineWeights: Record<string, HostArray>): Promise<{ ms: number; count: number; gflop: number }> {
  const T = bucketLength(TOKENS + VIRTUAL, ARCH.dims.maxPositions);
  const step = buildHeadGraph(ARCH, { kind: 'lm', batch: BATCH, length: T, numVirtual: VIRTUAL, rows: BATCH, picks: BATCH, items: BATCH, withGrad: true }, 'float32');
  const g = new Graph('float32');
  const inputs = new Map<string, Value>();
  const feeds: Record<string, HostArray> = {};
  const probes: Value[] = [];
  let flop = 0;
  for (const node of step.nodes.filter((n) => n.op === 'MatMul' || n.op === 'Gemm')) {
    const ins = node.inputs.map((name) => {
      let v = inputs.get(name);
      if (!v) {
        const orig = step.value(name);
        v = g.input(`in:${name}`, orig.shape);
        inputs.set(name, v);
        feeds[v.name] = engineWeights[name] ?? Float32Array.from({ length: orig.shape.reduce((a, b) => a * b, 1) }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
      }
      return v;
    });
    const out = g.op(node.op, ins, node.attrs);
    const a = step.value(node.inputs[0]).shape;
    const k = node.op === 'Gemm' && node.attrs.transA ? a[0] : a[a.length - 1];
    flop += 2 * k * out.shape.reduce((x, y) => x * y, 1);
    // Read one element of each product so none is pruned, without adding real work.
    probes.push(g.slice(g.reshape(out, [out.shape.reduce((x, y) => x * y, 1)]), 0, 0, 1));
  }
  g.output(g.concat(probes, 0), 'probe');
  const session = await CompiledGraph.create(g, { device: DEVICE });
  const ms = await timeIt(RUNS, () => session.run(feeds));
  await session.dispose();
  return { ms, count: probes.length, gflop: flop / 1e9 };
}

interface Measured {
  forwardMs: number;
  stepMs: number;
  /** Peak RSS after the forward runs (what evaluation and generation need) and after the steps (training). */
  forwardRssMB: number;
  peakRssMB: number;
}

const rssMB = () => Math.round(process.resourceUsage().maxRSS / 1024);

/** Forward and step medians of one engine, and its peak RSS after each. */
/**
 * Rows of TOKENS tokens after the soft prompt; the first `shared` tokens are the same in every row (an
 * instruction or few-shot demonstrations), the rest differ.
 */
function benchExamples(shared: number, rnd: () => number): ScoredExample[] {
  const common = Array.from({ length: shared }, () => Math.floor(rnd() * (VOCAB - 1)));
  return Array.from({ length: BATCH }, () => ({
    promptIds: [...common, ...Array.from({ length: TOKENS - 1 - shared }, () => Math.floor(rnd() * (VOCAB - 1)))],
    continuations: [[Math.floor(rnd() * (VOCAB - 1))]],
    gold: 0,
  }));
}

async function measure(dir: string, weights: WeightFormat, placements: NodePlacement[], opts: { shared?: number; prefixCaching?: boolean } = {}): Promise<Measured> {
  const engine = await Engine.load(dir, { chunkSize: BATCH, device: DEVICE, weights, onPlacement: (p) => placements.push(p), prefixCaching: opts.prefixCaching });
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
  const examples = benchExamples(opts.shared ?? 0, rnd);
  const soft = { numVirtual: VIRTUAL, hiddenSize: HIDDEN, data: Float32Array.from({ length: VIRTUAL * HIDDEN }, () => rnd() - 0.5) };
  const forwardMs = await timeIt(RUNS, () => engine.loss(examples, soft, 'lm'));
  const forwardRssMB = rssMB();
  const label = `${weights}${opts.shared ? `, ${opts.shared} shared tokens` : ''}${opts.prefixCaching === false ? ', no prefix caching' : ''}`;
  console.error(`${label}: forward ${forwardMs.toFixed(0)} ms`);
  const stepMs = await timeIt(RUNS, () => engine.lossAndGrad(examples, soft, 'lm'));
  console.error(`${label}: step ${stepMs.toFixed(0)} ms`);
  // Peak RSS of the engine's work alone; the bound graph below allocates its own activations.
  const peakRssMB = rssMB();
  await engine.dispose();
  return { forwardMs: Math.round(forwardMs), stepMs: Math.round(stepMs), forwardRssMB, peakRssMB };
}

async function main(): Promise<void> {
  if (process.argv[2] === '--write') return writeCheckpoint(process.argv[3]);
  if (process.argv[2] === '--measure') {
    // A child process per weight format, so each peak RSS is its own.
    console.log(JSON.stringify(await measure(process.argv[3], process.argv[4] as WeightFormat, [], { prefixCaching: false })));
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), `ptune-bench-${FAMILY}-`));
  try {
    const w = spawnSync(process.execPath, [__filename, '--write', dir, '--family', FAMILY], { stdio: 'inherit' });
    if (w.status !== 0) throw new Error('writing the benchmark checkpoint failed');
    checkDeviceAvailable(DEVICE);
    // Each weight format in a child process started before this one loads anything: a child's peak RSS
    // (getrusage) starts from its parent's at the fork, so a large parent would inflate every child's figure.
    const formats: Record<string, Measured> = {};
    for (const format of WEIGHT_FORMATS) {
      const child = spawnSync(process.execPath, [__filename, '--measure', dir, format, '--family', FAMILY, ...(deviceArg > 0 ? ['--device', DEVICE] : [])], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
      if (child.status !== 0) throw new Error(`measuring ${format} failed`);
      formats[format] = JSON.parse(child.stdout.trim().split('\n').pop()!) as Measured;
    }
    const f32 = formats.f32;
    const placements: NodePlacement[] = [];
    let bound = { ms: NaN, count: 0, gflop: 0 };
    const engine = await Engine.load(dir, { chunkSize: BATCH, device: DEVICE, onPlacement: (p) => placements.push(p) });
    bound = await matmulBound((engine as unknown as { weightFeeds: Record<string, HostArray> }).weightFeeds);
    await engine.dispose();
    // The same rows with the shared prefix computed once (the default) and with every row computing it.
    const shared = Math.round((3 * TOKENS) / 4);
    const [cached, uncached] = [await measure(dir, 'f32', placements, { shared }), await measure(dir, 'f32', [], { shared, prefixCaching: false })];
    const prefixCached = {
      sharedTokens: shared,
      forwardMs: cached.forwardMs,
      stepMs: cached.stepMs,
      uncachedForwardMs: uncached.forwardMs,
      uncachedStepMs: uncached.stepMs,
      stepSpeedup: Number((uncached.stepMs / cached.stepMs).toFixed(2)),
    };
    const quantized = Object.fromEntries(WEIGHT_FORMATS.filter((f) => f !== 'f32').map((f) => [f, { ...formats[f], stepOverF32: Number((formats[f].stepMs / f32.stepMs).toFixed(3)) }]));
    const result = {
      model: SHAPE.name,
      family: FAMILY,
      device: DEVICE,
      // Per engine session (forward, step): nodes per execution provider in its first run.
      placement: placements,
      batch: BATCH,
      tokens: TOKENS,
      virtualTokens: VIRTUAL,
      runs: RUNS,
      forwardMs: f32.forwardMs,
      stepMs: f32.stepMs,
      matmulBoundMs: Math.round(bound.ms),
      stepOverBound: Number((f32.stepMs / bound.ms).toFixed(3)),
      matmulCount: bound.count,
      matmulGflop: Number(bound.gflop.toFixed(1)),
      matmulGflopPerSec: Number((bound.gflop / (bound.ms / 1000)).toFixed(1)),
      forwardRssMB: f32.forwardRssMB,
      peakRssMB: f32.peakRssMB,
      // Rows sharing their first `sharedTokens` tokens (after the soft prompt, which every row shares too).
      prefixCached,
      // The same runs with the linear weights block-quantized (--weights int8 | int4), each in its own process.
      quantized,
    };
    console.log(JSON.stringify(result));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
