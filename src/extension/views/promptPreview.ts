/**
 * The prompt editor view's data: for the active `.prompt` document, the chosen dataset row, the body
 * rendered for it, the model's token boundaries and count (a `preview` job in the worker), and the
 * validation messages. Follows the editor as the user types, switches files or picks another row.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { statSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { chatMessages, renderPrompt, type PromptFile } from '../../prompts';
import { DEFAULT_RENDER_LIMITS, type RenderLimits } from '../../prompts/template';

const PREVIEW_RENDER_LIMITS: RenderLimits = { ...DEFAULT_RENDER_LIMITS, maxMillis: 250 };
import type { Config } from '../config';
import type { PromptDiagnostics } from '../language/diagnostics';
import { isPromptDocument, type DocumentAnalysis } from '../language/promptDocuments';
import { displayPath } from '../paths';
import { errorMessage, type Jobs } from '../jobs';
import type { DatasetRoleView, PromptViewState, TokenPiece } from './protocol';
import { DATASET_ROLES, type PromptDatasets } from '../datasets/roles';
import { describeSummary, summarizeDataset, type DatasetSummary } from '../../data/summary';
import type { UiStore } from './uiStore';

const PREVIEW_DEBOUNCE_MS = 300;
/** Dataset summaries kept (one per file version and label column). */
const MAX_SUMMARIES = 32;

export class PromptPreviewController implements vscode.Disposable {
  private document: vscode.TextDocument | undefined;
  private readonly rowIndex = new Map<string, number>();
  /** A row opened from the results grid (any row of any file), shown instead of the picked one until another is picked. */
  private readonly pinned = new Map<string, { row: Record<string, string>; index: number; source: string }>();
  /** Dataset summaries, by file, size, modification time and label column: counted once per version of a file. */
  private readonly summaries = new Map<string, { result?: { value: DatasetSummary } | { error: string } }>();
  private generation = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly diagnostics: PromptDiagnostics,
    private readonly jobs: Jobs,
    private readonly config: Config,
    private readonly store: UiStore,
    private readonly scratchDir: string,
    /** The datasets remembered for a prompt file, by role (few-shot examples come from `train`). */
    private readonly datasetsOf: (promptFile: string) => PromptDatasets,
  ) {
    this.subscriptions = [
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        if (isPromptDocument(editor?.document)) this.follow(editor.document);
      }),
      diagnostics.onDidAnalyze(({ document }) => {
        if (document === this.document) this.schedule();
      }),
      vscode.workspace.onDidCloseTextDocument((document) => {
        if (document === this.document) {
          this.document = undefined;
          this.store.update({ prompt: undefined });
        }
      }),
    ];
    const active = vscode.window.activeTextEditor?.document;
    if (isPromptDocument(active)) this.follow(active);
  }

  /** The prompt document the view shows. */
  get current(): vscode.TextDocument | undefined {
    return this.document;
  }

  /** The row the view shows for `document` (0 until the user picks another). */
  selectedRow(document: vscode.TextDocument): number {
    return this.rowIndex.get(document.uri.toString()) ?? 0;
  }

  selectRow(index: number): void {
    if (!this.document) return;
    this.pinned.delete(this.document.uri.toString());
    this.rowIndex.set(this.document.uri.toString(), index);
    this.schedule(0);
  }

  /** Shows `row` (row `index` of `source`, e.g. a results grid's row) in the preview of `document`. */
  showRow(document: vscode.TextDocument, row: Record<string, string>, index: number, source: string): void {
    this.pinned.set(document.uri.toString(), { row, index, source });
    this.follow(document);
  }

  follow(document: vscode.TextDocument): void {
    this.document = document;
    this.schedule(0);
  }

  /** Recomputes now (after the model or the dataset changed). */
  refresh(): void {
    this.schedule(0);
  }

  private schedule(delay = PREVIEW_DEBOUNCE_MS): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.update(), delay);
  }

  private async update(): Promise<void> {
    const document = this.document;
    if (!document || document.isClosed) return;
    const generation = ++this.generation;
    const stale = () => generation !== this.generation;
    const analysis = await this.diagnostics.analysis(document);
    if (stale()) return;
    const state = this.baseState(document, analysis);
    this.store.update({ prompt: state });
    const prompt = analysis.prompt;
    // The dataset counts as they are now: a count that finished during the awaits below must not be overwritten
    // by the copy taken before them (its refresh has already been drawn and will not come again).
    const withDatasets = (view: PromptViewState): PromptViewState => ({ ...view, datasets: this.datasetViews(document.uri.fsPath, prompt) });
    const modelDir = this.config.modelDir;
    if (!prompt || state.rendered === undefined) return;
    if (!modelDir) {
      this.store.update({ prompt: withDatasets({ ...state, note: vscode.l10n.t('Rendered without a model: select a model to see token boundaries and the token count.') }) });
      return;
    }
    try {
      const template = await this.scratchCopy(document);
      const result = await this.jobs.run('preview', {
        model: modelDir,
        template,
        row: state.row,
        virtualTokens: this.config.training.virtualTokens,
      }, { title: vscode.l10n.t('Prompt preview'), long: false });
      if (stale()) return;
      const tokens: TokenPiece[] = result.tokens.map((t) => ({ text: t.piece, id: t.id }));
      if (result.virtualTokens > 0) {
        tokens.splice(result.softPromptAt, 0, { text: `⟨${vscode.l10n.t('soft prompt: {0} virtual tokens', result.virtualTokens)}⟩`, id: -1, virtual: true });
      }
      this.store.update({
        prompt: withDatasets({
          ...state,
          rendered: result.text,
          tokens,
          tokenCount: result.tokens.length,
          note: result.truncated ? vscode.l10n.t('The input was truncated to fit the model.') : undefined,
        }),
      });
    } catch (error) {
      if (stale()) return;
      this.store.update({ prompt: withDatasets({ ...state, note: vscode.l10n.t('No token preview: {0}', errorMessage(error)) }) });
    }
  }

  private baseState(document: vscode.TextDocument, analysis: DocumentAnalysis): PromptViewState {
    const pinned = this.pinned.get(document.uri.toString());
    const rows = pinned ? [pinned.row] : analysis.dataset?.rows ?? [];
    const index = pinned ? 0 : Math.min(this.selectedRow(document), Math.max(0, rows.length - 1));
    const prompt = analysis.prompt;
    const row = prompt && rows[index] ? promptRow(prompt, rows[index]) : {};
    const state: PromptViewState = {
      file: displayPath(document.uri.fsPath),
      rowIndex: pinned ? pinned.index : index,
      rowCount: analysis.dataset?.rows.length ?? 0,
      row,
      diagnostics: analysis.diagnostics.map((d) => ({ line: d.line - 1, column: d.column - 1, severity: d.severity, message: d.message })),
      datasets: this.datasetViews(document.uri.fsPath, prompt),
      ...(pinned ? { rowSource: pinned.source } : {}),
    };
    if (analysis.datasetError) state.diagnostics.push({ line: 0, column: 0, severity: 'warning', message: analysis.datasetError });
    if (!prompt) {
      state.note = vscode.l10n.t('Fix the problems below to see the rendered prompt.');
      return state;
    }
    if (prompt.shots > 0) {
      const file = this.datasetsOf(document.uri.fsPath).train;
      state.shots = { count: prompt.shots, ...(file ? { file: displayPath(file) } : {}) };
    }
    if (prompt.task === 'classification' && row[prompt.labelColumn] !== undefined) state.gold = row[prompt.labelColumn];
    if (rows.length === 0) {
      state.note = analysis.dataset ? vscode.l10n.t('The dataset has no rows.') : vscode.l10n.t('Choose a dataset (▶ Test asks for one) to preview a row.');
      return state;
    }
    try {
      // On the extension host's own thread: a tighter time bound than the worker's, so a bad template cannot
      // freeze the editor. A chat prompt's final text needs the model's chat template; the editor shows its messages.
      state.rendered =
        prompt.format === 'chat'
          ? chatMessages(prompt, row, [], '', PREVIEW_RENDER_LIMITS).map((m) => `${m.role}:\n${m.content}`).join('\n\n')
          : renderPrompt(prompt, row, [], undefined, PREVIEW_RENDER_LIMITS).text;
    } catch (error) {
      state.note = errorMessage(error);
    }
    return state;
  }

  /**
   * Each role's file with its counts: those already counted now, the others counted in the background
   * (streamed, never the whole file in memory), after which the view's dataset list is updated.
   */
  private datasetViews(promptFile: string, prompt: PromptFile | undefined): DatasetRoleView[] {
    const chosen = this.datasetsOf(promptFile);
    const labelColumn = prompt?.task === 'classification' ? prompt.labelColumn : undefined;
    return DATASET_ROLES.map((role) => {
      const file = chosen[role];
      if (!file) return { role };
      const view: DatasetRoleView = { role, file: displayPath(file) };
      let key: string;
      try {
        const info = statSync(file);
        key = JSON.stringify([file, info.size, info.mtimeMs, labelColumn, prompt?.labelNames]);
      } catch {
        return { ...view, error: vscode.l10n.t('the file is missing') };
      }
      let summary = this.summaries.get(key);
      if (!summary) {
        const entry: { result?: { value: DatasetSummary } | { error: string } } = {};
        summary = entry;
        if (this.summaries.size >= MAX_SUMMARIES) this.summaries.delete(this.summaries.keys().next().value as string);
        this.summaries.set(key, entry);
        summarizeDataset(file, { labelColumn, labelNames: prompt?.labelNames })
          .then((value) => { entry.result = { value }; }, (e: unknown) => { entry.result = { error: errorMessage(e) }; })
          .finally(() => this.refreshDatasets(promptFile, prompt));
      }
      const settled = summary.result;
      if (settled === undefined) return view;
      if ('error' in settled) return { ...view, error: settled.error };
      return { ...view, rows: settled.value.rows, ...(settled.value.labels ? { labels: settled.value.labels } : {}), summary: describeSummary(settled.value) };
    });
  }

  /** Puts newly counted summaries into the view's state as it is (no new render or token preview). */
  private refreshDatasets(promptFile: string, prompt: PromptFile | undefined): void {
    const current = this.store.state.prompt;
    if (!current || this.document?.uri.fsPath !== promptFile) return;
    this.store.update({ prompt: { ...current, datasets: this.datasetViews(promptFile, prompt) } });
  }

  /** The worker reads templates from disk; the editor's unsaved text goes through a private copy. */
  private async scratchCopy(document: vscode.TextDocument): Promise<string> {
    const folder = path.join(this.scratchDir, 'preview', createHash('sha256').update(document.uri.toString()).digest('hex').slice(0, 16));
    await fs.mkdir(folder, { recursive: true });
    const file = path.join(folder, path.basename(document.uri.fsPath));
    await fs.writeFile(file, document.getText(), 'utf8');
    return file;
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
  }
}

/** The columns of `row` the prompt reads: its inputs and its label (or target) column. */
export function promptRow(prompt: PromptFile, row: Record<string, string>): Record<string, string> {
  const keep = [...prompt.inputs, prompt.task === 'classification' ? prompt.labelColumn : prompt.targetColumn];
  const out: Record<string, string> = {};
  for (const column of keep) if (column !== undefined && row[column] !== undefined) out[column] = row[column];
  return out;
}
