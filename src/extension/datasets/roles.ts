/**
 * The dataset roles of a prompt file and the state kept for them. Imports only `@vscode/l10n` (see
 * src/common/sharedL10n.ts): the webview bundle uses it too.
 * - train: soft-prompt training and few-shot examples;
 * - dev: ▶ Test rows, the preview, Run on dataset, and the dev set a training's keep-best chooses on;
 * - test: Benchmark, kept apart from what training and keep-best saw.
 */
import * as l10n from '@vscode/l10n';

export const DATASET_ROLES = ['train', 'dev', 'test'] as const;
export type DatasetRole = (typeof DATASET_ROLES)[number];

/** The datasets chosen for a prompt file (absolute paths), one per role. */
export type PromptDatasets = Partial<Record<DatasetRole, string>>;

/**
 * Every prompt file's datasets with one role of one prompt file set to `file` (undefined: forgotten), the
 * other roles and files kept; a new object (the memento stores it whole).
 */
export function withDataset(all: Readonly<Record<string, PromptDatasets>>, promptFile: string, role: DatasetRole, file: string | undefined): Record<string, PromptDatasets> {
  const chosen: PromptDatasets = { ...all[promptFile] };
  if (file === undefined) delete chosen[role];
  else chosen[role] = file;
  const next = { ...all };
  if (Object.keys(chosen).length === 0) delete next[promptFile];
  else next[promptFile] = chosen;
  return next;
}

export interface RoleDescription {
  /** The role's name in a sentence ("the {name} dataset"). */
  readonly name: string;
  /** The role's name on its own (a quick-pick label). */
  readonly label: string;
  /** What the role's rows are used for ("For {use}"). */
  readonly use: string;
}

/**
 * Each role's name and use, translated when read (getters: the bundle is configured after this module loads),
 * on the host and in the webviews alike.
 */
export const ROLE_DESCRIPTIONS: Readonly<Record<DatasetRole, RoleDescription>> = {
  train: {
    get name() { return l10n.t({ message: 'training', comment: ['The name of the training dataset role, as in "the training dataset".'] }); },
    get label() { return l10n.t({ message: 'Training', comment: ['The training dataset role, on its own (a list item).'] }); },
    get use() { return l10n.t({ message: 'training soft prompts and drawing few-shot examples', comment: ['What the training dataset is used for; follows "For".'] }); },
  },
  dev: {
    get name() { return l10n.t({ message: 'dev', comment: ['The name of the development (validation) dataset role, as in "the dev dataset".'] }); },
    get label() { return l10n.t({ message: 'Dev', comment: ['The development (validation) dataset role, on its own (a list item).'] }); },
    get use() { return l10n.t({ message: '▶ Test rows, the preview, Run on dataset and keep-best during training', comment: ['What the dev dataset is used for; follows "For". ▶ Test and Run on dataset are command names.'] }); },
  },
  test: {
    get name() { return l10n.t({ message: 'test', comment: ['The name of the test dataset role, as in "the test dataset".'] }); },
    get label() { return l10n.t({ message: 'Test', comment: ['The held-out test dataset role, on its own (a list item).'] }); },
    get use() { return l10n.t({ message: 'Benchmark: kept apart from training and keep-best', comment: ['What the test dataset is used for; follows "For". Benchmark is a command name.'] }); },
  },
};
