/**
 * npm run bench:checkpoint — loading a ~1 GB BF16 Llama-shaped checkpoint (16 layers, hidden 1536, MLP 4096,
 * 12 heads, 4 kv heads, vocab 32000, untied head; random weights) sharded in two files with an index. Every
 * tensor is read through loadCheckpoint/requireTensor and kept, as the engine keeps its weights; each of 3 loads
 * runs in a fresh process so its peak RSS is its own. Prints one JSON object as its last stdout line: medians of
 * loadMs (wall), cpuMs (user + system CPU of the load, less sensitive to a busy machine) and peakRssMB, and
 * peakRssMB against the float32 size of the weights; floorMs/floorCpuMs: just allocating and writing the same
 * float32 arrays in a fresh process, the least any loader needs on this machine.
 */
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint, requireTensor } from '../src/engine/models/checkpoint';
import { byteLength, writeSafetensorsStreamed, type TensorLayout } from '../test/helpers/safetensors-file';
import { median } from './timing';

const CONFIG = {
  model_type: 'llama', architectures: ['LlamaForCausalLM'], num_hidden_layers: 16, hidden_size: 1536, intermediate_size: 4096,
  num_attention_heads: 12, num_key_value_heads: 4, vocab_size: 32000, max_position_embeddings: 2048, rms_norm_eps: 1e-5,
  rope_theta: 10000, tie_word_embeddings: false, torch_dtype: 'bfloat16',
};
const RUNS = 3;
const MB = 1024 * 1024;

/** The Hugging Face LlamaForCausalLM tensor names and shapes ([out, in] for linear layers). */
function llamaTensors(): [string, number[]][] {
  const { num_hidden_layers: layers, hidden_size: h, intermediate_size: m, num_attention_heads: heads, num_key_value_heads: kv, vocab_size: v } = CONFIG;
  const kvDim = (h / heads) * kv;
  const out: [string, number[]][] = [['model.embed_tokens.weight', [v, h]]];
  for (let i = 0; i < layers; i++) {
    const p = `model.layers.${i}`;
    out.push(
      [`${p}.input_layernorm.weight`, [h]], [`${p}.post_attention_layernorm.weight`, [h]],
      [`${p}.self_attn.q_proj.weight`, [h, h]], [`${p}.self_attn.k_proj.weight`, [kvDim, h]], [`${p}.self_attn.v_proj.weight`, [kvDim, h]],
      [`${p}.self_attn.o_proj.weight`, [h, h]],
      [`${p}.mlp.gate_proj.weight`, [m, h]], [`${p}.mlp.up_proj.weight`, [m, h]], [`${p}.mlp.down_proj.weight`, [h, m]],
    );
  }
  out.push(['model.norm.weight', [h]], ['lm_head.weight', [v, h]]);
  return out;
}

/** Random finite BF16 values in ±[2^-7, 2^-3) (norm weights: 1.0), written 16 MiB at a time. */
function* bf16Random(name: string, layout: TensorLayout): Iterable<Uint8Array> {
  let left = byteLength(layout);
  const piece = new Uint16Array(8 * MB);
  while (left > 0) {
    const n = Math.min(piece.length, left / 2);
    const part = piece.subarray(0, n);
    if (name.endsWith('norm.weight')) part.fill(0x3f80);
    else {
      randomFillSync(part);
      for (let i = 0; i < n; i++) part[i] = (part[i] & 0x81ff) | 0x3c00;
    }
    yield new Uint8Array(part.buffer, 0, 2 * n);
    left -= 2 * n;
  }
}

function writeCheckpoint(dir: string): number {
  writeFileSync(join(dir, 'config.json'), JSON.stringify(CONFIG, null, 2));
  const all = llamaTensors().map(([name, shape]) => [name, { dtype: 'BF16', shape }] as [string, TensorLayout]);
  const half = CONFIG.num_hidden_layers / 2;
  const inFirst = (name: string) => name === 'model.embed_tokens.weight' || Number(/^model\.layers\.(\d+)\./.exec(name)?.[1] ?? Infinity) < half;
  const shards = [all.filter(([n]) => inFirst(n)), all.filter(([n]) => !inFirst(n))].map((list) => list.sort(([a], [b]) => (a < b ? -1 : 1)));
  const weightMap: Record<string, string> = {};
  let bytes = 0;
  shards.forEach((list, i) => {
    const file = `model-0000${i + 1}-of-00002.safetensors`;
    bytes += writeSafetensorsStreamed(join(dir, file), list, bf16Random);
    for (const [name] of list) weightMap[name] = file;
  });
  const totalSize = all.reduce((s, [, t]) => s + byteLength(t), 0);
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: totalSize }, weight_map: weightMap }, null, 2));
  return bytes;
}

/** One load, in this (fresh) process: every tensor read and kept. */
function loadOnce(dir: string): void {
  const baselineRssMB = process.memoryUsage().rss / MB;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const ck = loadCheckpoint(dir);
  const kept: Float32Array[] = [];
  for (const [name, t] of ck.tensors) kept.push(requireTensor(ck, name, t.shape));
  const loadMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const f32Bytes = kept.reduce((s, a) => s + a.byteLength, 0);
  console.log(JSON.stringify({ loadMs, cpuMs, peakRssMB: process.resourceUsage().maxRSS / 1024, baselineRssMB, f32Bytes, tensors: kept.length }));
}

/** The floor on this machine: allocating and writing the same float32 arrays, no file involved. */
function floorOnce(): void {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const kept = llamaTensors().map(([, shape]) => new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1));
  const cpu = process.cpuUsage(cpuStart);
  console.log(JSON.stringify({ floorMs: performance.now() - start, floorCpuMs: (cpu.user + cpu.system) / 1000, arrays: kept.length }));
}

function child(args: string[]): Record<string, number> {
  const run = spawnSync(process.execPath, [__filename, ...args], { encoding: 'utf8', maxBuffer: 16 * MB });
  if (run.status !== 0) throw new Error(`${args.join(' ')} failed (exit ${run.status}): ${run.stderr}`);
  const out = JSON.parse(run.stdout.trim().split('\n').pop()!);
  console.error(`${args[0]}: ${JSON.stringify(out)}`);
  return out;
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'ptune-bench-ckpt-'));
  try {
    const t = performance.now();
    const bf16Bytes = writeCheckpoint(dir);
    console.error(`wrote ${(bf16Bytes / 1e9).toFixed(2)} GB of BF16 shards in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const runs: Record<string, number>[] = [];
    const floors: Record<string, number>[] = [];
    for (let i = 0; i < RUNS; i++) {
      runs.push(child(['--load', dir]));
      floors.push(child(['--floor']));
    }
    const f32Bytes = runs[0].f32Bytes;
    const peakRssMB = median(runs.map((r) => r.peakRssMB));
    console.log(JSON.stringify({
      bf16Bytes,
      f32Bytes,
      f32MB: Math.round(f32Bytes / MB),
      peakRssMB: Math.round(peakRssMB),
      baselineRssMB: Math.round(median(runs.map((r) => r.baselineRssMB))),
      peakRssOverF32: Number((peakRssMB / (f32Bytes / MB)).toFixed(3)),
      loadMs: Math.round(median(runs.map((r) => r.loadMs))),
      cpuMs: Math.round(median(runs.map((r) => r.cpuMs))),
      floorMs: Math.round(median(floors.map((r) => r.floorMs))),
      floorCpuMs: Math.round(median(floors.map((r) => r.floorCpuMs))),
      runs: RUNS,
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--load') loadOnce(process.argv[3]);
else if (process.argv[2] === '--floor') floorOnce();
else main();
