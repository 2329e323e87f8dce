/**
 * A Hugging Face checkpoint folder: config.json plus model.safetensors, or shards listed in
 * model.safetensors.index.json. Tensors are float32 (F16/BF16 upcast), names without the `transformer.` prefix.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../errors';
import { readSafetensors, type LoadedTensor } from './safetensors';

export interface Checkpoint {
  dir: string;
  config: Record<string, unknown>;
  tensors: Map<string, LoadedTensor>;
  /** The weight files read, for hashing and messages. */
  files: string[];
}

export function readConfig(dir: string): Record<string, unknown> {
  const file = join(dir, 'config.json');
  if (!existsSync(dir)) throw new UserError(`${dir}: model folder does not exist`, dir);
  if (!existsSync(file)) throw new UserError(`${dir}: no config.json in the model folder (expected a Hugging Face checkpoint folder)`, file);
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) throw new Error('expected a JSON object');
    return parsed;
  } catch (e) {
    throw new UserError(`${file}: not valid JSON (${(e as Error).message})`, file);
  }
}

export function weightFiles(dir: string): string[] {
  const single = join(dir, 'model.safetensors');
  if (existsSync(single)) return [single];
  const indexFile = join(dir, 'model.safetensors.index.json');
  if (existsSync(indexFile)) {
    let index: { weight_map?: Record<string, string> };
    try {
      index = JSON.parse(readFileSync(indexFile, 'utf8'));
    } catch (e) {
      throw new UserError(`${indexFile}: not valid JSON (${(e as Error).message})`, indexFile);
    }
    if (!index.weight_map || typeof index.weight_map !== 'object') throw new UserError(`${indexFile}: missing "weight_map"`, indexFile);
    const shards = [...new Set(Object.values(index.weight_map))].sort().map((f) => join(dir, f));
    for (const shard of shards) if (!existsSync(shard)) throw new UserError(`${shard}: shard listed in model.safetensors.index.json is missing`, shard);
    return shards;
  }
  const hint = existsSync(join(dir, 'pytorch_model.bin')) ? ' (only pytorch_model.bin found: convert it to safetensors)' : '';
  throw new UserError(`${dir}: no weights (model.safetensors or model.safetensors.index.json) in the model folder${hint}`, dir);
}

/** `checkConfig` runs before any weight is read, so an unsupported model fails fast with the right message. */
export function loadCheckpoint(dirIn: string, checkConfig?: (config: Record<string, unknown>) => void): Checkpoint {
  const dir = resolve(dirIn);
  const config = readConfig(dir);
  checkConfig?.(config);
  const files = weightFiles(dir);
  const tensors = new Map<string, LoadedTensor>();
  for (const file of files) {
    for (const [name, t] of readSafetensors(file)) tensors.set(name.replace(/^transformer\./, ''), t);
  }
  return { dir, config, tensors, files };
}

/** The named tensor with the expected shape, or one clear error naming the folder, tensor and problem. */
export function requireTensor(ck: Checkpoint, name: string, shape: readonly number[]): Float32Array {
  const t = ck.tensors.get(name);
  const where = ck.files.length === 1 ? ck.files[0] : `${ck.dir} (sharded weights)`;
  if (!t) throw new UserError(`${where}: missing tensor "${name}" (also looked for "transformer.${name}")`, ck.files[0]);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new UserError(`${where}: tensor "${name}" has shape [${t.shape}], expected [${shape}]`, ck.files[0]);
  }
  return t.data;
}
