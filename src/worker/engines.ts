/**
 * The worker's loaded models, cached by folder so that consecutive jobs (and the extension's previews)
 * do not reload a model. Loading the same folder twice at once shares one load; a failed load is not cached.
 */
import * as path from 'path';
import type { ModelEngine } from '../engine/api';

export type EngineLoader = (dir: string, opts: { threads?: number }) => Promise<ModelEngine>;

/** How many models stay loaded; older ones are disposed (a model holds its weights and sessions in memory). */
export const MAX_CACHED_ENGINES = 2;

export class EngineCache {
  private readonly engines = new Map<string, Promise<ModelEngine>>();

  constructor(
    private readonly load: EngineLoader,
    private readonly threads?: number,
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
    engine = this.load(key, { threads: this.threads });
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
    return Engine.load(dir, { threads: opts.threads });
  };
}
