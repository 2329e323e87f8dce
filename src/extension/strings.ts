/**
 * User-facing texts of the onboarding, trust and Dotprompt features that several modules share, each
 * through vscode.l10n (translated from the extension's l10n bundle; see the README, "Translations").
 */
import * as vscode from 'vscode';

export const STRINGS = {
  noPromptFiles: vscode.l10n.t('No .prompt files in this workspace. Open the samples or create a new prompt file to start.'),
  openSamples: vscode.l10n.t('Open Samples'),
  newPromptFile: vscode.l10n.t('New Prompt File'),
  openFolderFirst: vscode.l10n.t('Open a folder first: the samples are copied into it.'),
  openFolder: vscode.l10n.t('Open Folder'),
  samplesCopied: (copied: number, folder: string, kept: number) => {
    const copiedPart = copied === 1 ? vscode.l10n.t('Copied 1 sample file into {0}', folder) : vscode.l10n.t('Copied {0} sample files into {1}', copied, folder);
    if (kept === 0) return vscode.l10n.t({ message: '{0}.', args: [copiedPart], comment: ['{0}: "Copied 3 sample files into prompt-tuning-samples"'] });
    const keptPart = kept === 1 ? vscode.l10n.t('kept your 1 existing file unchanged') : vscode.l10n.t('kept your {0} existing files unchanged', kept);
    return vscode.l10n.t({ message: '{0}; {1}.', args: [copiedPart, keptPart], comment: ['{0}: "Copied 3 sample files into prompt-tuning-samples", {1}: "kept your 2 existing files unchanged"'] });
  },
  samplesAllThere: (folder: string) => vscode.l10n.t('The samples are already in {0}; your files were left unchanged.', folder),
  newPromptKindTitle: vscode.l10n.t('New prompt file: which kind?'),
  restrictedMode: vscode.l10n.t('Prompt Tuning runs no model in Restricted Mode: an untrusted workspace could point it at any model or folder. Trust this workspace to test, train or benchmark prompts.'),
  manageTrust: vscode.l10n.t('Manage Workspace Trust'),
  confirmCancel: (title: string) => vscode.l10n.t({ message: 'Stop "{0}"?', args: [title], comment: ['{0}: the title of a running job, e.g. "Train Soft Prompt"'] }),
  confirmCancelDetail: vscode.l10n.t('The job stops now; stopping cannot be undone.'),
  stopJob: vscode.l10n.t({ message: 'Stop', comment: ['A button that stops a running job'] }),
  dotpromptHint: (file: string, reason: string) => vscode.l10n.t({
    message: '{0} looks like a Dotprompt (Genkit) file ({1}), not a Prompt Tuning prompt: it is not checked or run by this extension.',
    args: [file, reason],
    comment: ['{0}: a file name; {1}: why, e.g. "front-matter key \'model\'"'],
  }),
  openAsHandlebars: vscode.l10n.t('Open as Handlebars'),
} as const;
