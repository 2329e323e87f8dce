/**
 * Runs a built Graph in onnxruntime-node. Weights are graph inputs fed on every run from the one copy held
 * in JavaScript, so several sessions (forward, training, shape buckets) never duplicate them; pre-packing is
 * disabled for the same reason.
 */
import * as ort from 'onnxruntime-node';
import type { DType, Graph, Value } from '../onnx/graph';
import { toModelBytes } from '../onnx/proto';

export type HostArray = Float32Array | Float64Array | BigInt64Array | Uint8Array;

const ORT_TYPE: Record<DType, ort.Tensor.Type> = { float32: 'float32', float64: 'float64', int64: 'int64', bool: 'bool' };

export interface SessionOptions {
  threads?: number;
}

export class CompiledGraph {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly inputs: readonly Value[],
    private readonly outputs: readonly Value[],
  ) {}

  static async create(g: Graph, opts: SessionOptions = {}): Promise<CompiledGraph> {
    const session = await ort.InferenceSession.create(toModelBytes(g), {
      // Extended fusions (e.g. x·sigmoid(x) → QuickGelu) have float32 kernels only; float64 graphs are for gradient checks.
      graphOptimizationLevel: g.float === 'float64' ? 'basic' : 'all',
      executionMode: 'sequential',
      intraOpNumThreads: opts.threads ?? 0,
      interOpNumThreads: 1,
      enableCpuMemArena: false,
      enableMemPattern: true,
      extra: { session: { disable_prepacking: '1' } },
    });
    return new CompiledGraph(session, [...g.inputs], [...g.outputs]);
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
    return out;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
