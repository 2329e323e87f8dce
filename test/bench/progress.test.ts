import * as assert from 'assert';
import { PassThrough } from 'stream';
import { BarProgress, createProgressSink, LineProgress } from '../../src/bench/progress';

describe('bench/progress', () => {
  it('plain lines: one when a task starts, at each quarter and at the end', () => {
    const out: string[] = [];
    const sink = new LineProgress({ write: (t: string) => out.push(t) });
    for (let done = 0; done <= 8; done++) sink.update({ task: 'evaluate hard:a', done, total: 8 });
    sink.update({ task: 'tune seed 0', done: 1, total: 100, detail: 'loss 0.7000' });
    sink.log('tune seed 0: cached');
    assert.deepStrictEqual(out, [
      'evaluate hard:a: 0/8\n',
      'evaluate hard:a: 2/8\n',
      'evaluate hard:a: 4/8\n',
      'evaluate hard:a: 6/8\n',
      'evaluate hard:a: 8/8\n',
      'tune seed 0: 1/100 (loss 0.7000)\n',
      'tune seed 0: cached\n',
    ]);
  });

  it('picks the bar renderer for a TTY and plain lines otherwise', () => {
    const tty = Object.assign(new PassThrough(), { isTTY: true, columns: 100 });
    let written = '';
    tty.on('data', (chunk: Buffer) => (written += chunk.toString()));
    const bar = createProgressSink(tty);
    assert.ok(bar instanceof BarProgress);
    bar.update({ task: 'evaluate hard:a', done: 3, total: 10 });
    bar.update({ task: 'tune seed 0', done: 5, total: 10, detail: 'loss 0.5' });
    bar.log('tune seed 0: cached');
    bar.close();
    assert.match(written, /100% \| 10\/10 \| evaluate hard:a/, 'a finished task stays as a full bar');
    assert.match(written, /50% \| 5\/10 \| tune seed 0 · loss 0\.5/);
    assert.ok(written.includes('tune seed 0: cached\n'), 'a logged line is printed before close');
    assert.ok(createProgressSink(new PassThrough()) instanceof LineProgress);
  });
});
