/** Issue 12, item 13: a line too long to read is reported as such (with the limit), not as "not valid UTF-8". */
import * as assert from 'node:assert/strict';
import { readDataset } from '../../src/data';
import { forEachLine, lineTooLong } from '../../src/data/line-reader';
import { tempFolder } from './tmp';

describe('datasets: lines longer than the limit (issue 12, item 13)', () => {
  const tmp = tempFolder();
  after(() => tmp.remove());

  const lines = async (file: string, chunkSize: number, maxLineBytes: number) => {
    const seen: [number, string | undefined, string | undefined][] = [];
    await forEachLine(file, (text, line, problem) => seen.push([line, text, problem]), { chunkSize, maxLineBytes });
    return seen;
  };

  for (const chunkSize of [3, 7, 16, 64, 1 << 20]) {
    it(`reports each too-long line once, at its line number, and reads the others (chunks of ${chunkSize} bytes)`, async () => {
      const file = tmp.write(`long-${chunkSize}.jsonl`, ['ok1', 'x'.repeat(40), 'é'.repeat(10), 'y'.repeat(21), 'ok5', 'z'.repeat(50)].join('\n'));
      const tooLong = lineTooLong(20);
      assert.deepStrictEqual(await lines(file, chunkSize, 20), [
        [1, 'ok1', undefined],
        [2, undefined, tooLong],
        [3, 'é'.repeat(10), undefined],
        [4, undefined, tooLong],
        [5, 'ok5', undefined],
        [6, undefined, tooLong],
      ]);
    });
  }

  it('the dataset reader says what happened, with the limit; invalid UTF-8 is still called that', async () => {
    const file = tmp.write('huge.jsonl', Buffer.concat([Buffer.from('{"text": "a", "label": "x"}\n{"text": "'), Buffer.alloc(70 << 20, 0x61), Buffer.from('"}\n{"text": "\xff"}\n', 'latin1')]));
    await assert.rejects(readDataset(file), { message: `${file}:2: the line is longer than 64 MiB, the longest line read (is the file really one record per line?)` });
    const { rows, skipped } = await readDataset(file, { skipInvalid: true });
    assert.strictEqual(rows.length, 1);
    assert.deepStrictEqual(skipped.map((s) => [s.line, s.message]), [
      [2, 'the line is longer than 64 MiB, the longest line read (is the file really one record per line?)'],
      [3, 'the line is not valid UTF-8'],
    ]);
  });
});
