/** Select Model: a Hugging Face checkpoint folder (config.json, tokenizer.json, weights). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { displayPath } from '../language/promptDocuments';

export async function selectModel(ctx: Ctx): Promise<string | undefined> {
  const candidates = new Set<string>();
  const current = ctx.config.modelDir;
  if (current) candidates.add(current);
  const last = ctx.state.lastModel;
  if (last) candidates.add(last);
  for (const f of await vscode.workspace.findFiles('**/config.json', '**/node_modules/**', 200)) {
    if (isModelFolder(path.dirname(f.fsPath))) candidates.add(path.dirname(f.fsPath));
  }
  type Item = vscode.QuickPickItem & { dir?: string };
  const items: Item[] = [...candidates].filter(isModelFolder).map((dir) => ({
    label: path.basename(dir), description: displayPath(dir), detail: dir === current ? 'selected' : undefined, dir,
  }));
  items.push({ label: '$(folder-opened) Choose a model folder…' });
  const picked = items.length === 1 ? items[0] : await vscode.window.showQuickPick(items, { title: 'Select Model', placeHolder: 'A Hugging Face checkpoint folder' });
  if (!picked) return undefined;
  let dir = picked.dir;
  if (!dir) {
    const chosen = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Select Model', title: 'Model folder (config.json, tokenizer.json, model.safetensors)' });
    dir = chosen?.[0]?.fsPath;
    if (!dir) return undefined;
    if (!isModelFolder(dir)) {
      void vscode.window.showErrorMessage(`${dir} is not a model folder: it needs config.json and tokenizer.json (a Hugging Face checkpoint).`);
      return undefined;
    }
  }
  await ctx.config.setModel(dir);
  await ctx.state.setLastModel(dir);
  ctx.output.info(`model: ${dir}`);
  return dir;
}

export function isModelFolder(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'config.json')) && fs.existsSync(path.join(dir, 'tokenizer.json'));
}

/** The model's display name for the views and status bar. */
export function modelName(dir: string | undefined): string | undefined {
  return dir ? path.basename(dir) : undefined;
}
