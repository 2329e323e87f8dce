/**
 * Issue 12, items 1–4: nothing the user had is lost. The real CLI runs as a child process; every input and
 * every previous output is fingerprinted (sha256 per file) before and compared after, including runs
 * interrupted with SIGINT and SIGKILL at chosen moments.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { recoverInterruptedWrites, REPLACE_POINTS } from '../../src/common/atomic-write';
import { writeTinyGpt2 } from '../helpers/tiny-model';
import { writeFixture, type Fixture } from '../helpers/tuning-fixtures';
import { fingerprint, ptuneSignalled, ptuneSync, repoRoot } from '../helpers/subprocess';

describe('robustness: nothing the user had is lost (ptune as a child process)', function () {
  let dir: string;
  let model: string;
  let fx: Fixture;
  let adapter: string;
  let inputs: string[];
  const trainArgs = (out: string, ...more: string[]) => ['train', '--model', model, '--train', fx.train, '--template', fx.template, '--out', out, '--virtual-tokens', '2', ...more];

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-loss-'));
    model = writeTinyGpt2(path.join(dir, 'model')).dir;
    fx = writeFixture(path.join(dir, 'data'));
    adapter = path.join(dir, 'trained');
    const r = ptuneSync(trainArgs(adapter, '--steps', '4'));
    assert.strictEqual(r.code, 0, r.stderr);
    inputs = [model, fx.dir];
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const unchanged = (before: Record<string, string>) => assert.deepStrictEqual(fingerprint(Object.keys(before).filter((p) => !Object.keys(before).some((q) => q !== p && p.startsWith(q + path.sep)))), before);

  describe('item 1: retraining into a folder that holds a trained adapter', () => {
    it('without --overwrite: refused before any work, the adapter byte-identical', () => {
      const before = fingerprint([adapter, ...inputs]);
      const r = ptuneSync(trainArgs(adapter, '--steps', '2'));
      assert.strictEqual(r.code, 1);
      assert.strictEqual(r.stderr, `ptune: --out ${adapter} already holds a trained soft prompt; pass --overwrite to replace it (it stays as it is until the new run saves a checkpoint past its start), or choose another folder\n`);
      unchanged(before);
    });

    it('--overwrite, a run that diverges at once (--lr 1e308): exit 1, "nothing was saved", the adapter byte-identical', () => {
      const before = fingerprint([adapter, ...inputs]);
      const r = ptuneSync(trainArgs(adapter, '--overwrite', '--steps', '5', '--lr', '1e308'));
      assert.strictEqual(r.code, 1, r.stderr);
      assert.match(r.stderr, /training diverged at step 1: .*; nothing was saved\n/);
      assert.match(r.stdout, /nothing saved/);
      unchanged(before);
    });

    it('--overwrite, SIGINT while the model loads: exit 130, the adapter byte-identical', async () => {
      const before = fingerprint([adapter, ...inputs]);
      const r = await ptuneSignalled(trainArgs(adapter, '--overwrite', '--steps', '100000', '--eval-every', '100000'), /loading model/, 'SIGINT');
      assert.ok(r.signalled, r.stderr);
      assert.strictEqual(r.code, 130, r.stderr);
      assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
      unchanged(before);
    });

    it('--overwrite, SIGKILL after the first steps (no checkpoint past the start yet): the adapter byte-identical, nothing left beside it', async () => {
      const before = fingerprint([adapter, ...inputs]);
      const r = await ptuneSignalled(trainArgs(adapter, '--overwrite', '--steps', '100000', '--eval-every', '100000'), /train: 1\//, 'SIGKILL');
      assert.ok(r.signalled, r.stderr);
      assert.strictEqual(r.signal, 'SIGKILL');
      unchanged(before);
      assert.deepStrictEqual(fs.readdirSync(dir).filter((e) => e.includes('trained')), ['trained']);
    });

    it('--overwrite, a run that finishes: the adapter is replaced by the new one', () => {
      const other = path.join(dir, 'retrained');
      fs.cpSync(adapter, other, { recursive: true });
      const before = fingerprint([other]);
      const r = ptuneSync(trainArgs(other, '--overwrite', '--steps', '3', '--seed', '7'));
      assert.strictEqual(r.code, 0, r.stderr);
      assert.notDeepStrictEqual(fingerprint([other]), before);
      const record = JSON.parse(fs.readFileSync(path.join(other, 'ptune_training.json'), 'utf8')) as { seed: number; checkpoint: { step: number } };
      assert.deepStrictEqual([record.seed, record.checkpoint.step], [7, 3]);
    });
  });

  describe('item 2: an --out that is, or holds, an input', () => {
    let project: string;
    let projectFiles: Record<string, string>;
    before(() => {
      // The report: model, data and prompt file all inside D, then --out D --overwrite.
      project = path.join(dir, 'D');
      fs.cpSync(model, path.join(project, 'model'), { recursive: true });
      fs.copyFileSync(fx.train, path.join(project, 'train.jsonl'));
      fs.copyFileSync(fx.template, path.join(project, 't.prompt'));
      fs.symlinkSync(project, path.join(dir, 'link-to-D'));
      projectFiles = fingerprint([project]);
    });
    const inD = (out: string, ...more: string[]) => ['train', '--model', path.join(project, 'model'), '--train', path.join(project, 'train.jsonl'), '--template', path.join(project, 't.prompt'), '--out', out, '--steps', '1', ...more];
    const cases: [string, () => string, RegExp][] = [
      ['the folder holding every input', () => project, /^ptune: --out \S+\/D holds the input --model \S+; replacing it would delete that input: choose another path\n$/],
      ['a symbolic link to that folder', () => path.join(dir, 'link-to-D'), /^ptune: --out \S+\/link-to-D holds the input --model /],
      ['the training data file itself', () => path.join(project, 'train.jsonl'), /^ptune: --out \S+\/train\.jsonl is also the input --train \S+; writing it would destroy that input: choose another path\n$/],
      ['the model folder', () => path.join(project, 'model'), /^ptune: --out \S+\/model is also the input --model /],
      ['a filesystem root', () => '/', /^ptune: --out \/ is a filesystem root; choose a new folder for the output\n$/],
    ];
    for (const [what, out, message] of cases) {
      it(`--overwrite with --out = ${what}: refused, nothing touched`, () => {
        const r = ptuneSync(inD(out(), '--overwrite'));
        assert.strictEqual(r.code, 1, r.stderr);
        assert.match(r.stderr, message);
        unchanged(projectFiles);
      });
    }
    it('--out = the working directory, or the home directory: refused', () => {
      const home = fs.mkdtempSync(path.join(dir, 'home-'));
      const work = fs.mkdtempSync(path.join(dir, 'work-'));
      const r1 = ptuneSync(inD('.', '--overwrite'), { cwd: work });
      assert.strictEqual(r1.stderr, 'ptune: --out . is the working directory; choose a new folder for the output\n');
      const r2 = ptuneSync(inD(home, '--overwrite'), { env: { HOME: home } });
      assert.strictEqual(r2.stderr, `ptune: --out ${home} is your home directory; choose a new folder for the output\n`);
      const r3 = ptuneSync(inD(path.dirname(home), '--overwrite'), { env: { HOME: home } });
      assert.match(r3.stderr, /is a folder that holds your home directory/);
      unchanged(projectFiles);
    });
    it('--init adapter:DIR with --out DIR: refused (the init adapter is an input)', () => {
      const before = fingerprint([adapter]);
      const r = ptuneSync(trainArgs(adapter, '--overwrite', '--init', `adapter:${adapter}`, '--steps', '1'));
      assert.strictEqual(r.code, 1);
      assert.match(r.stderr, /is also the input --init adapter: /);
      unchanged(before);
    });
  });

  describe('item 3: --predictions and bench --out', () => {
    it('eval --predictions DATAFILE: refused before the model loads, the data byte-identical', () => {
      const before = fingerprint(inputs);
      const r = ptuneSync(['eval', '--model', model, '--data', fx.dev, '--template', fx.template, '--predictions', fx.dev]);
      assert.strictEqual(r.code, 1);
      assert.strictEqual(r.stderr, `ptune: --predictions ${fx.dev} is also the input --data ${fx.dev}; writing it would destroy that input: choose another path\n`);
      unchanged(before);
    });
    it('eval --predictions on a folder, or on a file ptune did not write: refused up front; a previous predictions file is replaced', () => {
      const folder = fs.mkdtempSync(path.join(dir, 'preds-'));
      const r1 = ptuneSync(['eval', '--model', model, '--data', fx.dev, '--template', fx.template, '--predictions', folder]);
      assert.strictEqual(r1.stderr, `ptune: --predictions ${folder} is a folder; give the path of a file to write\n`);
      const notes = path.join(folder, 'notes.txt');
      fs.writeFileSync(notes, 'my notes\n');
      const r2 = ptuneSync(['eval', '--model', model, '--data', fx.dev, '--template', fx.template, '--predictions', notes]);
      assert.strictEqual(r2.stderr, `ptune: --predictions ${notes} exists and is not a predictions file written by ptune; it is never overwritten: choose another file\n`);
      assert.strictEqual(fs.readFileSync(notes, 'utf8'), 'my notes\n');
      const preds = path.join(folder, 'p.jsonl');
      for (let i = 0; i < 2; i++) {
        const r = ptuneSync(['eval', '--model', model, '--data', fx.dev, '--template', fx.template, '--predictions', preds]);
        assert.strictEqual(r.code, 0, r.stderr);
      }
      assert.strictEqual(fs.readFileSync(preds, 'utf8').trim().split('\n').length, 6);
    });
    it('bench --out FILE, or a folder of other files: one message before any model work, nothing touched', () => {
      const before = fingerprint(inputs);
      const r1 = ptuneSync(['bench', '--model', model, '--data', fx.dev, '--hard', fx.template, '--out', fx.train]);
      assert.strictEqual(r1.stderr, `ptune: --out ${fx.train} is a file, not a folder; choose a folder for the report\n`);
      const folder = fs.mkdtempSync(path.join(dir, 'reports-'));
      fs.writeFileSync(path.join(folder, 'report.json'), '{"mine": true}\n');
      const r2 = ptuneSync(['bench', '--model', model, '--data', fx.dev, '--hard', fx.template, '--out', folder]);
      assert.strictEqual(r2.stderr, `ptune: --out ${folder} is not a benchmark report folder (it holds report.json, which ptune bench did not write); choose a new or empty folder, or an earlier report folder\n`);
      const r3 = ptuneSync(['bench', '--model', model, '--data', fx.dev, '--hard', fx.template, '--out', fx.dir]);
      assert.match(r3.stderr, /^ptune: --out \S+ holds the input --data /);
      assert.strictEqual(fs.readFileSync(path.join(folder, 'report.json'), 'utf8'), '{"mine": true}\n');
      unchanged(before);
    });
  });

  describe('item 4: a process killed at each point of a folder replacement', () => {
    const script = (target: string, point: string) => `
      const fs = require('fs'), path = require('path');
      const { replaceFolderAtomic } = require(${JSON.stringify(path.join(repoRoot, 'out', 'src', 'common', 'atomic-write.js'))});
      replaceFolderAtomic(${JSON.stringify(target)}, (temp) => fs.writeFileSync(path.join(temp, 'new.txt'), 'new'),
        { onPoint: (p) => { if (p === ${JSON.stringify(point)}) process.kill(process.pid, 'SIGKILL'); } });`;
    for (const point of REPLACE_POINTS) {
      it(`killed at "${point}": the next write restores a complete folder and leaves nothing beside it`, () => {
        const root = fs.mkdtempSync(path.join(dir, 'kill-'));
        const target = path.join(root, 'adapter');
        fs.mkdirSync(target);
        fs.writeFileSync(path.join(target, 'old.txt'), 'old');
        const r = spawnSync(process.execPath, ['-e', script(target, point)]);
        assert.strictEqual(r.signal, 'SIGKILL');
        const notes = recoverInterruptedWrites(target);
        const afterNew = point === 'new-in-place' || point === 'done';
        assert.deepStrictEqual(fs.readdirSync(target), [afterNew ? 'new.txt' : 'old.txt'], notes.join('\n'));
        assert.deepStrictEqual(fs.readdirSync(root), ['adapter']);
        if (point === 'old-moved-aside') assert.match(notes[0], /adapter was restored from \.adapter\.old-\d+-\d+-[a-z0-9]+, left by a save that was interrupted$/);
      });
    }
    it('killed between the renames of an adapter save: reading it as --soft restores it first', () => {
      const root = fs.mkdtempSync(path.join(dir, 'kill-'));
      const target = path.join(root, 'adapter');
      fs.cpSync(adapter, target, { recursive: true });
      const before = fingerprint([target]);
      assert.strictEqual(spawnSync(process.execPath, ['-e', script(target, 'old-moved-aside')]).signal, 'SIGKILL');
      const r = ptuneSync(['eval', '--model', model, '--data', fx.dev, '--template', fx.template, '--soft', target]);
      assert.strictEqual(r.code, 0, r.stderr);
      assert.deepStrictEqual(fingerprint([target]), before);
      assert.deepStrictEqual(fs.readdirSync(root), ['adapter']);
    });
    it('killed between the renames of an adapter save: the next ptune command restores it byte-identical and says so', () => {
      const root = fs.mkdtempSync(path.join(dir, 'kill-'));
      const target = path.join(root, 'adapter');
      fs.cpSync(adapter, target, { recursive: true });
      const before = fingerprint([target]);
      const r = spawnSync(process.execPath, ['-e', script(target, 'old-moved-aside')]);
      assert.strictEqual(r.signal, 'SIGKILL');
      assert.ok(!fs.existsSync(target));
      const again = ptuneSync(trainArgs(target, '--steps', '1'));
      assert.strictEqual(again.code, 1);
      assert.match(again.stderr, /^ptune: warning: \S+adapter was restored from \.adapter\.old-[^,]+, left by a save that was interrupted\nptune: warning: removed \S+\.adapter\.saving-\S+, left by a save that was interrupted\nptune: --out \S+ already holds a trained soft prompt/);
      assert.deepStrictEqual(fingerprint([target]), before);
      assert.deepStrictEqual(fs.readdirSync(root), ['adapter']);
    });
  });
});
