/**
 * User-facing texts of the onboarding, trust and Dotprompt features, kept together for a later l10n pass
 * (package.nls.json / vscode.l10n).
 */
export const STRINGS = {
  noPromptFiles: 'No .prompt files in this workspace. Open the samples or create a new prompt file to start.',
  openSamples: 'Open Samples',
  newPromptFile: 'New Prompt File',
  openFolderFirst: 'Open a folder first: the samples are copied into it.',
  openFolder: 'Open Folder',
  samplesCopied: (copied: number, folder: string, kept: number) =>
    `Copied ${copied} sample file${copied === 1 ? '' : 's'} into ${folder}${kept > 0 ? `; kept your ${kept} existing file${kept === 1 ? '' : 's'} unchanged` : ''}.`,
  samplesAllThere: (folder: string) => `The samples are already in ${folder}; your files were left unchanged.`,
  newPromptKindTitle: 'New prompt file: which kind?',
  restrictedMode: 'Prompt Tuning runs no model in Restricted Mode: an untrusted workspace could point it at any model or folder. Trust this workspace to test, train or benchmark prompts.',
  manageTrust: 'Manage Workspace Trust',
  confirmCancel: (title: string) => `Stop "${title}"?`,
  confirmCancelDetail: 'The job stops now; stopping cannot be undone.',
  stopJob: 'Stop',
  dotpromptHint: (file: string, reason: string) =>
    `${file} looks like a Dotprompt (Genkit) file (${reason}), not a Prompt Tuning prompt: it is not checked or run by this extension.`,
  openAsHandlebars: 'Open as Handlebars',
} as const;
