/**
 * Devices: an unavailable provider is a clear UserError; sessions report where their nodes ran (onnxruntime's
 * profile); the parity check passes a device that agrees with the CPU and rejects one that does not, and the
 * worker's loader then falls back to the CPU. The CPU provider stands in for a GPU (this machine has none).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { ModelEngine } from '../../src/engine/api';
import { Engine } from '../../src/engine/engine';
import { isUserError } from '../../src/engine/errors';
import { Graph } from '../../src/engine/onnx/graph';
import { checkDeviceAvailable, parseDevice } from '../../src/engine/runtime/device';
import { checkParity, PARITY_TOLERANCE } from '../../src/engine/runtime/parity';
import { CompiledGraph, describePlacement, nodePlacement, type NodePlacement } from '../../src/engine/runtime/session';
import { EngineCache, loadOnDevice, type EngineLoader } from '../../src/worker/engines';
import { writeTinyGpt2 } from '../helpers/tiny-model';

/** True when onnxruntime-node's CUDA binaries were downloaded here (then "missing CUDA" cannot be shown). */
function cudaInstalled(): boolean {
  try {
    checkDeviceAvailable('cuda');
    return true;
  } catch {
    return false;
  }
}

/** An engine whose gradients are scaled: a device that computes them wrongly. */
function skewed(engine: ModelEngine, factor: number): ModelEngine {
  return new Proxy(engine, {
    get(target, prop) {
      if (prop === 'lossAndGrad') {
        return async (...args: Parameters<ModelEngine['lossAndGrad']>) => {
          const r = await target.lossAndGrad(...args);
          return { ...r, grad: r.grad.map((g) => g * factor) };
        };
      }
      if (prop === 'dispose') return async () => undefined;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('devices: availability, node placement, parity check', function () {
  let dir: string;
  let modelDir: string;
  let engine: Engine;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-device-'));
    modelDir = writeTinyGpt2(path.join(dir, 'model'), { nEmbd: 16, nHead: 2, nLayer: 2, seed: 9 }).dir;
    engine = await Engine.load(modelDir, { threads: 1 });
  });
  after(async () => {
    await engine.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('names the choices for an unknown device, and what is missing for CUDA', function () {
    assert.throws(() => parseDevice('tpu'), (e: Error) => isUserError(e) && /use one of cpu, cuda, dml, coreml, webgpu/.test(e.message));
    assert.strictEqual(parseDevice('CUDA'), 'cuda');
    if (cudaInstalled()) this.skip();
    assert.throws(() => checkDeviceAvailable('cuda'), (e: Error) => isUserError(e) && /ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node/.test(e.message));
    if (process.platform !== 'win32') assert.throws(() => checkDeviceAvailable('dml'), /not available on/);
  });

  it('a profiled session reports how many nodes ran on which provider (CPU standing in)', async () => {
    const g = new Graph('float32');
    const x = g.input('x', [2, 3]);
    g.output(g.op('Tanh', [g.op('Mul', [g.op('Add', [x, x]), x])]), 'y');
    const placements: NodePlacement[] = [];
    const session = await CompiledGraph.create(g, { profile: true, threads: 1, onPlacement: (p) => placements.push(p) });
    await session.run({ x: new Float32Array(6).fill(0.5) });
    await session.run({ x: new Float32Array(6).fill(0.5) });
    await session.dispose();
    assert.deepStrictEqual(placements, [{ CPUExecutionProvider: 3 }], 'three nodes, reported once (the first run)');
    assert.strictEqual(describePlacement({ CUDAExecutionProvider: 310, CPUExecutionProvider: 12 }), '310 nodes on CUDAExecutionProvider, 12 on CPUExecutionProvider');
    assert.deepStrictEqual(nodePlacement([{ cat: 'Session', name: 'model_run' }, { cat: 'Node', name: 'a', args: { provider: 'P', node_index: '1' } }, { cat: 'Node', name: 'a', args: { provider: 'P', node_index: '1' } }]), { P: 1 });
  });

  it('the parity check passes identical numbers and fails a 5% gradient error', async () => {
    const same = await checkParity(engine, engine, 'cpu');
    assert.ok(same.passed, same.summary);
    assert.strictEqual(same.gradientError, 0);
    const wrong = await checkParity(skewed(engine, 1.05), engine, 'cuda');
    assert.ok(!wrong.passed);
    assert.ok(Math.abs(wrong.gradientError - 0.05) < 1e-6, wrong.summary);
    assert.ok(wrong.gradientError > PARITY_TOLERANCE.gradient);
  });

  it('before the first job: a device that agrees is used, one that does not falls back to the CPU with a warning', async () => {
    const loaded: string[] = [];
    const loader = (deviceEngine: () => ModelEngine, report = true): EngineLoader => async (_dir, opts) => {
      loaded.push(opts.device ?? 'cpu');
      if (opts.device === 'cpu') return Engine.load(modelDir, { threads: 1 });
      if (report) opts.onPlacement?.({ CPUExecutionProvider: 7 });
      return deviceEngine();
    };
    const lines: string[] = [];
    const setting = { device: 'webgpu' as const, log: (l: string) => lines.push(l), checkAvailable: () => undefined };
    const good = skewed(engine, 1);
    const ok = await loadOnDevice(loader(() => good), modelDir, 1, setting);
    assert.strictEqual(ok.engine, good);
    assert.deepStrictEqual(loaded, ['webgpu', 'cpu']);
    assert.ok(lines.some((l) => /webgpu: model: 7 nodes on CPUExecutionProvider/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /parity check webgpu vs cpu on 4 rows: passed/.test(l)), lines.join('\n'));

    lines.length = 0;
    const bad = await loadOnDevice(loader(() => skewed(engine, 1.5)), modelDir, 1, setting);
    assert.ok(bad.engine instanceof Engine, 'the CPU copy');
    assert.ok(lines.some((l) => /FAILED/.test(l)) && lines.some((l) => /warning: webgpu disagrees with the CPU .* on the CPU instead/.test(l)), lines.join('\n'));
    await bad.engine.dispose();

    lines.length = 0;
    const silent = await loadOnDevice(loader(() => skewed(engine, 1), false), modelDir, 1, setting);
    assert.ok(silent.engine instanceof Engine);
    assert.ok(lines.some((l) => /did not pass --device webgpu to its sessions/.test(l)), lines.join('\n'));
    await silent.engine.dispose();
  });

  it('an unavailable device fails the job with the UserError, and is not cached', async function () {
    if (cudaInstalled()) this.skip();
    let loads = 0;
    const cache = new EngineCache(async () => {
      loads++;
      return engine;
    }, 1, { device: 'cuda', log: () => undefined });
    await assert.rejects(cache.get(modelDir), (e: Error) => isUserError(e) && /CUDA execution provider is not installed/.test(e.message));
    assert.strictEqual(loads, 0, 'nothing loaded');
  });
});
