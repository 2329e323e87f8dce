/**
 * A Hugging Face checkpoint folder: config.json plus model.safetensors, or shards listed in
 * model.safetensors.index.json. Loading reads the headers only; `requireTensor` reads one tensor's bytes when a
 * model family asks for it (upcast to float32), so nothing a family does not use is ever read, and files of any
 * size load. Names are kept without the `transformer.` prefix.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { UserError } from '../errors';
import { assertFits } from './memory';
import { FLOAT_DTYPES, float32Bytes, readSafetensorsHeader, readTensorF32, type StoredTensor } from './safetensors';

export const SINGLE_WEIGHTS_FILE = 'model.safetensors';
export const WEIGHTS_INDEX_FILE = 'model.safetensors.index.json';

/** What the header says about one tensor; `name` is the name in its file (prefix included). */
export type CheckpointTensor = StoredTensor;

export interface Checkpoint {
  dir: string;
  config: Record<string, unknown>;
  /** Metadata only (shape, dtype, file, position), keyed by name without the `transformer.` prefix. */
  tensors: Map<string, CheckpointTensor>;
  /** The weight files, for hashing and messages. */
  files: string[];
  /** model.safetensors.index.json when the weights are sharded. */
  index?: string;
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

interface WeightFiles {
  files: string[];
  index?: string;
  /** From the index: tensor name → the shard file that holds it. */
  weightMap?: Map<string, string>;
}

function findWeightFiles(dir: string): WeightFiles {
  const single = join(dir, SINGLE_WEIGHTS_FILE);
  if (existsSync(single)) return { files: [single] };
  const indexFile = join(dir, WEIGHTS_INDEX_FILE);
  if (existsSync(indexFile)) {
    let index: { weight_map?: unknown };
    try {
      index = JSON.parse(readFileSync(indexFile, 'utf8'));
    } catch (e) {
      throw new UserError(`${indexFile}: not valid JSON (${(e as Error).message})`, indexFile);
    }
    const map = index?.weight_map;
    if (!map || typeof map !== 'object' || Array.isArray(map)) throw new UserError(`${indexFile}: missing "weight_map"`, indexFile);
    const weightMap = new Map<string, string>();
    for (const [name, shard] of Object.entries(map as Record<string, unknown>)) {
      // Shards are plain file names beside the index; anything else would read files outside the model folder.
      if (typeof shard !== 'string' || shard === '' || basename(shard) !== shard || shard === '.' || shard === '..') {
        throw new UserError(`${indexFile}: weight_map["${name}"] must be a file name in the model folder, not ${JSON.stringify(shard)}`, indexFile);
      }
      weightMap.set(name, join(dir, shard));
    }
    const files = [...new Set(weightMap.values())].sort();
    for (const shard of files) if (!existsSync(shard)) throw new UserError(`${shard}: shard listed in ${WEIGHTS_INDEX_FILE} is missing`, shard);
    return { files, index: indexFile, weightMap };
  }
  const hint = existsSync(join(dir, 'pytorch_model.bin')) ? ' (only pytorch_model.bin found: convert it to safetensors)' : '';
  throw new UserError(`${dir}: no weights (${SINGLE_WEIGHTS_FILE} or ${WEIGHTS_INDEX_FILE}) in the model folder${hint}`, dir);
}

export function weightFiles(dir: string): string[] {
  return findWeightFiles(dir).files;
}

/** `checkConfig` runs before any weight file is opened, so an unsupported model fails fast with the right message. */
export function loadCheckpoint(dirIn: string, checkConfig?: (config: Record<string, unknown>) => void): Checkpoint {
  const dir = resolve(dirIn);
  const config = readConfig(dir);
  checkConfig?.(config);
  const { files, index, weightMap } = findWeightFiles(dir);
  const tensors = new Map<string, CheckpointTensor>();
  for (const file of files) {
    for (const [stored, t] of readSafetensorsHeader(file).tensors) {
      const name = stored.replace(/^transformer\./, '');
      const other = tensors.get(name);
      if (other) {
        throw new UserError(`${dir}: tensor "${name}" is stored twice (as "${other.name}" in ${basename(other.file)} and as "${stored}" in ${basename(file)})`, file);
      }
      tensors.set(name, t);
    }
  }
  if (index && weightMap) {
    for (const [stored, shard] of weightMap) {
      const t = tensors.get(stored.replace(/^transformer\./, ''));
      if (!t || t.file !== shard) {
        throw new UserError(`${index}: weight_map puts "${stored}" in ${basename(shard)}, but ${t ? `it is in ${basename(t.file)}` : 'that shard does not hold it'}`, index);
      }
    }
  }
  return { dir, config, tensors, files, index };
}

/** Whether the checkpoint holds a tensor of that name (any dtype). */
export function hasTensor(ck: Checkpoint, name: string): boolean {
  return ck.tensors.has(name);
}

/**
 * Reads the named tensor as float32, after checking its shape, or throws one clear error naming the file,
 * the tensor and the problem. Each call reads the file anew: keep the array when you need it twice.
 */
export function requireTensor(ck: Checkpoint, name: string, shape: readonly number[], into?: Float32Array): Float32Array {
  const t = ck.tensors.get(name);
  if (!t) {
    const where = ck.index ?? ck.files[0];
    throw new UserError(`${where}: missing tensor "${name}" (also looked for "transformer.${name}")`, where);
  }
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new UserError(`${t.file}: tensor "${t.name}" has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`, t.file);
  }
  return readTensorF32(t, { into });
}

/** Bytes the float32 copies of the given tensors (default: every floating-point tensor) will take. */
export function checkpointMemory(ck: Checkpoint, names?: Iterable<string>, stored?: StoredSize): number {
  let bytes = 0;
  if (names) {
    for (const name of new Set(names)) {
      const t = ck.tensors.get(name);
      if (t && FLOAT_DTYPES.has(t.dtype)) bytes += (stored?.names.has(name) ? stored.bytesPerValue / 4 : 1) * float32Bytes(t);
    }
  } else {
    for (const t of ck.tensors.values()) if (FLOAT_DTYPES.has(t.dtype)) bytes += float32Bytes(t);
  }
  return bytes;
}

/** Weights held in another format than float32 (quantized), and what each value then costs. */
export interface StoredSize {
  names: ReadonlySet<string>;
  bytesPerValue: number;
  /** For the message, e.g. "int8". */
  format: string;
}

/** Refuses, before any tensor is read, a checkpoint whose float32 weights (those named, or all) cannot fit in memory. */
export function assertCheckpointFits(ck: Checkpoint, names?: Iterable<string>, env: NodeJS.ProcessEnv = process.env, stored?: StoredSize): number {
  const bytes = checkpointMemory(ck, names, stored);
  assertFits(bytes, `${ck.dir}: loading the weights as ${stored ? `float32 with the linear layers in ${stored.format}` : 'float32'}`, env);
  return bytes;
}
