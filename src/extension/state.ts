/** What survives a window reload: kept in the workspace's memento. */
import * as vscode from 'vscode';
import type { RunsGrouping } from './artifacts/runsView';
import type { TrainingViewState } from './views/protocol';
import { DATASET_ROLES, withDataset, type DatasetRole, type PromptDatasets } from './datasets/roles';

export type { PromptDatasets } from './datasets/roles';

const KEYS = {
  lastModel: 'promptTuning.lastModel',
  lastReport: 'promptTuning.lastReport',
  lastSoftPrompt: 'promptTuning.lastSoftPrompt',
  lastTraining: 'promptTuning.lastTraining',
  lastPromptFile: 'promptTuning.lastPromptFile',
  datasets: 'promptTuning.datasets',
  trainedSoftPrompts: 'promptTuning.trainedSoftPrompts',
  runsGrouping: 'promptTuning.runsGrouping',
} as const;

/** How many trained soft-prompt folders are remembered for the Soft Prompts view (the newest). */
const MAX_TRAINED_SOFT_PROMPTS = 200;

export class PersistentState {
  constructor(private readonly memento: vscode.Memento) {}

  /** Absolute folder of the last model used. */
  get lastModel(): string | undefined {
    return this.memento.get<string>(KEYS.lastModel);
  }
  setLastModel(dir: string): Thenable<void> {
    return this.memento.update(KEYS.lastModel, dir);
  }

  /** Absolute path of the last benchmark report.json opened or produced. */
  get lastReport(): string | undefined {
    return this.memento.get<string>(KEYS.lastReport);
  }
  setLastReport(file: string): Thenable<void> {
    return this.memento.update(KEYS.lastReport, file);
  }

  /** Absolute folder of the last soft prompt (PEFT adapter) trained or inspected. */
  get lastSoftPrompt(): string | undefined {
    return this.memento.get<string>(KEYS.lastSoftPrompt);
  }
  setLastSoftPrompt(dir: string): Thenable<void> {
    return this.memento.update(KEYS.lastSoftPrompt, dir);
  }

  /** The last training dashboard, so its chart is still there after a reload. */
  get lastTraining(): TrainingViewState | undefined {
    return this.memento.get<TrainingViewState>(KEYS.lastTraining);
  }
  setLastTraining(state: TrainingViewState): Thenable<void> {
    return this.memento.update(KEYS.lastTraining, state);
  }

  /** Absolute path of the last .prompt file tested, trained or benchmarked. */
  get lastPromptFile(): string | undefined {
    return this.memento.get<string>(KEYS.lastPromptFile);
  }
  setLastPromptFile(file: string): Thenable<void> {
    return this.memento.update(KEYS.lastPromptFile, file);
  }

  /** The datasets chosen for a prompt file (absolute paths), remembered per workspace. */
  datasetsFor(promptFile: string): PromptDatasets {
    return this.memento.get<Record<string, PromptDatasets>>(KEYS.datasets, {})[promptFile] ?? {};
  }
  /** Sets several roles at once (those given); the other roles stay. */
  setDatasetsFor(promptFile: string, datasets: PromptDatasets): Thenable<void> {
    let all = this.memento.get<Record<string, PromptDatasets>>(KEYS.datasets, {});
    for (const role of DATASET_ROLES) if (datasets[role] !== undefined) all = withDataset(all, promptFile, role, datasets[role]);
    return this.memento.update(KEYS.datasets, all);
  }

  /** Sets (or, with undefined, forgets) the dataset of one role for a prompt file; the other roles stay. */
  setDatasetFor(promptFile: string, role: DatasetRole, file: string | undefined): Thenable<void> {
    return this.memento.update(KEYS.datasets, withDataset(this.memento.get<Record<string, PromptDatasets>>(KEYS.datasets, {}), promptFile, role, file));
  }

  /** Adapter folders this extension trained (absolute), newest first: the Soft Prompts view shows them wherever they are. */
  get trainedSoftPrompts(): string[] {
    return this.memento.get<string[]>(KEYS.trainedSoftPrompts, []);
  }
  addTrainedSoftPrompt(dir: string): Thenable<void> {
    return this.memento.update(KEYS.trainedSoftPrompts, [dir, ...this.trainedSoftPrompts.filter((d) => d !== dir)].slice(0, MAX_TRAINED_SOFT_PROMPTS));
  }

  /** How the Runs view groups runs. */
  get runsGrouping(): RunsGrouping {
    return this.memento.get<RunsGrouping>(KEYS.runsGrouping) === 'day' ? 'day' : 'kind';
  }
  setRunsGrouping(grouping: RunsGrouping): Thenable<void> {
    return this.memento.update(KEYS.runsGrouping, grouping);
  }
}
