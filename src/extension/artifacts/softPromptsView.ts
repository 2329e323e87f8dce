/**
 * The Soft Prompts view: the workspace's prompt-learning adapter folders (found once with findFiles, then
 * kept current by a FileSystemWatcher, one folder at a time) and the ones this extension trained elsewhere
 * (remembered). Also publishes the `promptTuning.adapterFolders` context key, so the explorer offers Show
 * Projection on them.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ADAPTER_CONFIG_FILE, TRAINING_RECORD_FILE } from '../../tuning/adapter';
import { displayPath } from '../paths';
import type { PersistentState } from '../state';
import { describeSoftPrompt, softPromptItem, type SoftPromptInfo } from './softPrompts';

export const SOFT_PROMPTS_VIEW_ID = 'promptTuning.softPrompts';
/** At most this many adapter folders are looked for on activation. */
const MAX_FOLDERS = 1000;
const EXCLUDE = '{**/node_modules/**,**/.git/**}';

/** A node of the view (what its commands receive). */
export interface SoftPromptNode {
  kind: 'softPrompt';
  dir: string;
}

export function isSoftPromptNode(value: unknown): value is SoftPromptNode {
  return typeof value === 'object' && value !== null && (value as SoftPromptNode).kind === 'softPrompt' && typeof (value as SoftPromptNode).dir === 'string';
}

export class SoftPromptsView implements vscode.TreeDataProvider<SoftPromptNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<SoftPromptNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** Folder → what it holds (undefined: not read yet, or to be re-read). */
  private readonly folders = new Map<string, SoftPromptInfo | undefined>();
  private readonly disposables: vscode.Disposable[] = [];
  readonly view: vscode.TreeView<SoftPromptNode>;

  constructor(private readonly state: PersistentState) {
    this.view = vscode.window.createTreeView(SOFT_PROMPTS_VIEW_ID, { treeDataProvider: this, showCollapseAll: false, canSelectMany: false });
    const watcher = vscode.workspace.createFileSystemWatcher(`**/{${ADAPTER_CONFIG_FILE},${TRAINING_RECORD_FILE}}`);
    const touched = (uri: vscode.Uri) => this.touch(path.dirname(uri.fsPath));
    this.disposables.push(this.view, watcher, this.changed, watcher.onDidCreate(touched), watcher.onDidChange(touched), watcher.onDidDelete(touched));
    for (const dir of state.trainedSoftPrompts) this.folders.set(dir, undefined);
    void vscode.workspace.findFiles(`**/${ADAPTER_CONFIG_FILE}`, EXCLUDE, MAX_FOLDERS).then((files) => {
      for (const file of files) this.folders.set(path.dirname(file.fsPath), undefined);
      this.refresh();
    });
  }

  /** The adapter selected in the view, if any (the Playground and Continue Training offer it first). */
  get selected(): string | undefined {
    return this.view.selection[0]?.dir;
  }

  /** Re-reads one folder (a file of it changed, or a training wrote it). */
  touch(dir: string): void {
    if (dir.split(path.sep).includes('node_modules')) return;
    this.folders.set(dir, undefined);
    this.refresh();
  }

  /** A folder the extension trained: shown even outside the workspace, and remembered. */
  async addTrained(dir: string): Promise<void> {
    await this.state.addTrainedSoftPrompt(dir);
    this.touch(dir);
  }

  /** Re-reads every folder (the view's Refresh). */
  rescan(): void {
    for (const dir of this.folders.keys()) this.folders.set(dir, undefined);
    this.refresh();
  }

  private refresh(): void {
    this.changed.fire(undefined);
  }

  /** Every adapter folder known, read where needed; folders that are no longer adapters are forgotten. */
  list(): SoftPromptInfo[] {
    const infos: SoftPromptInfo[] = [];
    for (const [dir, known] of this.folders) {
      const info = known ?? describeSoftPrompt(dir);
      if (!info) {
        this.folders.delete(dir);
        continue;
      }
      this.folders.set(dir, info);
      infos.push(info);
    }
    void vscode.commands.executeCommand('setContext', 'promptTuning.adapterFolders', infos.map((i) => i.dir));
    return infos.sort((a, b) => (b.created ?? '').localeCompare(a.created ?? '') || a.name.localeCompare(b.name));
  }

  info(dir: string): SoftPromptInfo | undefined {
    return this.folders.get(dir) ?? describeSoftPrompt(dir);
  }

  getChildren(element?: SoftPromptNode): SoftPromptNode[] {
    if (element) return [];
    return this.list().map((info) => ({ kind: 'softPrompt', dir: info.dir }));
  }

  getTreeItem(node: SoftPromptNode): vscode.TreeItem {
    const info = this.folders.get(node.dir) ?? describeSoftPrompt(node.dir);
    if (!info) return new vscode.TreeItem(path.basename(node.dir));
    const model = softPromptItem(info, displayPath);
    const item = new vscode.TreeItem(model.label, vscode.TreeItemCollapsibleState.None);
    item.id = node.dir;
    item.description = model.description;
    item.tooltip = new vscode.MarkdownString(model.tooltip);
    item.contextValue = model.contextValue;
    item.resourceUri = vscode.Uri.file(node.dir);
    item.iconPath = new vscode.ThemeIcon(info.method === 'prefix-tuning' ? 'layers' : 'symbol-array');
    item.accessibilityInformation = { label: `${model.label}: ${model.description}` };
    return item;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

