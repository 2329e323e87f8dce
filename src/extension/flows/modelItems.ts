/**
 * The items of Select Model's quick pick, unit-tested with the fake `vscode` module: the models in the
 * Hugging Face cache (size, type; unusable ones with the reason), model folders in the workspace, the
 * curated small models not yet cached (download size, F32 memory, gated), and the two ways to give another.
 */
import * as path from 'node:path';
import type { CachedModel } from '../../hub/cache';
import { downloadBytes, f32Bytes, type CuratedModel } from '../../hub/curated';
import { formatBytes } from '../../hub/download';
import { DEFAULT_REVISION } from '../../hub/model-id';
import { unsupportedReason } from '../../hub/model-types';
import { l10n } from 'vscode';

export type ModelChoice =
  | { kind: 'hub'; id: string; cached: boolean; unsupported?: string; gated?: boolean }
  | { kind: 'folder'; dir: string; unsupported?: string }
  | { kind: 'enter-id' }
  | { kind: 'browse' };

export interface ModelItem {
  label: string;
  description?: string;
  detail?: string;
  /** A separator line (vscode.QuickPickItemKind.Separator). */
  separator?: boolean;
  /** The entry that is selected now. */
  picked?: boolean;
  choice?: ModelChoice;
}

export interface ModelItemsInput {
  cached: readonly CachedModel[];
  curated: readonly CuratedModel[];
  /** Model folders found in the workspace (absolute), each with its model_type when readable. */
  folders: ReadonlyArray<{ dir: string; modelType?: string }>;
  /** The setting as written: a hub id or a folder. */
  current?: string;
  /** For folder descriptions. */
  workspaceRoot?: string;
}

export const ENTER_ID_LABEL = `$(edit) ${l10n.t('Enter a Hugging Face id…')}`;
export const BROWSE_LABEL = `$(folder-opened) ${l10n.t('Choose a folder…')}`;

/** How a cached snapshot is named: the id for main, id@tag or id@sha otherwise. */
export function cachedModelId(m: CachedModel): string {
  if (m.refs.includes(DEFAULT_REVISION)) return m.id;
  return `${m.id}@${m.refs[0] ?? m.commit}`;
}

function usable(reason: string | undefined): string | undefined {
  return reason ? `$(circle-slash) ${l10n.t('not usable: {0}', reason)}` : undefined;
}

export function buildModelItems(input: ModelItemsInput): ModelItem[] {
  const items: ModelItem[] = [];
  const current = input.current?.trim();
  const cachedIds = new Set<string>();
  const cached = input.cached.map((m) => ({ m, id: cachedModelId(m) }));
  if (cached.length) {
    items.push({ label: l10n.t('In the Hugging Face cache'), separator: true });
    // Usable first, then by id.
    cached.sort((a, b) => Number(a.m.supported === false) - Number(b.m.supported === false) || a.id.localeCompare(b.id));
    for (const { m, id } of cached) {
      cachedIds.add(id);
      items.push({
        label: `${m.supported ? '$(check)' : '$(warning)'} ${id}`,
        description: `${formatBytes(m.sizeBytes)} · ${m.modelType ?? l10n.t('unknown type')}`,
        detail: usable(m.reason) ?? (id === current ? l10n.t('selected') : undefined),
        picked: id === current,
        choice: { kind: 'hub', id, cached: true, unsupported: m.reason },
      });
    }
  }
  if (input.folders.length) {
    items.push({ label: l10n.t('Model folders in the workspace'), separator: true });
    for (const f of input.folders) {
      const reason = unsupportedReason(f.modelType);
      const shown = input.workspaceRoot && !path.relative(input.workspaceRoot, f.dir).startsWith('..') ? path.relative(input.workspaceRoot, f.dir) || '.' : f.dir;
      const isCurrent = current !== undefined && (current === shown || current === f.dir);
      items.push({
        label: `$(folder) ${path.basename(f.dir)}`,
        description: `${shown} · ${f.modelType ?? l10n.t('unknown type')}`,
        detail: usable(reason) ?? (isCurrent ? l10n.t('selected') : undefined),
        picked: isCurrent,
        choice: { kind: 'folder', dir: f.dir, unsupported: reason },
      });
    }
  }
  const toDownload = input.curated.filter((c) => !cachedIds.has(c.id));
  if (toDownload.length) {
    items.push({ label: l10n.t('Small models for a laptop CPU (downloaded when chosen)'), separator: true });
    for (const c of toDownload) {
      items.push({
        label: `$(cloud-download) ${c.id}`,
        description: `${l10n.t('≈{0} download', formatBytes(downloadBytes(c)))} · ${l10n.t('{0} in F32', formatBytes(f32Bytes(c.parameters)))} · ${(c.parameters / 1e6).toFixed(0)} M · ${c.modelType}${c.gated ? ` · $(lock) ${l10n.t('gated')}` : ''}`,
        detail: c.gated ? l10n.t('gated: accept its license on huggingface.co, then set HF_TOKEN (or run huggingface-cli login)') : undefined,
        choice: { kind: 'hub', id: c.id, cached: false, gated: c.gated, unsupported: unsupportedReason(c.modelType) },
      });
    }
  }
  items.push({ label: '', separator: true });
  items.push({ label: ENTER_ID_LABEL, description: 'owner/name[@revision]', choice: { kind: 'enter-id' } });
  items.push({ label: BROWSE_LABEL, description: l10n.t('a Hugging Face checkpoint folder'), choice: { kind: 'browse' } });
  return items;
}

/**
 * What goes into the `promptTuning.model` setting: a hub id as is (portable); a folder inside the
 * workspace as a path relative to it; a folder outside as an absolute path, which `absolute` flags so
 * the caller can ask before writing it into workspace settings.
 */
export function settingValue(choice: { kind: 'hub'; id: string } | { kind: 'folder'; dir: string }, workspaceRoot: string | undefined): { value: string; absolute: boolean } {
  if (choice.kind === 'hub') return { value: choice.id, absolute: false };
  if (workspaceRoot) {
    const rel = path.relative(workspaceRoot, choice.dir);
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) return { value: rel === '' ? '.' : rel.split(path.sep).join('/'), absolute: false };
  }
  return { value: choice.dir, absolute: true };
}
