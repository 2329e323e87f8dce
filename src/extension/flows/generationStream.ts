/**
 * The state of one streamed generation (▶ Test on a generation prompt) as the `generate` job reports it:
 * text pieces accumulate; redraws are throttled, since tokens can arrive far faster than a view is worth
 * redrawing; the end (done, cancelled, failed) is drawn at once. No `vscode` import (unit-tested).
 */
import type { GenerateResult } from '../../worker/protocol';
import type { GenerationViewState } from '../views/protocol';
import { describeGenerateResult } from './describe';

/** How often a streaming answer is redrawn (inline and in the webviews). */
export const STREAM_REDRAW_MS = 100;

export class GenerationStream {
  private view: GenerationViewState;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    where: Pick<GenerationViewState, 'file' | 'source'>,
    /** Draws the state; called at most once per `redrawMs` while text streams, and at once for the start and the end. */
    private readonly draw: (view: GenerationViewState) => void,
    private readonly redrawMs = STREAM_REDRAW_MS,
  ) {
    this.view = { jobId: '', ...where, text: '', tokens: 0, status: 'running' };
  }

  get state(): GenerationViewState {
    return this.view;
  }

  started(jobId: string): void {
    this.view = { ...this.view, jobId };
    this.flush();
  }

  /** A `{type:'text'}` progress event: the new piece and the tokens generated so far. */
  text(piece: string, tokens: number): void {
    if (this.view.status !== 'running') return;
    this.view = { ...this.view, text: this.view.text + piece, tokens };
    this.timer ??= setTimeout(() => this.flush(), this.redrawMs);
  }

  /** The job's result is authoritative: its text is what was streamed, cut before a stop string. */
  done(result: GenerateResult): void {
    this.view = { ...this.view, text: result.text, tokens: result.ids.length, status: 'done', message: describeGenerateResult(result) };
    this.flush();
  }

  /** Cancelled or failed: the text so far stays. */
  stopped(how: 'cancelled' | 'failed', message?: string): void {
    this.view = { ...this.view, status: how, message };
    this.flush();
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.draw(this.view);
  }
}
