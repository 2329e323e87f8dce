/**
 * The worker's loaded models, cached by folder so that consecutive jobs (and the extension's previews)
 * do not reload a model. Loading the same folder twice at once shares one load; a failed load is not cached.
 */
import * as path from 'path';
import type { ModelEngine } from '../engine/api';
import type { WeightFormat } from '../engine/models/quantize';
import { checkDeviceAvailable, type Device } from '../engine/runtime/device';
import { checkParity, type ParityResult } from '../engine/runtime/parity';
import { describePlacement, probeDevice, type NodePlacement } from '../engine/runtime/session';

export interface EngineLoadOptions {
  threads?: number;
  /** Default cpu. */
  device?: Device;
  /** Node placement of each new session's first run (sessions on devices other than the CPU report it). */
  onPlacement?: (placement: NodePlacement) => void;
  /** How the frozen linear weights are held (default f32). */
  weights?: WeightFormat;
  /** Activation memory of one model run, in MiB (default from the available memory). */
  batchMemoryMB?: number;
}

export type EngineLoader = (dir: string, opts: EngineLoadOptions) => Promise<ModelEngine>;

async function defaultCheck(device: Device): Promise<void> {
  checkDeviceAvailable(device);
  await probeDevice(device);
}

/** Where the worker runs its models, and where it says what happened (the parity check, node placement). */
export interface DeviceSetting {
  device: Device;
  log: (line: string) => void;
  /** Throws a UserError when the device cannot work here (default: checkDeviceAvailable, then probeDevice; tests stand a CPU in). */
  checkAvailable?: (device: Device) => void | Promise<void>;
}

/**
 * Loads `dir` on a device other than the CPU: the device must be available (a UserError otherwise), and
 * before the model serves its first job the parity check runs against a CPU copy. A device that fails it
 * is dropped with a warning and the CPU copy is used instead. Every device session's node placement is logged.
 */
export async function loadOnDevice(load: EngineLoader, dir: string, threads: number | undefined, setting: DeviceSetting, weights?: WeightFormat, batchMemoryMB?: number): Promise<{ engine: ModelEngine; parity: ParityResult }> {
  const { device, log } = setting;
  await (setting.checkAvailable ?? defaultCheck)(device);
  const name = path.basename(dir);
  let placements = 0;
  const onPlacement = (p: NodePlacement) => {
    placements++;
    log(`${device}: ${name}: ${describePlacement(p)}`);
  };
  const onDevice = await load(dir, { threads, device, onPlacement, weights, batchMemoryMB });
  const onCpu = await load(dir, { threads, device: 'cpu', weights, batchMemoryMB });
  let parity: ParityResult;
  try {
    parity = await checkParity(onDevice, onCpu, device);
  } catch (e) {
    await Promise.all([onDevice.dispose(), onCpu.dispose()]);
    throw e;
  }
  if (placements === 0) {
    // Sessions on a device profile their first run; none reported means the engine ran them on the CPU.
    log(`warning: the engine did not pass --device ${device} to its sessions; ${name} runs on the CPU`);
    await onDevice.dispose();
    return { engine: onCpu, parity };
  }
  log(`${name}: ${parity.summary}`);
  if (parity.passed) {
    await onCpu.dispose();
    return { engine: onDevice, parity };
  }
  log(`warning: ${device} disagrees with the CPU beyond the tolerance; running ${name} on the CPU instead`);
  await onDevice.dispose();
  return { engine: onCpu, parity };
}

/** How many models stay loaded; older ones are disposed (a model holds its weights and sessions in memory). */
export const MAX_CACHED_ENGINES = 2;

export class EngineCache {
  private readonly engines = new Map<string, Promise<ModelEngine>>();

  constructor(
    private readonly load: EngineLoader,
    private readonly threads?: number,
    private readonly device?: DeviceSetting,
    private readonly weights?: WeightFormat,
    private readonly batchMemoryMB?: number,
  ) {}

  get(dir: string): Promise<ModelEngine> {
    const key = path.resolve(dir);
    let engine = this.engines.get(key);
    if (engine) {
      // Most recently used last.
      this.engines.delete(key);
      this.engines.set(key, engine);
      return engine;
    }
    const device = this.device;
    engine = device && device.device !== 'cpu' ? loadOnDevice(this.load, key, this.threads, device, this.weights, this.batchMemoryMB).then((r) => r.engine) : this.load(key, { threads: this.threads, weights: this.weights, batchMemoryMB: this.batchMemoryMB });
    this.engines.set(key, engine);
    engine.catch(() => {
      if (this.engines.get(key) === engine) this.engines.delete(key);
    });
    while (this.engines.size > MAX_CACHED_ENGINES) {
      const [oldest, oldEngine] = this.engines.entries().next().value as [string, Promise<ModelEngine>];
      this.engines.delete(oldest);
      // A job still using it keeps its reference; sessions are released when it is disposed.
      void oldEngine.then((e) => e.dispose(), () => undefined);
    }
    return engine;
  }

  async disposeAll(): Promise<void> {
    const all = [...this.engines.values()];
    this.engines.clear();
    await Promise.all(all.map((e) => e.then((x) => x.dispose(), () => undefined)));
  }
}

/** The real engine, or `loadEngine` of the module named by WorkerConfig.engineModule. */
export function engineLoader(engineModule?: string): EngineLoader {
  if (engineModule) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(engineModule) as { loadEngine?: EngineLoader };
    if (typeof mod.loadEngine !== 'function') throw new Error(`engine module ${engineModule} does not export loadEngine(dir, opts)`);
    return mod.loadEngine;
  }
  return async (dir, opts) => {
    // Required lazily so that merely starting a worker does not load onnxruntime.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Engine } = require('../engine/engine') as typeof import('../engine/engine');
    // Engine.load takes the session options (device, onPlacement) through to CompiledGraph.create.
    const load: Parameters<typeof Engine.load>[1] & EngineLoadOptions = { threads: opts.threads, device: opts.device, onPlacement: opts.onPlacement, weights: opts.weights, batchMemoryMB: opts.batchMemoryMB };
    return Engine.load(dir, load);
  };
}
