/** The one way a failed command is shown to the user: a cancellation as information, anything else as an error with its log. */
import * as vscode from 'vscode';
import type { Ctx } from './ctx';
import { CancelledError, errorMessage } from './jobs';

export function reportError(ctx: Ctx, what: string, error: unknown): void {
  if (error instanceof CancelledError) {
    void vscode.window.showInformationMessage(vscode.l10n.t('{0} was cancelled.', what));
    return;
  }
  ctx.output.error(`${what}: ${errorMessage(error)}`);
  void vscode.window.showErrorMessage(`${what}: ${errorMessage(error)}`, vscode.l10n.t('Show Output')).then((choice) => {
    if (choice) ctx.output.show(true);
  });
}
