/**
 * Benchmark progress: the events runBenchmark emits and two renderers for a terminal: a cli-progress bar
 * when the stream is a TTY, plain lines otherwise (logs, CI). The CLI picks one with createProgressSink.
 */
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { terminalSafe } from '../common/terminal';

export interface BenchProgress {
  /** What is being done, e.g. "evaluate hard:sentiment", "tune seed 0". */
  task: string;
  done: number;
  total: number;
  /** Extra figures for the current step, e.g. "loss 0.412". */
  detail?: string;
}

export interface ProgressSink {
  update(event: BenchProgress): void;
  /** A message that must not be torn by the bar (warnings, cache hits). */
  log(line: string): void;
  close(): void;
}

export interface WritableText {
  write(text: string): unknown;
  isTTY?: boolean;
}

export function createProgressSink(stream: WritableText & NodeJS.WritableStream): ProgressSink {
  return stream.isTTY ? new BarProgress(stream) : new LineProgress(stream);
}

/** One line when a task starts, at each quarter, and when it ends. */
export class LineProgress implements ProgressSink {
  private task: string | undefined;
  private lastQuarter = -1;

  constructor(private readonly out: WritableText) {}

  update(event: BenchProgress): void {
    if (event.task !== this.task) {
      this.task = event.task;
      this.lastQuarter = -1;
    }
    const quarter = event.total > 0 ? Math.floor((4 * event.done) / event.total) : 4;
    if (quarter === this.lastQuarter) return;
    this.lastQuarter = quarter;
    const detail = event.detail ? ` (${event.detail})` : '';
    this.out.write(terminalSafe(`${event.task}: ${event.done}/${event.total}${detail}`) + '\n');
  }

  log(line: string): void {
    this.out.write(`${terminalSafe(line)}\n`);
  }

  close(): void {}
}

/** A cli-progress bar per task; finished tasks stay on screen as full bars. */
export class BarProgress implements ProgressSink {
  private readonly bars: MultiBar;
  private bar: SingleBar | undefined;
  private task: string | undefined;
  private closed = false;

  constructor(private readonly stream: NodeJS.WritableStream) {
    this.bars = new MultiBar(
      {
        stream: stream as NodeJS.WriteStream,
        format: ' {bar} {percentage}% | {value}/{total} | {task}{detail}',
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        autopadding: true,
      },
      Presets.shades_classic,
    );
  }

  update(event: BenchProgress): void {
    const payload = { task: terminalSafe(event.task), detail: event.detail ? ` · ${terminalSafe(event.detail)}` : '' };
    if (event.task !== this.task || !this.bar) {
      this.bar?.update(this.bar.getTotal());
      this.bar?.stop();
      this.task = event.task;
      this.bar = this.bars.create(event.total, event.done, payload);
    } else {
      this.bar.setTotal(event.total);
      this.bar.update(event.done, payload);
    }
  }

  log(text: string): void {
    const line = terminalSafe(text);
    if (!this.bar || this.closed) {
      this.stream.write(`${line}\n`);
      return;
    }
    this.bars.log(`${line}\n`);
    // MultiBar prints its log buffer on the next redraw; redraw now so the line is not lost at close.
    (this.bars as unknown as { update(): void }).update();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.bars.stop();
  }
}
