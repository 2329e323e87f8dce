/** Benchmark Prompts (hard vs soft on one test set) and Open Benchmark Report (any report.json). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { looksLikeReport, readReport } from '../../bench/report/parse';
import type { Ctx } from '../ctx';
import { displayPath } from '../paths';
import { loadPromptFile } from '../../prompts';
import { offerToStart } from '../onboarding/flows';
import { askDataset, rememberedDataset, requireModel, shotsPickerTitle } from './pickers';
import { cancelFlow, runSteps } from './multiStep';
import { reportError } from '../errors';
import { testSetWarning } from '../datasets/testSet';
import { readTrainingRecord } from '../../tuning/training-record';
import { showBenchmarkResults } from './results';
import type { RunDataFile } from '../artifacts/runHistory';

/** The answers of Benchmark Prompts' questions, kept across Back. */
interface BenchmarkAnswers {
  hard: string[];
  soft: string[];
  /** The few-shot count of each picked prompt file that parses. */
  shots: Map<string, number>;
  data?: string;
  /** Whether the test dataset / few-shot training file question was asked (after a Back it is asked again). */
  dataAsked?: boolean;
  trainAsked?: boolean;
}

/**
 * Benchmark Prompts: hard prompts → soft prompts (when any exist) → test dataset (unless remembered) →
 * few-shot training file (when a picked prompt has shots and no remembered one), as one multi-step flow.
 * `preselect`: a soft prompt and the prompt file to benchmark it against, ticked in the pickers (the Soft
 * Prompts view's Benchmark).
 */
export async function benchmark(ctx: Ctx, preselect: { soft?: string; hard?: string } = {}): Promise<void> {
  const model = await requireModel(ctx);
  if (!model) return;
  const promptFiles = (await vscode.workspace.findFiles('**/*.prompt', '**/node_modules/**', 500)).map((f) => f.fsPath).sort();
  if (promptFiles.length === 0) {
    await offerToStart();
    return;
  }
  const found = (await vscode.workspace.findFiles('**/adapter_config.json', '**/node_modules/**', 500)).map((f) => path.dirname(f.fsPath));
  const adapters = [...new Set([...found, ...(preselect.soft ? [preselect.soft] : [])])].sort();
  const answers: BenchmarkAnswers = { hard: [], soft: [], shots: new Map() };
  const ticked = preselect.hard ?? ctx.preview.current?.uri.fsPath;
  const firstPrompt = () => answers.hard[0];
  const shotPrompts = () => answers.hard.filter((file) => (answers.shots.get(file) ?? 0) > 0);
  const withoutShotsFile = () => shotPrompts().filter((file) => !rememberedDataset(ctx, file, 'train'));
  const done = await runSteps(answers, [
    { run: async (input) => {
      const active = answers.hard.length > 0 ? answers.hard : [ticked];
      const items = promptFiles.map((file) => ({ label: path.basename(file), description: displayPath(path.dirname(file)), picked: active.includes(file), file }));
      const hard = await input.pickMany({ title: vscode.l10n.t('Benchmark: hard prompts to compare'), items, matchOnDescription: true });
      if (hard.length === 0) cancelFlow();
      answers.hard = hard.map((h) => h.file);
      answers.shots = await fewShotCounts(answers.hard);
    } },
    { skip: () => adapters.length === 0, run: async (input) => {
      const tickedSoft = answers.soft.length > 0 ? answers.soft : [preselect.soft ?? ctx.state.lastSoftPrompt];
      const items = adapters.map((dir) => ({ label: path.basename(dir), description: displayPath(path.dirname(dir)), picked: tickedSoft.includes(dir), dir }));
      answers.soft = (await input.pickMany({ title: vscode.l10n.t('Benchmark: soft prompts to compare (none is fine)'), items, matchOnDescription: true })).map((s) => s.dir);
    } },
    // The test role, never dev: keep-best chose soft prompts' checkpoints on dev, so dev flatters them.
    // Until the hard prompts are picked it counts (which prompt comes first, and so its test file, is not known yet).
    { skip: () => !answers.dataAsked && answers.hard.length > 0 && rememberedDataset(ctx, firstPrompt(), 'test') !== undefined, run: async (input) => {
      answers.dataAsked = true;
      const prompt = answers.hard[0];
      answers.data = await askDataset(input, ctx, prompt, 'test', { title: vscode.l10n.t('Benchmark: which test dataset (held out from training and dev) for {0}?', path.basename(prompt)) }) ?? undefined;
    } },
    { quiet: true, run: async () => {
      const prompt = answers.hard[0];
      answers.data ??= rememberedDataset(ctx, prompt, 'test');
      if (!answers.data) cancelFlow();
      const warning = testSetWarning(answers.data, ctx.state.datasetsFor(prompt).dev, answers.soft.map((dir) => ({ dir, devFile: keepBestFile(dir) })));
      if (!warning) return;
      const anyway = vscode.l10n.t('Benchmark Anyway');
      const another = vscode.l10n.t('Choose Another Test Set');
      const choice = await vscode.window.showWarningMessage(warning, { modal: true }, anyway, another);
      if (choice === another) void vscode.commands.executeCommand('promptTuning.selectDataset', vscode.Uri.file(prompt));
      if (choice !== anyway) cancelFlow();
      ctx.output.warn(`benchmark: ${warning}`);
    } },
    // One question for the few-shot prompts without a training file: a benchmark passes one training file.
    // Once asked, it is asked again after a Back (its answer is remembered by then), while a few-shot prompt is picked.
    { skip: () => withoutShotsFile().length === 0 && (!answers.trainAsked || shotPrompts().length === 0), run: async (input) => {
      answers.trainAsked = true;
      const targets = withoutShotsFile().length > 0 ? withoutShotsFile() : shotPrompts();
      if (targets.length === 0) return;
      const file = await askDataset(input, ctx, targets[0], 'train', { title: shotsPickerTitle(targets[0], answers.shots.get(targets[0]) ?? 1) });
      if (!file) cancelFlow();
      for (const other of targets.slice(1)) await ctx.state.setDatasetFor(other, 'train', file);
    } },
  ]);
  if (!done || !answers.data) return;
  const data = answers.data;
  const hard = answers.hard.map((file) => ({ file }));
  const soft = answers.soft.map((dir) => ({ dir }));
  const train = fewShotTrainFile(ctx, shotPrompts());
  if (train === null) return;
  const out = path.join(ctx.outputRoot, 'benchmarks', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  const count = hard.length + soft.length;
  const title = count === 1 ? vscode.l10n.t('Benchmark 1 prompt') : vscode.l10n.t('Benchmark {0} prompts', count);
  const params = {
    model, data, hard: hard.map((h) => h.file), soft: soft.map((s) => s.dir), out, ...(train ? { train } : {}),
    // Each run gets a new report folder, so the result cache lives in the cache directory to be reused.
    cacheDir: path.join(ctx.config.cacheDirectory, 'bench'),
    command: 'VS Code: Prompt Tuning: Benchmark Prompts',
  };
  const run = ctx.runs.begin({
    kind: 'benchmark', title, model, promptFiles: params.hard, softPrompts: params.soft,
    data: [{ role: 'test', file: data }, ...(train ? [{ role: 'train' as const, file: train }] : [])], parameters: params, outputs: {},
  });
  try {
    const result = await ctx.jobs.run('bench', params, {
      title,
      long: true,
      onProgress: (p) => { if (p.type === 'log') ctx.output.info(`benchmark: ${p.line}`); },
      describe: (p) => p.type === 'progress'
        ? { message: p.detail ? vscode.l10n.t({ message: '{0} {1}/{2} ({3})', args: [p.task, p.done, p.total, p.detail], comment: ['{0}: the benchmark\'s current task; {1}/{2}: rows done of all; {3}: more detail'] })
          : vscode.l10n.t({ message: '{0} {1}/{2}', args: [p.task, p.done, p.total], comment: ['{0}: the benchmark\'s current task; {1}/{2}: rows done of all'] }), fraction: p.total > 0 ? p.done / p.total : undefined }
        : p.type === 'status' ? { message: p.message } : undefined,
    });
    ctx.output.info(`benchmark: wrote ${result.files.json}, ${result.files.html} (cache: ${result.cacheHits} hits, ${result.cacheMisses} misses)`);
    await run.done({ outputs: { report: result.files.json, reportHtml: result.files.html }, ...fromReport(result.files.json, data, train) });
    await openReport(ctx, vscode.Uri.file(result.files.json));
    await showBenchmarkResults(ctx, result.files.json);
  } catch (error) {
    await run.failed(error);
    reportError(ctx, vscode.l10n.t({ message: 'Benchmark', comment: ['The Benchmark Prompts job, in an error message'] }), error);
  }
}

/** The datasets with the hashes the report states, and its size, for the run history (the report holds the rest). */
function fromReport(reportFile: string, data: string, train: string | undefined): { data?: RunDataFile[]; metrics?: Record<string, number> } {
  try {
    const report = readReport(reportFile);
    const t = report.trainDataset;
    return {
      data: [{ role: 'test', file: data, hash: report.dataset.hash, rows: report.dataset.n }, ...(train ? [{ role: 'train' as const, file: train, ...(t ? { hash: t.hash, rows: t.n } : {}) }] : [])],
      metrics: { prompts: report.prompts.length, rows: report.dataset.n },
    };
  } catch {
    return {};
  }
}

/**
 * The dev file a soft prompt's keep-best chose its checkpoint on, from its training record (a relative path
 * is taken from the workspace, where the extension and `ptune` run); undefined without one.
 */
function keepBestFile(dir: string): string | undefined {
  try {
    const file = readTrainingRecord(dir)?.data.eval?.file;
    return file === undefined ? undefined : path.resolve(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? dir, file);
  } catch {
    return undefined; // a record that does not read: the benchmark reports it
  }
}

/** Each prompt file's few-shot count; a file that does not parse is left out (the benchmark itself reports it). */
async function fewShotCounts(promptFiles: readonly string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const file of promptFiles) {
    try {
      counts.set(file, (await loadPromptFile(file)).shots);
    } catch {
      // reported by the benchmark
    }
  }
  return counts;
}

/**
 * The training file the benchmark's few-shot prompts draw their examples from (each prompt file's remembered
 * one): undefined when no prompt has shots, null when the prompts remember different files (one benchmark
 * passes one training file) or none.
 */
function fewShotTrainFile(ctx: Ctx, shotPrompts: readonly string[]): string | undefined | null {
  const chosen = new Map<string, string>();
  for (const file of shotPrompts) {
    const train = rememberedDataset(ctx, file, 'train');
    if (!train) return null;
    chosen.set(file, train);
    ctx.output.info(`${path.basename(file)}: few-shot examples drawn from ${train}`);
  }
  const files = [...new Set(chosen.values())];
  if (files.length > 1) {
    const list = [...chosen].map(([prompt, train]) => `${path.basename(prompt)} → ${displayPath(train)}`).join(', ');
    void vscode.window.showErrorMessage(vscode.l10n.t({
      message: 'Benchmark: the few-shot prompts draw their examples from different training files ({0}); a benchmark uses one. Choose the same file for each (Prompt Tuning: Choose Few-Shot Examples File).',
      args: [list], comment: ['{0}: each prompt file with its training file, e.g. "a.prompt → train.jsonl, b.prompt → other.jsonl"'],
    }));
    return null;
  }
  return files[0];
}

/**
 * Shows a report.json in the Studio's benchmark view: the file given, the active editor's report, or one
 * the user picks.
 */
export async function openReport(ctx: Ctx, uri?: vscode.Uri): Promise<void> {
  let file = uri?.fsPath;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (!file && active?.scheme === 'file' && active.fsPath.endsWith('.json') && looksLikeReport(active.fsPath)) file = active.fsPath;
  if (!file) {
    const chosen = await vscode.window.showOpenDialog({
      canSelectMany: false, title: vscode.l10n.t('Open Benchmark Report'), openLabel: vscode.l10n.t('Open report'),
      filters: { [vscode.l10n.t('Benchmark report')]: ['json'] },
      defaultUri: ctx.state.lastReport ? vscode.Uri.file(ctx.state.lastReport) : undefined,
    });
    file = chosen?.[0]?.fsPath;
  }
  if (!file) return;
  try {
    const report = readReport(file);
    ctx.store.update({ benchmark: { file: displayPath(file), report } });
    await ctx.state.setLastReport(file);
    ctx.studio.show('benchmark');
  } catch (error) {
    reportError(ctx, vscode.l10n.t('Open {0}', path.basename(file)), error);
  }
}

/** Reloads the last report after a window reload, quietly (it may have been deleted since). */
export function restoreLastReport(ctx: Ctx): void {
  const file = ctx.state.lastReport;
  if (!file || !fs.existsSync(file)) return;
  try {
    ctx.store.update({ benchmark: { file: displayPath(file), report: readReport(file) } });
  } catch (error) {
    ctx.output.warn(`could not reopen the last report ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
