/**
 * npm run bench:peft [-- --rounds 3 --family gpt2,llama] — one prompt-tuning training step (forward, backward,
 * AdamW on the virtual tokens) of this engine against PEFT's (bench/peft/step.py: torch + transformers + peft)
 * on the same random weights and the same shapes as bench:engine (GPT-2-small: batch 8 × 128 tokens;
 * SmolLM2-135M: batch 8 × 64; 20 virtual tokens), both on 2 threads. Every measurement is a process of its own
 * (load, one warm-up step, then the median of 5 steps), and the two sides alternate within each round, so both
 * meet the same load on a shared machine; the figures to quote are the per-round ratios PEFT / ours and their median.
 * PEFT runs twice per round: as usually run (`--logits all`: the LM head over every position) and with the
 * last position's logits only (`--logits last`, what the engine computes). Ours runs with --weights f32, int8, int4.
 * Not run by CI; without python3, torch, transformers or peft it says so and prints {"skipped": …}.
 * PTUNE_PYTHON picks the interpreter (default python3). One JSON object as the last stdout line.
 */
import { spawnSync } from 'node:child_process';
import { loadavg, cpus } from 'node:os';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScoredExample } from '../src/engine/api';
import { Engine } from '../src/engine/engine';
import { WEIGHT_FORMATS, type WeightFormat } from '../src/engine/models/quantize';
import { AdamW } from '../src/tuning/optimizers';
import { median, middle } from './timing';

/** The shapes of bench:engine (its SHAPES: tokens per row; batch 8 and 20 virtual tokens for all). */
const SHAPES = { gpt2: { tokens: 128 }, llama: { tokens: 64 } } as const;
type Family = keyof typeof SHAPES;
const [BATCH, VIRTUAL, RUNS, THREADS] = [8, 20, 5, 2];
const PYTHON = process.env.PTUNE_PYTHON || 'python3';
const STEP_PY = join(__dirname, '..', '..', 'bench', 'peft', 'step.py');
const ENGINE_BENCH = join(__dirname, 'engine.bench.js');

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** Our step in this process: median ms of RUNS lossAndGrad + AdamW steps after one warm-up step. */
async function oursStep(dir: string, weights: WeightFormat, tokens: number): Promise<{ stepMs: number; times: number[] }> {
  const engine = await Engine.load(dir, { threads: THREADS, chunkSize: BATCH, prefixCaching: false, weights });
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
  const V = engine.info.vocabSize;
  const examples: ScoredExample[] = Array.from({ length: BATCH }, () => ({
    promptIds: Array.from({ length: tokens - 1 }, () => Math.floor(rnd() * (V - 1))),
    continuations: [[Math.floor(rnd() * (V - 1))]],
    gold: 0,
  }));
  const H = engine.info.hiddenSize;
  const soft = { numVirtual: VIRTUAL, hiddenSize: H, data: Float32Array.from({ length: VIRTUAL * H }, () => rnd() - 0.5) };
  const opt = new AdamW(soft.data.length);
  const step = async () => {
    const t = performance.now();
    const { grad } = await engine.lossAndGrad(examples, soft, 'lm');
    opt.step(soft.data, grad, 0.01);
    return performance.now() - t;
  };
  await step();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await step());
  await engine.dispose();
  return { stepMs: median(times), times: times.map((t) => Math.round(t)) };
}

function child(cmd: string, args: string[]): { stepMs: number } {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${(r.stderr ?? '').slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { stepMs: number };
}

/** Why PEFT cannot run here, or undefined when it can. */
function peftMissing(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import torch, transformers, peft'], { encoding: 'utf8' });
  if (r.error) return `${PYTHON} was not found (${r.error.message}); set PTUNE_PYTHON to an interpreter with torch, transformers and peft`;
  if (r.status !== 0) return `${PYTHON} cannot import torch, transformers and peft (pip install torch transformers peft safetensors): ${(r.stderr ?? '').trim().split('\n').pop()}`;
  return undefined;
}

const round1 = (x: number) => Math.round(x);
const ratio = (a: number, b: number) => Number((a / b).toFixed(2));

async function main(): Promise<void> {
  if (process.argv[2] === '--ours') {
    console.log(JSON.stringify(await oursStep(process.argv[3], process.argv[4] as WeightFormat, Number(process.argv[5]))));
    return;
  }
  const missing = peftMissing();
  if (missing) {
    console.error(`bench:peft skipped: ${missing}`);
    console.log(JSON.stringify({ skipped: missing }));
    return;
  }
  const rounds = Number(flag('--rounds', '3'));
  const families = flag('--family', 'gpt2,llama').split(',') as Family[];
  for (const f of families) if (!(f in SHAPES)) throw new Error(`--family must be among ${Object.keys(SHAPES).join(', ')}`);
  const root = mkdtempSync(join(tmpdir(), 'ptune-bench-peft-'));
  const result: Record<string, unknown> = { cores: cpus().length, threads: THREADS, batch: BATCH, virtualTokens: VIRTUAL, runsPerProcess: RUNS, rounds, loadAverageAtStart: loadavg().map((x) => Number(x.toFixed(2))) };
  try {
    for (const family of families) {
      const dir = join(root, family);
      mkdirSync(dir);
      const w = spawnSync(process.execPath, [ENGINE_BENCH, '--write', dir, '--family', family], { stdio: 'inherit' });
      if (w.status !== 0) throw new Error('writing the benchmark checkpoint failed');
      const tokens = SHAPES[family].tokens;
      const perRound: Record<string, number>[] = [];
      for (let r = 0; r < rounds; r++) {
        const row: Record<string, number> = {};
        // PEFT and ours alternate: peft(all), ours f32, peft(last), ours int8, ours int4.
        const peft = (logits: 'all' | 'last') => child(PYTHON, [STEP_PY, '--model', dir, '--batch', String(BATCH), '--tokens', String(tokens), '--virtual', String(VIRTUAL), '--runs', String(RUNS), '--threads', String(THREADS), '--logits', logits]).stepMs;
        const ours = (format: WeightFormat) => child(process.execPath, [__filename, '--ours', dir, format, String(tokens)]).stepMs;
        row.peftMs = round1(peft('all'));
        row.oursF32Ms = round1(ours('f32'));
        row.peftLastLogitsMs = round1(peft('last'));
        for (const format of WEIGHT_FORMATS.filter((x) => x !== 'f32')) row[`ours${format[0].toUpperCase()}${format.slice(1)}Ms`] = round1(ours(format));
        for (const format of WEIGHT_FORMATS) {
          const key = `ours${format[0].toUpperCase()}${format.slice(1)}Ms`;
          row[`peftOver_${format}`] = ratio(row.peftMs, row[key]);
          row[`peftLastLogitsOver_${format}`] = ratio(row.peftLastLogitsMs, row[key]);
        }
        row.loadAverage1m = Number(loadavg()[0].toFixed(2));
        console.error(`${family} round ${r + 1}: ${JSON.stringify(row)}`);
        perRound.push(row);
      }
      const medians = Object.fromEntries(Object.keys(perRound[0]).map((k) => [k, Number(middle(perRound.map((x) => x[k])).toFixed(2))]));
      result[family] = { tokens, medians, perRound };
      rmSync(dir, { recursive: true, force: true });
    }
    result.loadAverageAtEnd = loadavg().map((x) => Number(x.toFixed(2)));
    console.log(JSON.stringify(result));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
