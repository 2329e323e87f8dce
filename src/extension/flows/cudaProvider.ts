/**
 * onnxruntime-node's CUDA provider for `promptTuning.device: cuda`: when the setting asks for CUDA and the
 * provider's files are not downloaded (npm never downloads them), the user is offered the download once per
 * window, or the command "Download CUDA Provider" fetches them (hub/cuda-provider.ts) with progress and Cancel.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DownloadCancelledError } from '../../hub/http';
import { cudaProviderPlan, describeFetch, fetchCudaProvider, missingCudaFiles } from '../../hub/cuda-provider';
import type { Ctx } from '../ctx';

/** Downloads the provider; true when it is in place afterwards. */
export async function downloadCudaProvider(ctx: Ctx): Promise<boolean> {
  const plan = cudaProviderPlan();
  if (!plan) {
    void vscode.window.showInformationMessage(vscode.l10n.t('onnxruntime-node has no separate CUDA provider download on {0}: CUDA is bundled there, or not offered.', `${process.platform}/${process.arch}`));
    return false;
  }
  if (missingCudaFiles(plan).length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('The CUDA provider is already installed.'));
    return true;
  }
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Downloading the CUDA provider'), cancellable: true }, async (progress, token) => {
    const controller = new AbortController();
    token.onCancellationRequested(() => controller.abort());
    let reported = 0;
    let total: number | undefined;
    try {
      await fetchCudaProvider(plan, {
        signal: controller.signal,
        onStart: (info) => {
          total = info.bytes;
          ctx.output.info(`CUDA provider: fetching ${describeFetch(info)} from ${info.url} into ${path.dirname(plan.files[0].dest)}`);
          progress.report({ message: describeFetch(info) });
        },
        onProgress: ({ received }) => {
          if (!total) return;
          const percent = (100 * received) / total;
          if (percent - reported >= 1) {
            progress.report({ increment: percent - reported, message: `${Math.round(percent)}%` });
            reported = percent;
          }
        },
      });
      ctx.output.info('CUDA provider: installed');
      void vscode.window.showInformationMessage(vscode.l10n.t('The CUDA provider is installed; the next job runs on the GPU (after a parity check against the CPU).'));
      await ctx.jobs.restartWorker();
      return true;
    } catch (e) {
      if (e instanceof DownloadCancelledError) return false;
      const message = e instanceof Error ? e.message : String(e);
      ctx.output.error(`CUDA provider: ${message}`);
      void vscode.window.showErrorMessage(message);
      return false;
    }
  });
}

/** With `promptTuning.device: cuda` and the provider missing, offers the download (once per window: `once`). */
export async function offerCudaProvider(ctx: Ctx, once: { offered: boolean }): Promise<void> {
  if (once.offered || ctx.config.device !== 'cuda') return;
  const plan = cudaProviderPlan();
  if (!plan || missingCudaFiles(plan).length === 0) return;
  once.offered = true;
  const download = vscode.l10n.t('Download');
  const useCpu = vscode.l10n.t('Use the CPU');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t("Prompt Tuning is set to run on CUDA, but onnxruntime-node's CUDA provider is not downloaded yet (a few hundred MB from NuGet). Download it now?"),
    download,
    useCpu,
  );
  if (choice === download) await downloadCudaProvider(ctx);
  else if (choice === useCpu) await vscode.workspace.getConfiguration('promptTuning').update('device', 'cpu', vscode.ConfigurationTarget.Global);
}
