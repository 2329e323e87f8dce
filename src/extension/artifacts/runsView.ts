/**
 * The Runs view: the run history, newest first, grouped by kind (trainings, evaluations, benchmarks,
 * discoveries) or by day. A training reopens its curve in the Studio's training view, several trainings'
 * curves overlay (select them, Compare Curves), a benchmark reopens its report, any run's output folder is
 * revealed.
 */
import * as vscode from 'vscode';
import { RUN_KIND_LABELS, RUN_KINDS, runDay, runItem, type RunKind, type RunRecord } from './runHistory';
import type { Runs } from './runs';

export const RUNS_VIEW_ID = 'promptTuning.runs';
export const RUNS_GROUPING = ['kind', 'day'] as const;
export type RunsGrouping = (typeof RUNS_GROUPING)[number];

export type RunsNode = { kind: 'group'; key: string; label: string } | { kind: 'run'; id: string };

export function isRunNode(value: unknown): value is { kind: 'run'; id: string } {
  return typeof value === 'object' && value !== null && (value as RunsNode).kind === 'run' && typeof (value as { id?: unknown }).id === 'string';
}

export class RunsView implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<RunsNode>;
  private readonly disposables: vscode.Disposable[] = [];
  private runs: RunRecord[] = [];

  constructor(private readonly store: Runs, private grouping: RunsGrouping) {
    this.view = vscode.window.createTreeView(RUNS_VIEW_ID, { treeDataProvider: this, canSelectMany: true, showCollapseAll: true });
    this.disposables.push(this.view, this.changed, store.onDidChange(() => this.refresh()));
    void vscode.commands.executeCommand('setContext', 'promptTuning.runsGrouping', grouping);
  }

  setGrouping(grouping: RunsGrouping): void {
    this.grouping = grouping;
    void vscode.commands.executeCommand('setContext', 'promptTuning.runsGrouping', grouping);
    this.refresh();
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  run(id: string): RunRecord | undefined {
    return this.runs.find((r) => r.id === id) ?? this.store.list().find((r) => r.id === id);
  }

  /** The runs selected in the view (the command's own node first when it is not among them). */
  selectedRuns(node?: unknown): RunRecord[] {
    const ids = this.view.selection.filter(isRunNode).map((n) => n.id);
    if (isRunNode(node) && !ids.includes(node.id)) ids.unshift(node.id);
    return ids.map((id) => this.run(id)).filter((r): r is RunRecord => r !== undefined);
  }

  getChildren(node?: RunsNode): RunsNode[] {
    if (!node) {
      this.runs = this.store.list();
      const keys = this.grouping === 'kind'
        ? RUN_KINDS.filter((k) => this.runs.some((r) => r.kind === k))
        : [...new Set(this.runs.map(runDay))];
      return keys.map((key) => ({ kind: 'group', key, label: this.grouping === 'kind' ? RUN_KIND_LABELS[key as RunKind] : key }));
    }
    if (node.kind === 'run') return [];
    return this.runs.filter((r) => (this.grouping === 'kind' ? r.kind : runDay(r)) === node.key).map((r) => ({ kind: 'run', id: r.id }));
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    if (node.kind === 'group') {
      const count = this.runs.filter((r) => (this.grouping === 'kind' ? r.kind : runDay(r)) === node.key).length;
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `group:${this.grouping}:${node.key}`;
      item.description = String(count);
      item.contextValue = 'runGroup';
      return item;
    }
    const run = this.run(node.id);
    if (!run) return new vscode.TreeItem(vscode.l10n.t('(gone)'));
    const model = runItem(run);
    const item = new vscode.TreeItem(model.label, vscode.TreeItemCollapsibleState.None);
    item.id = run.id;
    item.description = model.description;
    item.tooltip = new vscode.MarkdownString(model.tooltip);
    item.contextValue = model.contextValue;
    item.iconPath = new vscode.ThemeIcon(STATUS_ICONS[run.status]);
    item.command = { command: 'promptTuning.openRun', title: vscode.l10n.t('Open Run'), arguments: [node] };
    item.accessibilityInformation = { label: `${model.label}: ${model.description}` };
    return item;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

const STATUS_ICONS: Record<RunRecord['status'], string> = { running: 'sync~spin', done: 'pass', failed: 'error', cancelled: 'circle-slash', interrupted: 'debug-disconnect' };
