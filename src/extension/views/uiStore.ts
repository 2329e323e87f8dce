/**
 * The single source of what the webviews show. Commands and jobs write slices of it; every attached webview
 * (side panel, Studio) receives the whole state after each change, coalesced to one post per tick.
 */
import type { UiState, ViewName } from './protocol';

type Listener = (state: UiState) => void;

export class UiStore {
  private current: UiState = { model: {}, jobs: [] };
  private readonly listeners = new Set<Listener>();
  private pending = false;
  /** Starts at a random value so a Studio restored after a reload does not mistake a new request for an old one. */
  private focusSeq = Math.floor(Math.random() * 1e9);

  get state(): UiState {
    return this.current;
  }

  update(patch: Partial<UiState>): void {
    this.current = { ...this.current, ...patch };
    if (this.pending) return;
    this.pending = true;
    queueMicrotask(() => {
      this.pending = false;
      for (const listener of this.listeners) listener(this.current);
    });
  }

  /**
   * Asks the Studio to switch to `view`. Carried in the state (with a sequence number) rather than as a
   * one-off message, so a Studio whose script is still loading still receives it.
   */
  show(view: ViewName): void {
    this.update({ focus: { view, seq: ++this.focusSeq } });
  }

  onChange(listener: Listener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }
}
