/** How the extension names files to the user. */
import * as path from 'node:path';
import * as vscode from 'vscode';

/** A path relative to the workspace folder when inside it (shorter messages), else absolute. */
export function displayPath(file: string): string {
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file));
  return folder ? path.relative(folder.uri.fsPath, file) : file;
}
