/** Typed access to the `promptTuning.*` settings. */
import * as path from 'node:path';
import * as os from 'node:os';
import * as vscode from 'vscode';
import type { SamplingRequest } from '../generation/config';
import { DEFAULT_WEIGHT_FORMAT, WEIGHT_FORMATS, type WeightFormat } from '../engine/models/quantize';
import { DEFAULT_DEVICE, DEVICES, type Device } from '../engine/runtime/device';
import { findCachedModel } from '../hub/cache';
import { classifyModel, type HubModelId } from '../hub/model-id';
import { hubCacheDir } from '../hub/settings';
import { samplingFromSettings } from './generationSettings';

export const SECTION = 'promptTuning';

/** Defaults for Train Soft Prompt, named as in TrainParams (ptune train's options); undefined: the CLI's default. */
export interface TrainingDefaults {
  virtualTokens: number;
  init: 'text' | 'vocab' | 'random';
  optimizer: 'adamw' | 'adafactor' | 'sgd';
  lr?: number;
  epochs: number;
  steps?: number;
  batchSize: number;
  evalEvery?: number;
  evalLimit?: number;
  seed: number;
}

export class Config {
  constructor(private readonly globalStorage: vscode.Uri) {}

  private get raw(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(SECTION);
  }

  /** The model setting as written (a folder, possibly relative to the workspace, or a Hugging Face id). */
  get modelSetting(): string {
    return this.raw.get<string>('model', '').trim();
  }

  /**
   * The model folder as an absolute path, or undefined when none is set. A hub id resolves to its snapshot
   * in the Hugging Face cache (undefined until it is downloaded).
   */
  get modelDir(): string | undefined {
    const value = this.modelSetting;
    if (value === '') return undefined;
    const hub = this.modelHubId;
    if (hub) return findCachedModel(hubCacheDir(process.env), hub)?.path;
    return resolveAgainstWorkspace(expandHome(value));
  }

  /** The setting as a Hugging Face id, when it is one (and no folder of that name exists in the workspace). */
  get modelHubId(): HubModelId | undefined {
    const value = this.modelSetting;
    if (value === '') return undefined;
    try {
      const ref = classifyModel(value, vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd());
      return ref.kind === 'hub' ? ref.id : undefined;
    } catch {
      return undefined;
    }
  }

  /** The model's name for the status bar and views: the hub id, or the folder's name. */
  get modelLabel(): string | undefined {
    const value = this.modelSetting;
    if (value === '') return undefined;
    return this.modelHubId ? value : path.basename(resolveAgainstWorkspace(expandHome(value)));
  }

  /** Stores the setting (a hub id, or a folder as settingValue shapes it): in the workspace when one is open, unless `target` says otherwise. */
  async setModel(value: string, target?: vscode.ConfigurationTarget): Promise<void> {
    const where = target ?? (vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global);
    await this.raw.update('model', value, where);
  }

  /** Where benchmark result caches and scratch copies of unsaved prompts go. */
  get cacheDirectory(): string {
    const value = this.raw.get<string>('cacheDirectory', '').trim();
    return value === '' ? path.join(this.globalStorage.fsPath, 'cache') : resolveAgainstWorkspace(expandHome(value));
  }

  /**
   * onnxruntime threads for the worker; 0 (undefined here) leaves the choice to onnxruntime, which uses one
   * thread per physical core, pinned: hyperthreads of the same core only contend for its vector units.
   */
  get threads(): number | undefined {
    const value = this.raw.get<number>('threads', 0);
    // More threads than cores only slows onnxruntime down (issue 12, item 6).
    return Number.isInteger(value) && value > 0 ? Math.min(value, os.availableParallelism()) : undefined;
  }

  /** Where the worker runs models (`promptTuning.device`); an unknown value is the default. */
  get device(): Device {
    const value = this.raw.get<string>('device', DEFAULT_DEVICE);
    return (DEVICES as readonly string[]).includes(value) ? (value as Device) : DEFAULT_DEVICE;
  }

  /** How the worker holds models' frozen linear weights (`promptTuning.weights`); an unknown value is the default. */
  get weights(): WeightFormat {
    const value = this.raw.get<string>('weights', DEFAULT_WEIGHT_FORMAT);
    return (WEIGHT_FORMATS as readonly string[]).includes(value) ? (value as WeightFormat) : DEFAULT_WEIGHT_FORMAT;
  }

  get training(): TrainingDefaults {
    const c = this.raw;
    const positiveInt = (key: string): number | undefined => {
      const v = c.get<number | null>(key);
      return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
    };
    const oneOf = <T extends string>(key: string, values: readonly T[]): T => {
      const v = c.get<string>(key);
      return (values as readonly string[]).includes(v ?? '') ? (v as T) : values[0];
    };
    const lr = c.get<number | null>('training.learningRate');
    const seed = c.get<number>('training.seed', 0);
    return {
      virtualTokens: positiveInt('training.virtualTokens') ?? 20,
      init: oneOf('training.init', ['text', 'vocab', 'random'] as const),
      optimizer: oneOf('training.optimizer', ['adamw', 'adafactor', 'sgd'] as const),
      lr: typeof lr === 'number' && lr > 0 ? lr : undefined,
      epochs: positiveInt('training.epochs') ?? 3,
      steps: positiveInt('training.steps'),
      batchSize: positiveInt('training.batchSize') ?? 8,
      evalEvery: positiveInt('training.evalEvery'),
      evalLimit: positiveInt('training.evalLimit'),
      seed: Number.isInteger(seed) ? seed : 0,
    };
  }

  /**
   * Sampling for ▶ Test on generation prompts: the settings that are set; the rest follow the model's
   * generation_config.json. Throws a UserError naming a setting whose value is out of range.
   */
  get generationSampling(): SamplingRequest {
    return samplingFromSettings((key) => this.raw.get(key));
  }

  /** Fires when any setting that the worker depends on changes. */
  static affectsWorker(event: vscode.ConfigurationChangeEvent): boolean {
    return ['model', 'cacheDirectory', 'threads', 'device', 'weights'].some((key) => event.affectsConfiguration(`${SECTION}.${key}`));
  }
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

/** Absolute paths pass through; relative ones resolve against the first workspace folder (else the cwd). */
export function resolveAgainstWorkspace(p: string): string {
  if (path.isAbsolute(p)) return p;
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return path.resolve(root ?? process.cwd(), p);
}
