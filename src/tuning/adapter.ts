/**
 * Soft prompts on disk as Hugging Face PEFT prompt-tuning adapters, so they move between this tool and PEFT
 * in both directions:
 *   adapter_config.json          PEFT's PromptTuningConfig (PEFT reads it unchanged)
 *   adapter_model.safetensors    one F32 tensor `prompt_embeddings` [num_virtual_tokens, token_dim]
 *   ptune_training.json          this tool's record (prompt file, curve, metrics, dataset hash, seed, …)
 * Saving replaces the whole folder atomically (written beside it, then renamed), so a cancel or crash in the
 * middle of a save never leaves half an adapter.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { ModelInfo, SoftPrompt } from '../engine/api';
import { recoverInterruptedWrites, replaceFolderAtomic } from '../common/atomic-write';
import { UserError } from '../engine/errors';
import { readSafetensors, writeSafetensors } from '../engine/models/safetensors';

export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';
export const TRAINING_RECORD_FILE = 'ptune_training.json';
export const PROMPT_TENSOR_NAME = 'prompt_embeddings';

/** PEFT's names for how a prompt was initialised (PromptTuningInit). */
export type PeftInit = 'TEXT' | 'RANDOM' | 'SAMPLE_VOCAB';

/** The fields of PEFT's PromptTuningConfig as it serialises them. */
export interface PeftPromptTuningConfig {
  peft_type: 'PROMPT_TUNING';
  task_type: string;
  num_virtual_tokens: number;
  token_dim: number;
  num_transformer_submodules: number;
  num_attention_heads: number;
  num_layers: number;
  prompt_tuning_init: PeftInit;
  prompt_tuning_init_text: string | null;
  tokenizer_name_or_path: string | null;
  base_model_name_or_path: string | null;
  inference_mode: boolean;
  revision: string | null;
  auto_mapping: null;
  tokenizer_kwargs: null;
  [extra: string]: unknown;
}

/** How the prompt was initialised, for the PEFT config (PEFT does not re-initialise in inference mode). */
export interface AdapterOrigin {
  init: PeftInit;
  initText?: string;
}

export function peftConfig(info: ModelInfo, soft: SoftPrompt, origin: AdapterOrigin): PeftPromptTuningConfig {
  return {
    auto_mapping: null,
    base_model_name_or_path: info.nameOrPath,
    inference_mode: true,
    num_attention_heads: info.numHeads,
    num_layers: info.numLayers,
    num_transformer_submodules: 1,
    num_virtual_tokens: soft.numVirtual,
    peft_type: 'PROMPT_TUNING',
    prompt_tuning_init: origin.init,
    prompt_tuning_init_text: origin.init === 'TEXT' ? origin.initText ?? null : null,
    revision: null,
    task_type: 'CAUSAL_LM',
    token_dim: soft.hiddenSize,
    tokenizer_kwargs: null,
    tokenizer_name_or_path: info.nameOrPath,
  };
}

/** True when `dir` holds a prompt-tuning adapter (its config says PROMPT_TUNING). */
export function isAdapterFolder(dir: string): boolean {
  try {
    const config = JSON.parse(fs.readFileSync(path.join(dir, ADAPTER_CONFIG_FILE), 'utf8')) as { peft_type?: unknown };
    return config.peft_type === 'PROMPT_TUNING';
  } catch {
    return false;
  }
}

/** True when `dir` is an adapter folder this tool wrote: a prompt-tuning adapter with ptune's training record. */
export function isTrainedAdapterFolder(dir: string): boolean {
  if (!isAdapterFolder(dir)) return false;
  try {
    const record = JSON.parse(fs.readFileSync(path.join(dir, TRAINING_RECORD_FILE), 'utf8')) as { tool?: unknown };
    return record.tool === 'ptune';
  } catch {
    return false;
  }
}

/**
 * Checks that training may write its adapter to `dir`: it must not exist or be an empty folder; an adapter
 * folder this tool trained is replaced only with `overwrite`; anything else (a file, a folder of other
 * files, a PEFT adapter trained elsewhere) is never replaced. Throws a UserError; writes nothing. Where
 * `dir` is (not an input of the command, not the home directory…) is checkOutputPlace's business.
 */
export function checkOutputFolder(dir: string, overwrite: boolean, flag = '--out'): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    return;
  }
  if (!stat.isDirectory()) throw new UserError(`${flag} ${dir} is a file, not a folder; choose a folder path for the adapter`);
  if (fs.readdirSync(dir).length === 0) return;
  if (isTrainedAdapterFolder(dir)) {
    if (overwrite) return;
    throw new UserError(`${flag} ${dir} already holds a trained soft prompt; pass --overwrite to replace it (it stays as it is until the new run saves a checkpoint past its start), or choose another folder`);
  }
  throw new UserError(`${flag} ${dir} exists and is not a soft-prompt folder trained by ptune (${ADAPTER_CONFIG_FILE} with peft_type PROMPT_TUNING and ${TRAINING_RECORD_FILE}); --overwrite only replaces ptune's own adapter folders: choose another folder`);
}

export interface SaveAdapterInput {
  info: ModelInfo;
  soft: SoftPrompt;
  origin: AdapterOrigin;
  /** This tool's extras (ptune_training.json); omitted: no record file. */
  record?: object;
}

/**
 * Writes the adapter folder atomically. Files other than the three adapter files that an existing adapter
 * folder holds (a README, say) are carried over; a non-adapter `dir` is replaced wholesale (the caller has
 * checked `--overwrite` with checkOutputFolder).
 */
export function saveAdapter(dir: string, input: SaveAdapterInput): void {
  const target = path.resolve(dir);
  replaceFolderAtomic(target, (temp) => {
    const { soft } = input;
    if (soft.data.length !== soft.numVirtual * soft.hiddenSize) {
      throw new Error(`soft prompt has ${soft.data.length} values, expected ${soft.numVirtual} × ${soft.hiddenSize}`);
    }
    writeSafetensors(path.join(temp, ADAPTER_WEIGHTS_FILE), { [PROMPT_TENSOR_NAME]: { shape: [soft.numVirtual, soft.hiddenSize], data: soft.data } }, { format: 'pt' });
    fs.writeFileSync(path.join(temp, ADAPTER_CONFIG_FILE), JSON.stringify(peftConfig(input.info, soft, input.origin), null, 2) + '\n');
    if (input.record) fs.writeFileSync(path.join(temp, TRAINING_RECORD_FILE), JSON.stringify(input.record, null, 2) + '\n');
    if (fs.existsSync(target) && isAdapterFolder(target)) {
      const ours = new Set([ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, TRAINING_RECORD_FILE]);
      for (const entry of fs.readdirSync(target)) {
        if (!ours.has(entry)) fs.cpSync(path.join(target, entry), path.join(temp, entry), { recursive: true });
      }
    }
  });
}

export interface LoadedAdapter {
  soft: SoftPrompt;
  config: PeftPromptTuningConfig;
  /** ptune_training.json when present (adapters trained by PEFT have none). */
  record?: Record<string, unknown>;
  /** Things worth telling the user that do not stop loading (e.g. a different base model name). */
  warnings: string[];
}

export interface AdapterExpectation {
  /** The hidden size of the model the prompt will be used with. */
  hiddenSize: number;
  /** Its name, for messages and the base-model warning. */
  modelName?: string;
}

/** Reads a PEFT prompt-tuning adapter folder; every problem is a UserError naming the folder or file. */
export function loadAdapter(dir: string, expect?: AdapterExpectation): LoadedAdapter {
  // A save killed between its two renames left the adapter aside: put it back before reading.
  if (!fs.existsSync(dir)) recoverInterruptedWrites(dir);
  if (!fs.existsSync(dir)) throw new UserError(`soft prompt folder ${dir} does not exist`, dir);
  if (!fs.statSync(dir).isDirectory()) throw new UserError(`soft prompt ${dir} is a file; expected a PEFT adapter folder holding ${ADAPTER_CONFIG_FILE} and ${ADAPTER_WEIGHTS_FILE}`, dir);
  const configFile = path.join(dir, ADAPTER_CONFIG_FILE);
  if (!fs.existsSync(configFile)) throw new UserError(`${dir} is not a soft-prompt adapter folder: ${ADAPTER_CONFIG_FILE} is missing`, dir);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(fs.readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new UserError(`${configFile}: not valid JSON (${(e as Error).message})`, configFile);
  }
  if (raw.peft_type !== 'PROMPT_TUNING') {
    throw new UserError(`${configFile}: peft_type is ${JSON.stringify(raw.peft_type)}, but only PROMPT_TUNING adapters (soft prompts) can be loaded`, configFile);
  }
  const numVirtual = positiveInteger(raw.num_virtual_tokens, 'num_virtual_tokens', configFile);
  const tokenDim = positiveInteger(raw.token_dim, 'token_dim', configFile);
  const submodules = raw.num_transformer_submodules ?? 1;
  if (submodules !== 1) {
    throw new UserError(`${configFile}: num_transformer_submodules is ${JSON.stringify(submodules)}; only decoder-only (1) adapters are supported`, configFile);
  }
  const weightsFile = path.join(dir, ADAPTER_WEIGHTS_FILE);
  if (!fs.existsSync(weightsFile)) {
    const pickle = fs.existsSync(path.join(dir, 'adapter_model.bin'));
    throw new UserError(pickle
      ? `${dir}: holds adapter_model.bin (PyTorch pickle), which cannot be read safely; re-save it from PEFT with safe_serialization=True to get ${ADAPTER_WEIGHTS_FILE}`
      : `${dir}: ${ADAPTER_WEIGHTS_FILE} is missing`, dir);
  }
  const tensor = readSafetensors(weightsFile).get(PROMPT_TENSOR_NAME);
  if (!tensor) throw new UserError(`${weightsFile}: no floating-point tensor named "${PROMPT_TENSOR_NAME}"`, weightsFile);
  const [rows, cols] = tensor.shape;
  if (tensor.shape.length !== 2 || rows !== numVirtual || cols !== tokenDim) {
    throw new UserError(`${weightsFile}: "${PROMPT_TENSOR_NAME}" has shape [${tensor.shape.join(', ')}], but ${ADAPTER_CONFIG_FILE} says [${numVirtual}, ${tokenDim}]`, weightsFile);
  }
  const base = typeof raw.base_model_name_or_path === 'string' ? raw.base_model_name_or_path : undefined;
  const warnings: string[] = [];
  if (expect) {
    if (tokenDim !== expect.hiddenSize) {
      throw new UserError(`soft prompt ${dir} belongs to another model: its vectors have ${tokenDim} dimensions (base model ${base ?? 'unknown'}), but ${expect.modelName ?? 'the loaded model'} has hidden size ${expect.hiddenSize}`, dir);
    }
    if (base !== undefined && expect.modelName !== undefined && base !== expect.modelName) {
      warnings.push(`soft prompt ${dir} was trained on ${base}, not ${expect.modelName}; the sizes match, so it loads, but it may not work well`);
    }
  }
  let record: Record<string, unknown> | undefined;
  const recordFile = path.join(dir, TRAINING_RECORD_FILE);
  if (fs.existsSync(recordFile)) {
    try {
      record = JSON.parse(fs.readFileSync(recordFile, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      warnings.push(`${recordFile}: ignored, not valid JSON (${(e as Error).message})`);
    }
  }
  return {
    soft: { numVirtual, hiddenSize: tokenDim, data: Float32Array.from(tensor.data) },
    config: raw as PeftPromptTuningConfig,
    record,
    warnings,
  };
}

function positiveInteger(value: unknown, field: string, file: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new UserError(`${file}: ${field} must be a positive integer, got ${JSON.stringify(value)}`, file);
  }
  return value;
}
