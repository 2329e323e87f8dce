import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { replaceFolderAtomic, writeFileAtomic } from '../../src/common/atomic-write';

describe('common: atomic writes', () => {
  let root: string;
  beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-atomic-'))));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('writeFileAtomic creates missing folders, replaces an existing file and leaves no temp file', () => {
    const file = path.join(root, 'a', 'b', 'out.json');
    writeFileAtomic(file, 'first');
    writeFileAtomic(file, Buffer.from('second'));
    assert.strictEqual(fs.readFileSync(file, 'utf8'), 'second');
    assert.deepStrictEqual(fs.readdirSync(path.dirname(file)), ['out.json']);
  });

  it('writeFileAtomic that cannot rename (a folder is in the way) leaves that folder alone and no temp file', () => {
    const target = path.join(root, 'taken');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'keep.txt'), 'x');
    assert.throws(() => writeFileAtomic(target, 'new'));
    assert.deepStrictEqual(fs.readdirSync(root), ['taken']);
    assert.strictEqual(fs.readFileSync(path.join(target, 'keep.txt'), 'utf8'), 'x');
  });

  it('replaceFolderAtomic swaps in what fill wrote; fill sees the old folder still in place', () => {
    const dir = path.join(root, 'adapter');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'old.txt'), 'old');
    replaceFolderAtomic(dir, (temp) => {
      assert.strictEqual(fs.readFileSync(path.join(dir, 'old.txt'), 'utf8'), 'old');
      assert.deepStrictEqual(fs.readdirSync(temp), []);
      fs.writeFileSync(path.join(temp, 'new.txt'), 'new');
    });
    assert.deepStrictEqual(fs.readdirSync(dir), ['new.txt']);
    assert.deepStrictEqual(fs.readdirSync(root), ['adapter']);
  });

  it('replaceFolderAtomic whose fill throws keeps the old folder as it was and removes the temp folder', () => {
    const dir = path.join(root, 'adapter');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'old.txt'), 'old');
    assert.throws(
      () =>
        replaceFolderAtomic(dir, (temp) => {
          fs.writeFileSync(path.join(temp, 'half.txt'), 'half');
          throw new Error('disk full');
        }),
      /disk full/,
    );
    assert.deepStrictEqual(fs.readdirSync(dir), ['old.txt']);
    assert.deepStrictEqual(fs.readdirSync(root), ['adapter']);
  });

  it('replaceFolderAtomic creates the folder (and its parents) when it does not exist', () => {
    const dir = path.join(root, 'x', 'y');
    replaceFolderAtomic(dir, (temp) => fs.writeFileSync(path.join(temp, 'f'), '1'));
    assert.deepStrictEqual(fs.readdirSync(dir), ['f']);
  });
});
