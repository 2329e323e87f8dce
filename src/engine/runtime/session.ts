/**
 * Runs a built Graph in onnxruntime-node. Weights are graph inputs fed on every run from the one copy held
 * in JavaScript, so several sessions (forward, training, shape buckets) never duplicate them; pre-packing is
 * disabled for the same reason.
 *
 * On a device other than the CPU, onnxruntime assigns the ops that device cannot run to the CPU. To say how
 * many nodes ran where, such sessions profile their first run (onnxruntime's session profiling records each
 * node's execution provider) and report the counts to `onPlacement`; profiling then stops.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import { Graph, type DType, type Value } from '../onnx/graph';
import { toModelBytes } from '../onnx/proto';
import { DEFAULT_DEVICE, checkDeviceAvailable, deviceStartError, executionProviders, type Device } from './device';

export type HostArray = Float32Array | Float64Array | BigInt64Array | Uint8Array;

const ORT_TYPE: Record<DType, ort.Tensor.Type> = { float32: 'float32', float64: 'float64', int64: 'int64', bool: 'bool', uint8: 'uint8' };

/** Nodes executed per execution provider in one run, e.g. { CUDAExecutionProvider: 310, CPUExecutionProvider: 12 }. */
export type NodePlacement = Record<string, number>;

export interface SessionOptions {
  threads?: number;
  /** Where to run (default cpu). An unavailable device is a UserError naming what is missing. */
  device?: Device;
  /** Profile the first run and report node placement (default: on for devices other than the CPU). */
  profile?: boolean;
  /** Receives the node placement of the first run of a profiled session. */
  onPlacement?: (placement: NodePlacement) => void;
  /**
   * A session run once per generated token on a few rows (a KV-cache decode step): keeps onnxruntime's memory
   * arena and memory pattern (the planned block is reused, not allocated and page-faulted per run), and lets idle
   * intra-op threads sleep instead of spinning between runs — a spinning pool competes with the JS thread and
   * other processes for cores (measured on imdb-gpt2-small, 2 threads on a loaded 2-core machine: 170 → 366 tokens/s).
   */
  decodeStep?: boolean;
}

let profileCounter = 0;

export class CompiledGraph {
  private profilePrefix: string | undefined;

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly inputs: readonly Value[],
    private readonly outputs: readonly Value[],
    profilePrefix: string | undefined,
    private readonly onPlacement?: (placement: NodePlacement) => void,
  ) {
    this.profilePrefix = profilePrefix;
  }

  static async create(g: Graph, opts: SessionOptions = {}): Promise<CompiledGraph> {
    const device = opts.device ?? DEFAULT_DEVICE;
    checkDeviceAvailable(device);
    const profile = opts.profile ?? device !== 'cpu';
    const profilePrefix = profile ? path.join(os.tmpdir(), `ptune-ort-profile-${process.pid}-${++profileCounter}`) : undefined;
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(toModelBytes(g), {
        executionProviders: executionProviders(device),
        // Extended fusions (e.g. x·sigmoid(x) → QuickGelu) have float32 kernels only; float64 graphs are for gradient checks.
        graphOptimizationLevel: g.float === 'float64' ? 'basic' : 'all',
        executionMode: 'sequential',
        intraOpNumThreads: opts.threads ?? 0,
        interOpNumThreads: 1,
        // No arena and no memory-pattern block by default: the arena would hold a training step's peak for good,
        // and the planned block, without it, is a fresh mmap (and page faults) on every run; tensor-by-tensor
        // allocations are reused from the heap (measured: SmolLM2-shape step 5.3 → 3.3 s).
        enableCpuMemArena: opts.decodeStep ?? false,
        enableMemPattern: opts.decodeStep ?? false,
        enableProfiling: profile,
        profileFilePrefix: profilePrefix,
        extra: { session: { disable_prepacking: '1', ...(opts.decodeStep ? { 'intra_op.allow_spinning': '0' } : {}) } },
      });
    } catch (e) {
      if (device !== 'cpu') throw deviceStartError(device, e);
      throw e;
    }
    return new CompiledGraph(session, [...g.inputs], [...g.outputs], profilePrefix, opts.onPlacement);
  }

  /** Feeds every graph input by name; returns the requested outputs (all by default) as host arrays. */
  async run(feeds: Record<string, HostArray>, fetch?: readonly string[]): Promise<Record<string, HostArray>> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const v of this.inputs) {
      const data = feeds[v.name];
      if (!data) throw new Error(`missing feed for graph input ${v.name}`);
      const want = v.shape.reduce((a, b) => a * b, 1);
      if (data.length !== want) throw new Error(`feed ${v.name}: ${data.length} values for shape [${v.shape}]`);
      ortFeeds[v.name] = new ort.Tensor(ORT_TYPE[v.dtype], data as never, v.shape as number[]);
    }
    const names = fetch ?? this.outputs.map((o) => o.name);
    const result = await this.session.run(ortFeeds, names as string[]);
    const out: Record<string, HostArray> = {};
    for (const name of names) out[name] = result[name].data as HostArray;
    if (this.profilePrefix) this.finishProfiling();
    return out;
  }

  /** Ends profiling after the first run and reports where its nodes ran; the profile file is removed. */
  private finishProfiling(): void {
    const prefix = this.profilePrefix!;
    this.profilePrefix = undefined;
    this.session.endProfiling();
    const dir = path.dirname(prefix);
    const files = fs.readdirSync(dir).filter((f) => f.startsWith(path.basename(prefix) + '_') && f.endsWith('.json'));
    for (const file of files) {
      const full = path.join(dir, file);
      try {
        this.onPlacement?.(nodePlacement(JSON.parse(fs.readFileSync(full, 'utf8')) as ProfileEvent[]));
      } finally {
        fs.rmSync(full, { force: true });
      }
    }
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/**
 * Starts and runs a one-node session on `device`: a UserError (deviceStartError) when the provider cannot
 * start here, e.g. no GPU adapter or missing CUDA libraries, before a model is loaded for it.
 */
export async function probeDevice(device: Device): Promise<void> {
  const g = new Graph('float32');
  g.output(g.op('Relu', [g.input('x', [1])]), 'y');
  const session = await CompiledGraph.create(g, { device, profile: false, threads: 1 });
  await session.run({ x: Float32Array.of(1) });
  await session.dispose();
}

/** One event of onnxruntime's profile (Chrome trace format); node events carry their execution provider. */
export interface ProfileEvent {
  cat: string;
  name: string;
  args?: { provider?: string; node_index?: string };
}

/** Distinct executed nodes per execution provider in a profile. */
export function nodePlacement(events: readonly ProfileEvent[]): NodePlacement {
  const seen = new Map<string, string>();
  for (const e of events) {
    if (e.cat === 'Node' && e.args?.provider) seen.set(e.args.node_index ?? e.name, e.args.provider);
  }
  const counts: NodePlacement = {};
  for (const provider of seen.values()) counts[provider] = (counts[provider] ?? 0) + 1;
  return counts;
}

/** "310 nodes on CUDAExecutionProvider, 12 on CPUExecutionProvider". */
export function describePlacement(placement: NodePlacement): string {
  const entries = Object.entries(placement).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return 'no nodes ran';
  return entries.map(([provider, n], i) => `${n}${i === 0 ? ` node${n === 1 ? '' : 's'}` : ''} on ${provider}`).join(', ');
}
