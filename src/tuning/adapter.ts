/**
 * Prompts on disk as Hugging Face PEFT adapters of the three prompt-learning methods, so they move between this
 * tool and PEFT in both directions (field names and tensor layouts follow PEFT's config dataclasses and
 * `get_peft_model_state_dict`; docs/adapter-formats.md lists them):
 *   adapter_config.json          PEFT's PromptTuningConfig (PROMPT_TUNING), PromptEncoderConfig (P_TUNING) or
 *                                PrefixTuningConfig (PREFIX_TUNING); PEFT reads it unchanged
 *   adapter_model.safetensors    one F32 tensor `prompt_embeddings`: [num_virtual_tokens, token_dim] for prompt
 *                                tuning and P-tuning (PEFT saves the prompt encoder's output, so a P-tuning
 *                                adapter is plain virtual tokens), [num_virtual_tokens, num_layers·2·token_dim]
 *                                for prefix tuning (token_dim = key/value heads × head dim)
 *   ptune_training.json          this tool's record (prompt file, curve, metrics, dataset hash, seed, …)
 * Saving replaces the whole folder atomically (written beside it, then renamed), so a cancel or crash in the
 * middle of a save never leaves half an adapter.
 */
import * as fs from 'fs';
import * as path from 'path';
import { isPrefixPrompt, type ModelInfo, type PrefixPrompt, type PromptParams, type SoftPrompt } from '../engine/api';
import { recoverInterruptedWrites, replaceFolderAtomic } from '../common/atomic-write';
import { UserError } from '../engine/errors';
import { readSafetensors, writeSafetensors } from '../engine/models/safetensors';

export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';
export const TRAINING_RECORD_FILE = 'ptune_training.json';
export const PROMPT_TENSOR_NAME = 'prompt_embeddings';

/** PEFT's names for how a prompt was initialised (PromptTuningInit). */
export type PeftInit = 'TEXT' | 'RANDOM' | 'SAMPLE_VOCAB';

/** The prompt-learning peft_type values this tool reads and writes. */
export const PEFT_PROMPT_TYPES = ['PROMPT_TUNING', 'P_TUNING', 'PREFIX_TUNING'] as const;
export type PeftPromptType = (typeof PEFT_PROMPT_TYPES)[number];

/** Which method an adapter holds, with what its PEFT config records about it (saveAdapter's discriminant). */
export type AdapterMethod =
  | { type: 'prompt-tuning' }
  /** PEFT's MLP prompt encoder (PromptEncoderConfig); only its output, the virtual tokens, is saved. */
  | { type: 'p-tuning'; encoderHiddenSize: number; encoderNumLayers: number; encoderReparameterization: 'MLP' | 'LSTM' }
  | { type: 'prefix-tuning' };

const PEFT_TYPE_OF: Record<AdapterMethod['type'], PeftPromptType> = { 'prompt-tuning': 'PROMPT_TUNING', 'p-tuning': 'P_TUNING', 'prefix-tuning': 'PREFIX_TUNING' };

/** Fields every PEFT prompt-learning config serialises (PeftConfig + PromptLearningConfig). */
interface PeftPromptLearningFields {
  task_type: string;
  num_virtual_tokens: number;
  token_dim: number;
  num_transformer_submodules: number;
  num_attention_heads: number;
  num_layers: number;
  base_model_name_or_path: string | null;
  inference_mode: boolean;
  revision: string | null;
  auto_mapping: null;
  [extra: string]: unknown;
}

/** The fields of PEFT's PromptTuningConfig as it serialises them. */
export interface PeftPromptTuningConfig extends PeftPromptLearningFields {
  peft_type: 'PROMPT_TUNING';
  prompt_tuning_init: PeftInit;
  prompt_tuning_init_text: string | null;
  tokenizer_name_or_path: string | null;
  tokenizer_kwargs: null;
}

/** PEFT's PromptEncoderConfig (P_TUNING). */
export interface PeftPromptEncoderConfig extends PeftPromptLearningFields {
  peft_type: 'P_TUNING';
  encoder_reparameterization_type: 'MLP' | 'LSTM';
  encoder_hidden_size: number;
  encoder_num_layers: number;
  encoder_dropout: number;
}

/** PEFT's PrefixTuningConfig (PREFIX_TUNING); for grouped-query attention token_dim = head_dim · num_key_value_heads and num_attention_heads = num_key_value_heads (peft utils/other.py `_prepare_prompt_learning_config`). */
export interface PeftPrefixTuningConfig extends PeftPromptLearningFields {
  peft_type: 'PREFIX_TUNING';
  encoder_hidden_size: number;
  prefix_projection: boolean;
  init_weights: 'zero' | null;
}

export type PeftAdapterConfig = PeftPromptTuningConfig | PeftPromptEncoderConfig | PeftPrefixTuningConfig;

/** How the prompt was initialised, for the PEFT config (PEFT does not re-initialise in inference mode). */
export interface AdapterOrigin {
  init: PeftInit;
  initText?: string;
}

/** The PEFT config of an adapter holding `prompt`, trained by `method` on the model `info`. */
export function peftConfig(info: ModelInfo, prompt: PromptParams, origin: AdapterOrigin, method: AdapterMethod = { type: 'prompt-tuning' }): PeftAdapterConfig {
  const common = {
    auto_mapping: null,
    base_model_name_or_path: info.nameOrPath,
    inference_mode: true,
    num_attention_heads: info.numHeads,
    num_layers: info.numLayers,
    num_transformer_submodules: 1,
    num_virtual_tokens: prompt.numVirtual,
    revision: null,
    task_type: 'CAUSAL_LM',
  };
  checkMethodFits(prompt, method);
  if (isPrefixPrompt(prompt)) {
    const tokenDim = prompt.numKeyValueHeads * prompt.headDim;
    // PEFT's encoder_hidden_size defaults to token_dim; without prefix_projection it is recorded, not used.
    return { ...common, peft_type: 'PREFIX_TUNING', num_attention_heads: prompt.numKeyValueHeads, num_layers: prompt.numLayers, token_dim: tokenDim, encoder_hidden_size: tokenDim, prefix_projection: false, init_weights: null, modules_to_save: null };
  }
  if (method.type === 'p-tuning') {
    return {
      ...common, peft_type: 'P_TUNING', token_dim: prompt.hiddenSize, encoder_reparameterization_type: method.encoderReparameterization,
      encoder_hidden_size: method.encoderHiddenSize, encoder_num_layers: method.encoderNumLayers, encoder_dropout: 0, modules_to_save: null,
    };
  }
  return {
    ...common,
    peft_type: 'PROMPT_TUNING',
    prompt_tuning_init: origin.init,
    prompt_tuning_init_text: origin.init === 'TEXT' ? origin.initText ?? null : null,
    token_dim: prompt.hiddenSize,
    tokenizer_kwargs: null,
    tokenizer_name_or_path: info.nameOrPath,
  };
}

/** A prefix goes with prefix tuning and a soft prompt with the two input-layer methods (a bug otherwise). */
function checkMethodFits(prompt: PromptParams, method: AdapterMethod): void {
  if (isPrefixPrompt(prompt) !== (method.type === 'prefix-tuning')) {
    throw new Error(`saveAdapter: a ${isPrefixPrompt(prompt) ? 'prefix' : 'soft prompt'} cannot be saved as a ${method.type} adapter`);
  }
}

/** The adapter's peft_type when `dir` holds a prompt-learning adapter of a kind this tool reads; else undefined. */
export function adapterPeftType(dir: string): PeftPromptType | undefined {
  try {
    const config = JSON.parse(fs.readFileSync(path.join(dir, ADAPTER_CONFIG_FILE), 'utf8')) as { peft_type?: unknown };
    return (PEFT_PROMPT_TYPES as readonly unknown[]).includes(config.peft_type) ? (config.peft_type as PeftPromptType) : undefined;
  } catch {
    return undefined;
  }
}

/** True when `dir` holds a prompt-learning adapter (its config says PROMPT_TUNING, P_TUNING or PREFIX_TUNING). */
export function isAdapterFolder(dir: string): boolean {
  return adapterPeftType(dir) !== undefined;
}

/** True when `dir` is an adapter folder this tool wrote: a prompt-learning adapter with ptune's training record. */
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
  throw new UserError(`${flag} ${dir} exists and is not a soft-prompt folder trained by ptune (${ADAPTER_CONFIG_FILE} with peft_type ${PEFT_PROMPT_TYPES.join(', ')}, and ${TRAINING_RECORD_FILE}); --overwrite only replaces ptune's own adapter folders: choose another folder`);
}

export interface SaveAdapterInput {
  info: ModelInfo;
  /** The trained prompt: a soft prompt (prompt tuning, P-tuning's encoder output) or a prefix (prefix tuning). */
  soft: PromptParams;
  origin: AdapterOrigin;
  /** The method that trained it; default prompt tuning. */
  method?: AdapterMethod;
  /** This tool's extras (ptune_training.json); omitted: no record file. */
  record?: object;
}

/** `prompt_embeddings` as PEFT stores it: [numVirtual, hiddenSize], or a prefix's [numVirtual, numLayers·2·kv·headDim]. */
function promptTensorShape(prompt: PromptParams): [number, number] {
  return isPrefixPrompt(prompt) ? [prompt.numVirtual, prompt.numLayers * 2 * prompt.numKeyValueHeads * prompt.headDim] : [prompt.numVirtual, prompt.hiddenSize];
}

/**
 * Writes the adapter folder atomically. Files other than the three adapter files that an existing adapter
 * folder holds (a README, say) are carried over; a non-adapter `dir` is replaced wholesale (the caller has
 * checked `--overwrite` with checkOutputFolder).
 */
export function saveAdapter(dir: string, input: SaveAdapterInput): void {
  const target = path.resolve(dir);
  const method = input.method ?? { type: 'prompt-tuning' };
  const { soft } = input;
  checkMethodFits(soft, method);
  const shape = promptTensorShape(soft);
  if (soft.data.length !== shape[0] * shape[1]) {
    throw new Error(`${isPrefixPrompt(soft) ? 'prefix' : 'soft prompt'} has ${soft.data.length} values, expected ${shape[0]} × ${shape[1]}`);
  }
  replaceFolderAtomic(target, (temp) => {
    writeSafetensors(path.join(temp, ADAPTER_WEIGHTS_FILE), { [PROMPT_TENSOR_NAME]: { shape, data: soft.data } }, { format: 'pt' });
    fs.writeFileSync(path.join(temp, ADAPTER_CONFIG_FILE), JSON.stringify(sortedKeys(peftConfig(input.info, soft, input.origin, method)), null, 2) + '\n');
    if (input.record) fs.writeFileSync(path.join(temp, TRAINING_RECORD_FILE), JSON.stringify(input.record, null, 2) + '\n');
    if (fs.existsSync(target) && isAdapterFolder(target)) {
      const ours = new Set([ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, TRAINING_RECORD_FILE]);
      for (const entry of fs.readdirSync(target)) {
        if (!ours.has(entry)) fs.cpSync(path.join(target, entry), path.join(temp, entry), { recursive: true });
      }
    }
  });
}

/** PEFT writes its config with sorted keys (json.dumps(sort_keys=True)); so does this. */
function sortedKeys(o: object): object {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export interface LoadedAdapter<P extends PromptParams = PromptParams, C extends PeftAdapterConfig = PeftAdapterConfig> {
  /** The prompt: a soft prompt (PROMPT_TUNING; P_TUNING, whose file holds the encoder's output) or a prefix (PREFIX_TUNING). */
  soft: P;
  /** The method the adapter was trained with, as its config records it. */
  method: AdapterMethod;
  config: C;
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
  /** Its layers, key/value heads and head size, which a prefix must match (prefix tuning). */
  numLayers?: number;
  numKeyValueHeads?: number;
  headDim?: number;
  /**
   * Which adapters the caller can use: 'any' (default with `expectAdapterFor`), 'input' (virtual tokens at the
   * input layer: prompt tuning and P-tuning), or, when left out, prompt-tuning adapters only (as callers
   * written before the other methods expect).
   */
  accept?: 'any' | 'input';
  /** Why a prefix adapter cannot be used here, for the message when `accept` is 'input'. */
  inputOnlyReason?: string;
}

/** What a model expects of an adapter: its sizes, its name, and (default) any method. */
export function expectAdapterFor(info: ModelInfo, accept: 'any' | 'input' = 'any', inputOnlyReason?: string): AdapterExpectation & { accept: 'any' | 'input' } {
  return { hiddenSize: info.hiddenSize, modelName: info.nameOrPath, numLayers: info.numLayers, numKeyValueHeads: info.numKeyValueHeads, headDim: info.headDim, accept, inputOnlyReason };
}

/** Reads a PEFT prompt-learning adapter folder; every problem is a UserError naming the folder or file. */
export function loadAdapter(dir: string, expect: AdapterExpectation & { accept: 'any' }): LoadedAdapter;
export function loadAdapter(dir: string, expect: AdapterExpectation & { accept: 'input' }): LoadedAdapter<SoftPrompt, PeftPromptTuningConfig | PeftPromptEncoderConfig>;
export function loadAdapter(dir: string, expect?: AdapterExpectation & { accept?: undefined }): LoadedAdapter<SoftPrompt, PeftPromptTuningConfig>;
export function loadAdapter(dir: string, expect: AdapterExpectation & { accept: 'any' | 'input' }): LoadedAdapter;
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
  const accepted: readonly PeftPromptType[] = expect?.accept === 'any' ? PEFT_PROMPT_TYPES : expect?.accept === 'input' ? ['PROMPT_TUNING', 'P_TUNING'] : ['PROMPT_TUNING'];
  const peftType = raw.peft_type as PeftPromptType;
  if (!(PEFT_PROMPT_TYPES as readonly unknown[]).includes(raw.peft_type)) {
    throw new UserError(`${configFile}: peft_type is ${JSON.stringify(raw.peft_type)}, but only prompt-learning adapters (${describeTypes(PEFT_PROMPT_TYPES)}) can be loaded`, configFile);
  }
  if (!accepted.includes(peftType)) {
    const reason = peftType === 'PREFIX_TUNING' && expect?.inputOnlyReason ? `: ${expect.inputOnlyReason}` : `; only ${describeTypes(accepted)} adapters can be used here`;
    throw new UserError(`${dir} is a ${METHOD_NAMES[peftType]} adapter (peft_type ${peftType})${reason}`, configFile);
  }
  const numVirtual = positiveInteger(raw.num_virtual_tokens, 'num_virtual_tokens', configFile);
  const tokenDim = positiveInteger(raw.token_dim, 'token_dim', configFile);
  const submodules = raw.num_transformer_submodules ?? 1;
  if (submodules !== 1) {
    throw new UserError(`${configFile}: num_transformer_submodules is ${JSON.stringify(submodules)}; only decoder-only (1) adapters are supported`, configFile);
  }
  let prefixShape: { numLayers: number; numKeyValueHeads: number; headDim: number } | undefined;
  if (peftType === 'PREFIX_TUNING') {
    const numLayers = positiveInteger(raw.num_layers, 'num_layers', configFile);
    // After PEFT's grouped-query-attention adjustment, num_attention_heads holds the key/value heads.
    const numKeyValueHeads = positiveInteger(raw.num_attention_heads, 'num_attention_heads', configFile);
    if (tokenDim % numKeyValueHeads !== 0) throw new UserError(`${configFile}: token_dim ${tokenDim} is not a multiple of num_attention_heads ${numKeyValueHeads}`, configFile);
    prefixShape = { numLayers, numKeyValueHeads, headDim: tokenDim / numKeyValueHeads };
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
  const width = prefixShape ? prefixShape.numLayers * 2 * tokenDim : tokenDim;
  if (tensor.shape.length !== 2 || rows !== numVirtual || cols !== width) {
    const says = prefixShape ? `[${numVirtual}, ${width}] (num_virtual_tokens, num_layers × 2 × token_dim)` : `[${numVirtual}, ${tokenDim}]`;
    throw new UserError(`${weightsFile}: "${PROMPT_TENSOR_NAME}" has shape [${tensor.shape.join(', ')}], but ${ADAPTER_CONFIG_FILE} says ${says}`, weightsFile);
  }
  const base = typeof raw.base_model_name_or_path === 'string' ? raw.base_model_name_or_path : undefined;
  const warnings: string[] = [];
  if (expect) {
    const model = expect.modelName ?? 'the loaded model';
    if (prefixShape) {
      const wrong = (
        [
          ['layers', prefixShape.numLayers, expect.numLayers],
          ['key/value heads', prefixShape.numKeyValueHeads, expect.numKeyValueHeads],
          ['head dimensions', prefixShape.headDim, expect.headDim],
        ] as const
      ).filter(([, mine, theirs]) => theirs !== undefined && mine !== theirs);
      if (wrong.length > 0) {
        throw new UserError(`prefix adapter ${dir} belongs to another model (base model ${base ?? 'unknown'}): it has ${wrong.map(([what, mine, theirs]) => `${mine} ${what} where ${model} has ${theirs}`).join(', and ')}`, dir);
      }
    } else if (tokenDim !== expect.hiddenSize) {
      throw new UserError(`soft prompt ${dir} belongs to another model: its vectors have ${tokenDim} dimensions (base model ${base ?? 'unknown'}), but ${model} has hidden size ${expect.hiddenSize}`, dir);
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
  const data = Float32Array.from(tensor.data);
  const soft: PromptParams = prefixShape ? ({ kind: 'prefix', numVirtual, ...prefixShape, data } satisfies PrefixPrompt) : { numVirtual, hiddenSize: tokenDim, data };
  return { soft, method: methodOf(raw, configFile), config: raw as PeftAdapterConfig, record, warnings };
}

const METHOD_NAMES: Record<PeftPromptType, string> = { PROMPT_TUNING: 'prompt-tuning', P_TUNING: 'P-tuning', PREFIX_TUNING: 'prefix-tuning' };

function describeTypes(types: readonly PeftPromptType[]): string {
  return types.map((t) => `${t} (${METHOD_NAMES[t]})`).join(', ');
}

/** The method a loaded config records. A P-tuning adapter's encoder settings are kept as recorded (PEFT saves its output only). */
function methodOf(raw: Record<string, unknown>, configFile: string): AdapterMethod {
  const type = raw.peft_type as PeftPromptType;
  if (type === 'PREFIX_TUNING') return { type: 'prefix-tuning' };
  if (type === 'PROMPT_TUNING') return { type: 'prompt-tuning' };
  const reparameterization = raw.encoder_reparameterization_type ?? 'MLP';
  if (reparameterization !== 'MLP' && reparameterization !== 'LSTM') {
    throw new UserError(`${configFile}: encoder_reparameterization_type is ${JSON.stringify(reparameterization)}; PEFT knows MLP and LSTM`, configFile);
  }
  const hidden = raw.encoder_hidden_size;
  const layers = raw.encoder_num_layers ?? 2;
  return {
    type: 'p-tuning',
    encoderHiddenSize: typeof hidden === 'number' ? hidden : (raw.token_dim as number),
    encoderNumLayers: typeof layers === 'number' ? layers : 2,
    // The saved tokens do not depend on the encoder kind: an LSTM adapter's load the same way.
    encoderReparameterization: reparameterization,
  };
}

function positiveInteger(value: unknown, field: string, file: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new UserError(`${file}: ${field} must be a positive integer, got ${JSON.stringify(value)}`, file);
  }
  return value;
}
