/**
 * Workspace Trust: in Restricted Mode the extension edits and checks prompt files but starts no job (no
 * model is loaded, nothing is written), since workspace settings could point it at any model or folder.
 * package.json declares `untrustedWorkspaces: limited` with the path settings as restricted configurations.
 */
import * as vscode from 'vscode';
import { UserError } from '../engine/errors';
import { STRINGS } from './strings';

export class RestrictedModeError extends UserError {
  constructor() {
    super(STRINGS.restrictedMode);
  }
}

/** True in a trusted workspace; otherwise shows the one Restricted Mode message (with a way to trust). */
export async function requireTrust(): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const choice = await vscode.window.showWarningMessage(STRINGS.restrictedMode, STRINGS.manageTrust);
  if (choice) await vscode.commands.executeCommand('workbench.trust.manage');
  return false;
}
