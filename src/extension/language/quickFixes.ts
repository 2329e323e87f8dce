/**
 * Quick fixes for the validator's "did you mean" diagnostics (an unknown key, a variable not in `inputs`,
 * an input that is not a dataset column): replace the misspelt text with the suggestion.
 */
import * as vscode from 'vscode';
import type { PromptDiagnostics } from './diagnostics';
import { toVscodeDiagnostic } from './diagnostics';
import { PROMPT_SELECTOR } from './promptDocuments';

export function registerQuickFixes(diagnostics: PromptDiagnostics): vscode.Disposable {
  return vscode.languages.registerCodeActionsProvider(PROMPT_SELECTOR, {
    async provideCodeActions(document, range, context) {
      const analysis = await diagnostics.analysis(document);
      const actions: vscode.CodeAction[] = [];
      for (const found of analysis.diagnostics) {
        if (found.replacement === undefined) continue;
        const diagnostic = toVscodeDiagnostic(document, found);
        if (!diagnostic.range.intersection(range)) continue;
        const action = new vscode.CodeAction(vscode.l10n.t('Change to "{0}"', found.replacement), vscode.CodeActionKind.QuickFix);
        action.edit = new vscode.WorkspaceEdit();
        action.edit.replace(document.uri, diagnostic.range, found.replacement);
        // The editor's own copy of the diagnostic, so the fix shows on its squiggle and in the Problems panel.
        action.diagnostics = context.diagnostics.filter((d) => d.message === diagnostic.message && d.range.isEqual(diagnostic.range));
        action.isPreferred = true;
        actions.push(action);
      }
      return actions;
    },
  }, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] });
}
