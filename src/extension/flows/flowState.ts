/**
 * What flows remember between commands in one window. Owned by the Ctx (one per activation) rather than by
 * module globals, so a reactivation or a test starts clean and a reader finds all of it in one place.
 */

/** Streams whose newer run supersedes an older one still running. */
export type RunStream = 'playground' | 'generationTest';

export class FlowState {
  /** The adapter folder behind the projection on screen, for Save as .prompt. */
  projectedAdapter?: string;
  /** What the Playground is open on: the prompt file's absolute path and the soft prompt's folder. */
  playground?: { file: string; soft?: string };
  private readonly latest = new Map<RunStream, number>();

  /**
   * Starts a run on `stream`; the returned function says whether that run is still the newest, so an older run
   * still streaming does not overwrite a newer one's output.
   */
  beginRun(stream: RunStream): () => boolean {
    const run = (this.latest.get(stream) ?? 0) + 1;
    this.latest.set(stream, run);
    return () => this.latest.get(stream) === run;
  }
}
