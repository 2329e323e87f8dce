/**
 * The dataset roles of a prompt file and the state kept for them. No imports: the webview bundle uses it too.
 * - train: soft-prompt training and few-shot examples;
 * - dev: ▶ Test rows, the preview, Run on dataset, and the dev set a training's keep-best chooses on;
 * - test: Benchmark, kept apart from what training and keep-best saw.
 */

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

export const ROLE_DESCRIPTIONS: Record<DatasetRole, { name: string; use: string }> = {
  train: { name: 'training', use: 'training soft prompts and drawing few-shot examples' },
  dev: { name: 'dev', use: '▶ Test rows, the preview, Run on dataset and keep-best during training' },
  test: { name: 'test', use: 'Benchmark: kept apart from training and keep-best' },
};

