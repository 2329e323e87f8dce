/**
 * The Playground's state through one run of the `playground` job: columns wait, stream their text (or get
 * their label probabilities) one after the other, and end done, cancelled or failed. Redraws are throttled
 * as ▶ Test's stream is; the start and the end are drawn at once. Unit-tested with the fake `vscode` module (test/helpers/vscode-fake.ts).
 */
import { PLAYGROUND_COLUMNS } from '../../common/playground';
import type { PlaygroundColumnResult, PlaygroundJobProgress, PlaygroundResult } from '../../worker/protocol';
import { STREAM_REDRAW_MS } from '../flows/generationStream';
import type { PlaygroundColumnView, PlaygroundViewState } from './protocol';
import { l10n } from 'vscode';

/** Why the soft and projected columns are empty when no soft prompt is chosen. */
export const NO_SOFT_PROMPT = l10n.t('Choose a soft prompt to compare.');

/** The columns before a run: all waiting, or the soft ones skipped without a soft prompt. */
export function waitingColumns(withSoftPrompt: boolean): PlaygroundColumnView[] {
  return PLAYGROUND_COLUMNS.map((id) =>
    id === 'hard' || withSoftPrompt ? { id, text: '', tokens: 0, status: 'waiting' } : { id, text: '', tokens: 0, status: 'skipped', message: NO_SOFT_PROMPT });
}

const FINISH_WORDS = { eos: l10n.t('end of sequence'), stop: l10n.t('stop string'), length: l10n.t('max new tokens'), context: l10n.t('model context full') } as const;

function describeColumn(r: PlaygroundColumnResult): string | undefined {
  if (r.tokens === undefined) return undefined;
  const why = r.finishReason ? FINISH_WORDS[r.finishReason] : '';
  const tokens = r.tokens === 1 ? l10n.t('1 token') : l10n.t('{0} tokens', r.tokens);
  return `${tokens}${why ? ` · ${why}` : ''}${r.tokensPerSecond ? ` · ${l10n.t('{0} tokens/s', r.tokensPerSecond.toFixed(1))}` : ''}`;
}

function finished(view: PlaygroundColumnView, r: PlaygroundColumnResult): PlaygroundColumnView {
  return {
    id: view.id,
    text: r.text ?? '',
    tokens: r.tokens ?? 0,
    status: 'done',
    ...(r.labels ? { labels: r.labels.map((l) => ({ label: l.label, probability: l.probability })) } : {}),
    ...(r.predicted !== undefined ? { predicted: r.predicted } : {}),
    ...(describeColumn(r) ? { message: describeColumn(r) } : {}),
  };
}

export class PlaygroundRun {
  private view: PlaygroundViewState;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    start: PlaygroundViewState,
    /** Draws the state: at most once per `redrawMs` while text streams, at once for the start and the end. */
    private readonly draw: (view: PlaygroundViewState) => void,
    private readonly redrawMs = STREAM_REDRAW_MS,
  ) {
    this.view = { ...start, jobId: '', columns: waitingColumns(start.softPrompt !== undefined), message: undefined, projectedText: undefined };
  }

  get state(): PlaygroundViewState {
    return this.view;
  }

  started(jobId: string): void {
    this.view = { ...this.view, jobId };
    this.flush();
  }

  progress(p: PlaygroundJobProgress): void {
    if (this.view.jobId === '' && this.view.columns.every((c) => c.status !== 'waiting' && c.status !== 'running')) return;
    if (p.type === 'projection') {
      this.view = { ...this.view, projectedText: p.text };
    } else if (p.type === 'text') {
      this.update(p.column, (c) => ({ ...c, text: c.text + p.text, tokens: p.tokens, status: 'running' }));
    } else {
      this.update(p.result.column, (c) => finished(c, p.result));
      this.flush();
      return;
    }
    this.timer ??= setTimeout(() => this.flush(), this.redrawMs);
  }

  /** The job's result is authoritative: its columns hold the final text. */
  done(result: PlaygroundResult): void {
    for (const r of result.columns) this.update(r.column, (c) => finished(c, r));
    // A column the job did not run (the projection of a prefix-tuning adapter) says why: its `<column>: ` warning.
    for (const c of this.view.columns.filter((v) => v.status === 'waiting')) {
      const why = result.warnings.find((w) => w.startsWith(`${c.id}: `))?.slice(c.id.length + 2);
      this.update(c.id, (v) => ({ ...v, status: 'skipped', message: why ?? l10n.t('not run') }));
    }
    this.view = {
      ...this.view,
      jobId: '',
      ...(result.projectedText !== undefined ? { projectedText: result.projectedText } : {}),
      message: result.warnings.length > 0 ? result.warnings.join('\n') : undefined,
    };
    this.flush();
  }

  /** Cancelled or failed: the text so far stays; columns that had not finished say so. */
  stopped(how: 'cancelled' | 'failed', message?: string): void {
    const columns = this.view.columns.map((c) => (c.status === 'running' || c.status === 'waiting' ? { ...c, status: how } : c));
    this.view = { ...this.view, jobId: '', columns, message };
    this.flush();
  }

  private update(id: PlaygroundColumnView['id'], change: (c: PlaygroundColumnView) => PlaygroundColumnView): void {
    this.view = { ...this.view, columns: this.view.columns.map((c) => (c.id === id ? change(c) : c)) };
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.draw(this.view);
  }
}
