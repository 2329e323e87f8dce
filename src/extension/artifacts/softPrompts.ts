/**
 * The Soft Prompts view's model: what an adapter folder says about itself (its PEFT adapter_config.json and,
 * when ptune trained it, its ptune_training.json), the tree item made from it, and the Python (PEFT) code
 * that loads it. No `vscode` import (unit-tested on real adapter folders).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../../engine/errors';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, PEFT_PROMPT_TYPES, type PeftPromptType } from '../../tuning/adapter';
import type { MethodName } from '../../tuning/methods/types';
import { readTrainingRecord, type TrainingRecord } from '../../tuning/training-record';
import { l10n } from 'vscode';

/** The tuning method behind each PEFT prompt-learning type. */
export const METHOD_OF_PEFT_TYPE: Record<PeftPromptType, MethodName> = { PROMPT_TUNING: 'prompt-tuning', P_TUNING: 'p-tuning', PREFIX_TUNING: 'prefix-tuning' };
export const METHOD_LABELS: Record<MethodName, string> = { 'prompt-tuning': 'prompt tuning', 'p-tuning': 'P-tuning', 'prefix-tuning': 'prefix tuning' };

export interface SoftPromptInfo {
  dir: string;
  name: string;
  method: MethodName;
  /** adapter_config.json's base_model_name_or_path, else the training record's model. */
  baseModel?: string;
  virtualTokens?: number;
  /** Best dev accuracy (the kept checkpoint's), from the training record. */
  bestDevAccuracy?: number;
  /** When the adapter was saved: the record's savedAt, else the weights file's modification time (ISO). */
  created?: string;
  /** The prompt file it was trained with (from the record). */
  promptFile?: string;
  task?: string;
  trainData?: string;
  steps?: number;
  /** The record, when ptune trained the adapter and its record reads. */
  record?: TrainingRecord;
  /** Why the record was not used (it exists but does not check out). */
  recordProblem?: string;
}

/** `dir` as a soft prompt, or undefined when it holds no prompt-learning adapter config. */
export function describeSoftPrompt(dir: string): SoftPromptInfo | undefined {
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(fs.readFileSync(path.join(dir, ADAPTER_CONFIG_FILE), 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof config !== 'object' || config === null || !(PEFT_PROMPT_TYPES as readonly unknown[]).includes(config.peft_type)) return undefined;
  const info: SoftPromptInfo = { dir, name: path.basename(dir), method: METHOD_OF_PEFT_TYPE[config.peft_type as PeftPromptType] };
  if (typeof config.base_model_name_or_path === 'string' && config.base_model_name_or_path !== '') info.baseModel = config.base_model_name_or_path;
  if (Number.isInteger(config.num_virtual_tokens)) info.virtualTokens = config.num_virtual_tokens as number;
  try {
    const record = readTrainingRecord(dir);
    if (record) {
      info.record = record;
      info.baseModel ??= record.model?.nameOrPath;
      info.virtualTokens ??= record.numVirtualTokens;
      const best = record.checkpoint?.eval?.accuracy ?? record.result?.bestEval?.accuracy ?? undefined;
      if (typeof best === 'number') info.bestDevAccuracy = best;
      info.created = record.savedAt ?? record.startedAt;
      info.promptFile = record.prompt.file;
      info.task = record.prompt.task;
      info.trainData = record.data.train.file;
      info.steps = record.checkpoint?.step ?? record.result?.steps;
    }
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    info.recordProblem = error.message;
  }
  if (!info.created) {
    try {
      info.created = fs.statSync(path.join(dir, ADAPTER_WEIGHTS_FILE)).mtime.toISOString();
    } catch {
      // no weights file: the config alone still shows
    }
  }
  return info;
}

/** Context-value flags the view's `when` clauses test (`viewItem =~ /\bcontinuable\b/`). */
export function softPromptContext(info: Pick<SoftPromptInfo, 'method' | 'record'>): string {
  return ['softPrompt', info.method,
    ...(info.method === 'prefix-tuning' ? [] : ['continuable', 'projectable']),
    ...(info.record && info.record.curve.length > 0 ? ['curve'] : [])].join(' ');
}

/** The training curve its record holds: the loss per step and the dev accuracy per evaluation. */
export function softPromptCurve(record: TrainingRecord): { loss: { step: number; value: number }[]; devAccuracy: { step: number; value: number }[] } {
  return {
    loss: record.curve.map((p) => ({ step: p.step, value: p.loss })),
    devAccuracy: record.evals.filter((e) => typeof e.accuracy === 'number').map((e) => ({ step: e.step, value: e.accuracy as number })),
  };
}

export interface SoftPromptItemModel {
  label: string;
  description: string;
  /** Markdown. */
  tooltip: string;
  contextValue: string;
}

export function softPromptItem(info: SoftPromptInfo, displayPath: (file: string) => string = (f) => f): SoftPromptItemModel {
  const created = info.created ? new Date(info.created).toLocaleString() : undefined;
  const percent = (x: number) => `${(100 * x).toFixed(1)}%`;
  const code = (text: string) => `\`${text}\``;
  const notRecorded = l10n.t('not recorded');
  const accuracy = info.bestDevAccuracy === undefined ? undefined : l10n.t('dev {0}', percent(info.bestDevAccuracy));
  const description = [METHOD_LABELS[info.method], info.virtualTokens === undefined ? undefined : l10n.t('{0} tokens', info.virtualTokens), accuracy, info.baseModel ? shortModel(info.baseModel) : undefined]
    .filter(Boolean).join(' · ');
  const bestDev = info.bestDevAccuracy === undefined ? undefined
    : info.steps === undefined ? l10n.t('Best dev accuracy: {0}', percent(info.bestDevAccuracy))
    : l10n.t('Best dev accuracy: {0} (step {1})', percent(info.bestDevAccuracy), info.steps);
  const lines = [
    l10n.t({ message: '{0}: a {1} adapter (PEFT)', args: [`**${info.name}**`, METHOD_LABELS[info.method]], comment: ['{0}: the folder name, {1}: prompt tuning, P-tuning or prefix tuning'] }),
    '',
    `- ${l10n.t('Folder: {0}', code(displayPath(info.dir)))}`,
    `- ${l10n.t('Base model: {0}', info.baseModel ? code(info.baseModel) : notRecorded)}`,
    `- ${l10n.t('Virtual tokens: {0}', info.virtualTokens ?? notRecorded)}`,
    ...(bestDev ? [`- ${bestDev}`] : []),
    ...(info.promptFile ? [`- ${info.task ? l10n.t('Trained with: {0} ({1})', code(displayPath(info.promptFile)), info.task) : l10n.t('Trained with: {0}', code(displayPath(info.promptFile)))}`] : []),
    ...(info.trainData ? [`- ${l10n.t('Training data: {0}', code(displayPath(info.trainData)))}`] : []),
    ...(created ? [`- ${info.record ? l10n.t('Saved: {0}', created) : l10n.t('Modified: {0}', created)}`] : []),
    ...(info.record ? [] : ['', info.recordProblem ? l10n.t('Its training record was not used: {0}', info.recordProblem) : l10n.t('No ptune training record: trained elsewhere (PEFT); what its config says is shown.')]),
  ];
  return { label: info.name, description, tooltip: lines.join('\n'), contextValue: softPromptContext(info) };
}

/** The last path segment of a model folder, or a Hugging Face id as it is. */
function shortModel(model: string): string {
  return path.isAbsolute(model) ? path.basename(model) : model;
}

/**
 * Python that loads the adapter with PEFT on its base model (PeftModel.from_pretrained reads
 * adapter_config.json and adapter_model.safetensors; prompt learning needs no merge). A model setting
 * `owner/name@revision` becomes `revision=`.
 */
export function peftSnippet(adapterDir: string, baseModel: string): string {
  const at = !path.isAbsolute(baseModel) && !baseModel.startsWith('.') ? baseModel.lastIndexOf('@') : -1;
  const base = at > 0 ? baseModel.slice(0, at) : baseModel;
  const revision = at > 0 ? `, revision=${pyString(baseModel.slice(at + 1))}` : '';
  return [
    'from peft import PeftModel',
    'from transformers import AutoModelForCausalLM, AutoTokenizer',
    '',
    `base = ${pyString(base)}`,
    `tokenizer = AutoTokenizer.from_pretrained(base${revision})`,
    `model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base${revision}), ${pyString(adapterDir)})`,
    'model.eval()',
    '',
  ].join('\n');
}

/** A Python string literal (JSON's escapes are valid Python for these characters). */
function pyString(text: string): string {
  return JSON.stringify(text);
}
