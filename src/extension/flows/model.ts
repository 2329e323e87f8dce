/**
 * Select Model: one quick pick of the models in the Hugging Face cache, model folders in the workspace,
 * curated small models (downloaded with a cancellable progress notification), a hub id, or a folder.
 * The model_type is checked when a model is chosen, not when the first job fails.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isUserError, UserError } from '../../engine/errors';
import { findCachedModel, readModelType, scanCache } from '../../hub/cache';
import { CURATED_MODELS } from '../../hub/curated';
import { ensureModel, fetchRepoInfo, formatBytes, type DownloadProgress } from '../../hub/download';
import { DownloadCancelledError } from '../../hub/http';
import { hubIdProblem, parseHubId } from '../../hub/model-id';
import { unsupportedReason } from '../../hub/model-types';
import { hubSettings, type HubSettings } from '../../hub/settings';
import type { Ctx } from '../ctx';
import { buildModelItems, settingValue, type ModelChoice, type ModelItem } from './modelItems';
import { runSteps } from './multiStep';

function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

async function workspaceModelFolders(ctx: Ctx): Promise<Array<{ dir: string; modelType?: string }>> {
  const dirs = new Set<string>();
  const last = ctx.state.lastModel;
  if (last && !last.includes(`${path.sep}snapshots${path.sep}`)) dirs.add(last);
  const current = ctx.config.modelHubId ? undefined : ctx.config.modelDir;
  if (current) dirs.add(current);
  for (const f of await vscode.workspace.findFiles('**/config.json', '**/node_modules/**', 200)) dirs.add(path.dirname(f.fsPath));
  return [...dirs].filter(isModelFolder).map((dir) => ({ dir, modelType: readModelType(dir) }));
}

export async function selectModel(ctx: Ctx): Promise<string | undefined> {
  const settings = hubSettings(process.env);
  const items = buildModelItems({
    cached: scanCache(settings.cacheDir),
    curated: CURATED_MODELS,
    folders: await workspaceModelFolders(ctx),
    current: ctx.config.modelSetting || undefined,
    workspaceRoot: workspaceRoot(),
  });
  type Pick = vscode.QuickPickItem & { item: ModelItem };
  const picks: Pick[] = items.map((item) => ({
    label: item.label, description: item.description, detail: item.detail, picked: item.picked, item,
    kind: item.separator ? vscode.QuickPickItemKind.Separator : vscode.QuickPickItemKind.Default,
  }));
  // The list, then (for "Enter a Hugging Face id") the id, with Back from the id to the list.
  const answers: { picked?: Pick; id?: string } = {};
  const done = await runSteps(answers, [
    { run: async (input) => {
      answers.picked = await input.pick({ items: picks, active: (answers.picked && picks.find((p) => p.label === answers.picked!.label)) ?? picks.find((p) => p.picked), title: vscode.l10n.t('Select Model'), placeholder: vscode.l10n.t('A model from the Hugging Face cache or hub, or a checkpoint folder'), matchOnDescription: true });
    } },
    { skip: () => answers.picked?.item.choice?.kind !== 'enter-id', run: async (input) => {
      answers.id = (await input.input({
        title: vscode.l10n.t('Hugging Face model id'), prompt: vscode.l10n.t('owner/name, optionally @revision (a branch, tag or commit)'), placeholder: 'HuggingFaceTB/SmolLM2-135M', value: answers.id,
        validate: (text) => (text.trim() === '' ? undefined : hubIdProblem(text.trim())),
      })).trim();
    } },
  ]);
  const choice = done ? answers.picked?.item.choice : undefined;
  if (!choice) return undefined;
  try {
    return await useChoice(ctx, choice, settings, answers.id);
  } catch (e) {
    if (e instanceof DownloadCancelledError) return undefined;
    void vscode.window.showErrorMessage(isUserError(e) ? e.message : vscode.l10n.t('Select Model failed: {0}', (e as Error).message));
    if (!isUserError(e)) ctx.output.error(e as Error);
    return undefined;
  }
}

/** `id`: the hub id typed for "Enter a Hugging Face id". */
async function useChoice(ctx: Ctx, choice: ModelChoice, settings: HubSettings, id: string | undefined): Promise<string | undefined> {
  if (choice.kind === 'enter-id') return id ? useHubModel(ctx, id, settings) : undefined;
  if (choice.kind === 'browse') {
    const chosen = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: vscode.l10n.t('Select Model'), title: vscode.l10n.t('Model folder (config.json, tokenizer.json, model.safetensors)') });
    const dir = chosen?.[0]?.fsPath;
    if (!dir) return undefined;
    if (!isModelFolder(dir)) {
      void vscode.window.showErrorMessage(vscode.l10n.t('{0} is not a model folder: it needs config.json and tokenizer.json (a Hugging Face checkpoint).', dir));
      return undefined;
    }
    return useFolder(ctx, dir);
  }
  if (choice.unsupported) {
    void vscode.window.showErrorMessage(unsupportedMessage(choice.kind === 'hub' ? choice.id : choice.dir, choice.unsupported));
    return undefined;
  }
  return choice.kind === 'hub' ? useHubModel(ctx, choice.id, settings) : useFolder(ctx, choice.dir);
}

async function useFolder(ctx: Ctx, dir: string): Promise<string | undefined> {
  const reason = unsupportedReason(readModelType(dir));
  if (reason) {
    void vscode.window.showErrorMessage(unsupportedMessage(dir, reason));
    return undefined;
  }
  const { value, absolute } = settingValue({ kind: 'folder', dir }, workspaceRoot());
  let target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  if (absolute && target === vscode.ConfigurationTarget.Workspace) {
    // An absolute path in shared workspace settings breaks for everyone else: ask first.
    const user = vscode.l10n.t('User settings');
    const answer = await vscode.window.showWarningMessage(
      vscode.l10n.t('{0} is outside the workspace. Where should the model setting go?', dir), { modal: true },
      user, vscode.l10n.t('Workspace settings (absolute path)'),
    );
    if (!answer) return undefined;
    if (answer === user) target = vscode.ConfigurationTarget.Global;
  }
  await ctx.config.setModel(value, target);
  await ctx.state.setLastModel(dir);
  ctx.output.info(`model: ${dir}`);
  return dir;
}

/** A hub id: from the cache, else its type checked with the hub and downloaded with a progress notification. */
async function useHubModel(ctx: Ctx, text: string, settings: HubSettings): Promise<string | undefined> {
  const id = parseHubId(text);
  const dir = findCachedModel(settings.cacheDir, id)?.path ?? (await downloadModel(ctx, text, settings));
  if (!dir) return undefined;
  const reason = unsupportedReason(readModelType(dir));
  if (reason) {
    void vscode.window.showErrorMessage(unsupportedMessage(text, reason));
    return undefined;
  }
  await ctx.config.setModel(settingValue({ kind: 'hub', id: text }, workspaceRoot()).value);
  await ctx.state.setLastModel(dir);
  ctx.output.info(`model: ${text} (${dir})`);
  return dir;
}

function progressMessage(p: DownloadProgress): string {
  const done = vscode.l10n.t({ message: '{0} of {1} · {2}/s', args: [formatBytes(p.receivedBytes), formatBytes(p.totalBytes), formatBytes(p.bytesPerSecond)], comment: ['A download\'s progress: {0} of {1} bytes received, {2} bytes a second, e.g. "12 MB of 270 MB · 3 MB/s"'] });
  if (!Number.isFinite(p.etaSeconds)) return done;
  return p.etaSeconds < 60 ? vscode.l10n.t({ message: '{0} · {1} s left', args: [done, Math.ceil(p.etaSeconds)], comment: ['{0}: a download\'s progress; {1}: seconds to go'] })
    : vscode.l10n.t({ message: '{0} · {1} min left', args: [done, Math.ceil(p.etaSeconds / 60)], comment: ['{0}: a download\'s progress; {1}: minutes to go'] });
}

/** Downloads `text` into the shared cache with a cancellable notification; undefined when cancelled. */
export async function downloadModel(ctx: Ctx, text: string, settings: HubSettings = hubSettings(process.env)): Promise<string | undefined> {
  const id = parseHubId(text);
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Downloading {0}', text), cancellable: true }, async (progress, token) => {
    const controller = new AbortController();
    token.onCancellationRequested(() => controller.abort());
    // Checked before the weights come down: the API tells the model_type.
    if (!settings.offline) {
      const info = await fetchRepoInfo(id, settings, controller.signal);
      const reason = info.config?.model_type !== undefined ? unsupportedReason(info.config.model_type) : undefined;
      if (reason) throw new UserError(vscode.l10n.t({ message: '{0}: {1}; nothing was downloaded.', args: [text, reason], comment: ['{0}: a model id; {1}: why it is not supported'] }));
    }
    let reported = 0;
    let lastReport = 0;
    try {
      const got = await ensureModel(id, {
        settings, signal: controller.signal,
        onMessage: (m) => ctx.output.info(m),
        onProgress: (p) => {
          const now = Date.now();
          if (now - lastReport < 250 && p.receivedBytes < p.totalBytes) return;
          lastReport = now;
          const percent = p.totalBytes > 0 ? (100 * p.receivedBytes) / p.totalBytes : 100;
          progress.report({ increment: percent - reported, message: progressMessage(p) });
          reported = percent;
        },
      });
      ctx.output.info(`${text}: ${got.fromCache ? 'in the cache' : 'downloaded'} (${got.path})`);
      return got.path;
    } catch (e) {
      if (e instanceof DownloadCancelledError) {
        ctx.output.info(`${text}: download cancelled; the part downloaded is kept and resumes next time`);
        return undefined;
      }
      throw e;
    }
  });
}

/** A model that cannot be used, and why. */
function unsupportedMessage(model: string, reason: string): string {
  return vscode.l10n.t({ message: '{0}: {1}.', args: [model, reason], comment: ['{0}: a model id or folder; {1}: why it is not supported, e.g. "model_type bert is not a decoder-only model"'] });
}

export function isModelFolder(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'config.json')) && fs.existsSync(path.join(dir, 'tokenizer.json'));
}
