/** Everything the commands and views share, created once on activation. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Runs } from './artifacts/runs';
import type { RunsView } from './artifacts/runsView';
import type { SoftPromptsView } from './artifacts/softPromptsView';
import { Config } from './config';
import { FlowState } from './flows/flowState';
import { Jobs } from './jobs';
import { PromptDiagnostics } from './language/diagnostics';
import { InlineResults } from './language/inlineResults';
import { PromptDocuments } from './language/promptDocuments';
import { PersistentState } from './state';
import { PromptPreviewController } from './views/promptPreview';
import type { SidePanelProvider } from './views/sidePanel';
import type { StudioPanel } from './views/studioPanel';
import { UiStore } from './views/uiStore';
import { ResultsGrid } from './views/resultsGrid';
import { DatasetGrid } from './datasets/datasetGrid';

export class Ctx implements vscode.Disposable {
  readonly output = vscode.window.createOutputChannel('Prompt Tuning', { log: true });
  readonly config: Config;
  readonly state: PersistentState;
  readonly store = new UiStore();
  readonly jobs: Jobs;
  readonly documents: PromptDocuments;
  readonly diagnostics: PromptDiagnostics;
  readonly inline = new InlineResults();
  readonly preview: PromptPreviewController;
  readonly results = new ResultsGrid(this.store);
  /** What flows remember between commands (the Playground's file, the projection on screen, the newest streams). */
  readonly flows = new FlowState();
  /** The dataset grid (Open Dataset): one file indexed, a page of it shown. */
  readonly datasets: DatasetGrid;
  /** The run history (trainings, evaluations, benchmarks, discoveries). */
  readonly runs: Runs;
  /** Set by activate() once the tree views exist. */
  softPrompts!: SoftPromptsView;
  runsView!: RunsView;
  /** Set by activate() once the webview hosts exist. */
  studio!: StudioPanel;
  sidePanel!: SidePanelProvider;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.config = new Config(extension.globalStorageUri);
    this.state = new PersistentState(extension.workspaceState);
    this.jobs = new Jobs(() => ({ threads: this.config.threads, device: this.config.device, weights: this.config.weights }), this.store, this.output);
    this.documents = new PromptDocuments(this.state);
    this.diagnostics = new PromptDiagnostics(this.documents);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    this.runs = new Runs(folder ?? this.config.cacheDirectory, folder !== undefined, this.output);
    this.datasets = new DatasetGrid(this.store, this.output);
    this.preview = new PromptPreviewController(this.diagnostics, this.jobs, this.config, this.store, this.scratchDir, (file) => this.state.datasetsFor(file));
  }

  get extensionUri(): vscode.Uri {
    return this.extension.extensionUri;
  }

  /** Private working files (preview copies of unsaved prompts): inside the cache directory. */
  get scratchDir(): string {
    return path.join(this.config.cacheDirectory, 'scratch');
  }

  /** Default parent folder for trained soft prompts and benchmark reports: the workspace, else the cache. */
  get outputRoot(): string {
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? this.config.cacheDirectory;
  }

  dispose(): void {
    this.preview.dispose();
    this.datasets.dispose();
    this.inline.dispose();
    this.diagnostics.dispose();
    // Before the worker stops: the runs it was running are recorded as interrupted, not failed.
    this.runs.dispose();
    this.jobs.dispose();
    this.output.dispose();
  }
}
