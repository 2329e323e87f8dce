/**
 * An engine module for the worker (WorkerConfig.engineModule) that records the load options it is given in
 * `load-options.json` beside the model, then loads the fake engine: proves CLI flags reach Engine.load.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelEngine } from '../../src/engine/api';
import type { EngineLoadOptions } from '../../src/worker/engines';
import { loadEngine as loadFake } from './fake-engine';

export const LOAD_OPTIONS_FILE = 'load-options.json';

export async function loadEngine(dir: string, opts: EngineLoadOptions): Promise<ModelEngine> {
  writeFileSync(join(dir, LOAD_OPTIONS_FILE), JSON.stringify(opts));
  return loadFake(dir);
}
