/**
 * The dataset roles' texts as the extension host shows them, through vscode.l10n (roles.ts has no imports:
 * the webview bundle uses it, with its English texts).
 */
import * as vscode from 'vscode';
import type { DatasetRole } from './roles';

export interface RoleTexts {
  /** In a sentence: "Which {name} dataset…". */
  name: string;
  /** On its own: a quick-pick label. */
  label: string;
  /** What the role's dataset is used for. */
  use: string;
}

export function roleTexts(role: DatasetRole): RoleTexts {
  switch (role) {
    case 'train':
      return {
        name: vscode.l10n.t({ message: 'training', comment: ['A dataset role, in a sentence: "Which training dataset for review.prompt?"'] }),
        label: vscode.l10n.t({ message: 'Training', comment: ['A dataset role, on its own'] }),
        use: vscode.l10n.t('training soft prompts and drawing few-shot examples'),
      };
    case 'dev':
      return {
        name: vscode.l10n.t({ message: 'dev', comment: ['A dataset role (development set), in a sentence: "Which dev dataset for review.prompt?"'] }),
        label: vscode.l10n.t({ message: 'Dev', comment: ['A dataset role (development set), on its own'] }),
        use: vscode.l10n.t('▶ Test rows, the preview, Run on dataset and keep-best during training'),
      };
    case 'test':
      return {
        name: vscode.l10n.t({ message: 'test', comment: ['A dataset role (held-out test set), in a sentence: "Which test dataset for review.prompt?"'] }),
        label: vscode.l10n.t({ message: 'Test', comment: ['A dataset role (held-out test set), on its own'] }),
        use: vscode.l10n.t('Benchmark: kept apart from training and keep-best'),
      };
  }
}
