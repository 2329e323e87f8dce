import { fake, Uri } from '../helpers/vscode-fake';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { selectDataset, splitDataset } from '../../src/extension/flows/datasets';
import { pickDataset, pickSoftPrompt } from '../../src/extension/flows/pickers';
import { fakeCtx, type FakeCtx } from '../helpers/fake-ctx';
import { workspaceFiles } from '../helpers/flows-fixture';

describe('the pickers (flows/pickers) and the dataset flows (flows/datasets)', () => {
  let w: FakeCtx;
  const file = (relative: string) => path.join(w.root, relative);
  const promptA = () => file('prompts/a.prompt');
  beforeEach(() => {
    w = fakeCtx({ ...workspaceFiles({ softPromptEval: 'data/dev.jsonl' }), 'bench/report.json': '{}', 'adapters/sp1/predictions.jsonl': '{}\n' });
    fake.reset(w.root);
  });
  afterEach(() => {
    assert.deepEqual(fake.unscripted, [], 'a quick input showed with no scripted answer');
    w.cleanup();
  });

  describe('pickDataset', () => {
    it('lists the workspace\'s data files (not package.json, report.json, adapters\' files) and remembers the answer', async () => {
      fake.script({ pick: 'data/dev.jsonl' });
      assert.equal(await pickDataset(w.ctx, promptA(), 'dev'), file('data/dev.jsonl'));
      assert.deepEqual(fake.inputs[0].items, ['data/dev.jsonl', 'data/test.jsonl', 'data/train.jsonl', '$(folder-opened) Browse…']);
      assert.equal(fake.inputs[0].title, 'Which dev dataset for a.prompt?');
      assert.equal(fake.inputs[0].step, undefined, 'a lone question has no step number');
      assert.equal(w.ctx.state.datasetsFor(promptA()).dev, file('data/dev.jsonl'));
    });

    it('a remembered file that exists is used without asking; ask: true asks with it marked current and highlighted', async () => {
      await w.ctx.state.setDatasetFor(promptA(), 'dev', file('data/test.jsonl'));
      assert.equal(await pickDataset(w.ctx, promptA(), 'dev'), file('data/test.jsonl'));
      assert.equal(fake.inputs.length, 0);
      fake.script({ accept: true });
      assert.equal(await pickDataset(w.ctx, promptA(), 'dev', { ask: true }), file('data/test.jsonl'));
      assert.deepEqual(fake.inputs[0].selected, ['data/test.jsonl']);
    });

    it('a remembered file that was deleted is asked for again', async () => {
      await w.ctx.state.setDatasetFor(promptA(), 'train', file('data/gone.jsonl'));
      fake.script({ pick: 'data/train.jsonl' });
      assert.equal(await pickDataset(w.ctx, promptA(), 'train'), file('data/train.jsonl'));
    });

    it('optional offers None (null, nothing remembered); Escape and a cancelled Browse give undefined and keep the old choice', async () => {
      fake.script({ pick: 'None' });
      assert.equal(await pickDataset(w.ctx, promptA(), 'dev', { optional: true }), null);
      assert.equal(w.ctx.state.datasetsFor(promptA()).dev, undefined);
      await w.ctx.state.setDatasetFor(promptA(), 'dev', file('data/dev.jsonl'));
      fake.script({ escape: true }, { pick: 'Browse…' });
      assert.equal(await pickDataset(w.ctx, promptA(), 'dev', { ask: true }), undefined);
      assert.equal(await pickDataset(w.ctx, promptA(), 'dev', { ask: true }), undefined);
      assert.equal(fake.openDialogs, 1);
      assert.equal(w.ctx.state.datasetsFor(promptA()).dev, file('data/dev.jsonl'));
    });
  });

  it('pickSoftPrompt: the last trained first, then the view\'s others; Browse when none fits', async () => {
    const other = file('adapters/sp0');
    (w.ctx.softPrompts as unknown as { list: () => unknown[] }).list = () => [{ dir: other, baseModel: 'gpt2' }, { dir: file('adapters/sp1') }];
    await w.ctx.state.setLastSoftPrompt(file('adapters/sp1'));
    fake.script({ pick: 'sp0' });
    assert.equal(await pickSoftPrompt(w.ctx, 'Which soft prompt?'), other);
    assert.deepEqual(fake.inputs[0].items, ['sp1', 'sp0', '$(folder-opened) Browse…']);
  });

  describe('Select Dataset…', () => {
    it('which role 1/2 → which file 2/2; Back returns to the role with the earlier one highlighted', async () => {
      fake.script({ pick: 'Dev' }, { back: true }, { pick: 'Test' }, { pick: 'data/test.jsonl' });
      await selectDataset(w.ctx, Uri.file(promptA()) as never);
      assert.deepEqual(fake.inputs.map((i) => [i.title, i.step, i.totalSteps]), [
        ['Select Dataset for a.prompt: which role?', 1, 2],
        ['Which dev dataset for a.prompt?', 2, 2],
        ['Select Dataset for a.prompt: which role?', 1, 2],
        ['Which test dataset for a.prompt?', 2, 2],
      ]);
      assert.deepEqual(fake.inputs[2].selected, ['Dev']);
      assert.deepEqual(w.ctx.state.datasetsFor(promptA()), { test: file('data/test.jsonl') });
    });

    it('a role given (the prompt view\'s Change… buttons) asks only for the file, unnumbered', async () => {
      fake.script({ pick: 'data/train.jsonl' });
      await selectDataset(w.ctx, Uri.file(promptA()) as never, 'train');
      assert.deepEqual(fake.inputs.map((i) => [i.title, i.step]), [['Which training dataset for a.prompt?', undefined]]);
      assert.equal(w.ctx.state.datasetsFor(promptA()).train, file('data/train.jsonl'));
    });
  });

  describe('Split Dataset…', () => {
    it('proportions 1/2 → column 2/2 (the prompt\'s label column first); writes the three files; Use for sets the roles', async () => {
      fake.script({ pick: '70 / 15 / 15' }, { back: true }, { pick: '80 / 10 / 10' }, { accept: true }, { button: 'Use for a.prompt' });
      await splitDataset(w.ctx, Uri.file(file('data/train.jsonl')) as never, promptA());
      assert.deepEqual(fake.inputs.map((i) => [i.title, i.step, i.totalSteps, i.selected[0]]), [
        ['Split train.jsonl: proportions', 1, 2, '80 / 10 / 10'],
        ['Split train.jsonl: keep the proportions of which column?', 2, 2, 'label'],
        ['Split train.jsonl: proportions', 1, 2, '70 / 15 / 15'],
        ['Split train.jsonl: keep the proportions of which column?', 2, 2, 'label'],
      ]);
      assert.deepEqual(fake.inputs[1].items, ['label', 'text', '$(circle-slash) Do not stratify']);
      const split = ['train', 'dev', 'test'].map((s) => file(`data/train.${s}.jsonl`));
      const counts = split.map((f) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).length);
      assert.equal(counts.reduce((a, b) => a + b), 8);
      assert.match(fake.messages[0].message, /^Wrote train\.train\.jsonl \(\d+ rows\), train\.dev\.jsonl/);
      assert.deepEqual(w.ctx.state.datasetsFor(promptA()), { train: split[0], dev: split[1], test: split[2] });
    });

    it('Escape on the column writes nothing', async () => {
      fake.script({ accept: true }, { escape: true });
      await splitDataset(w.ctx, Uri.file(file('data/train.jsonl')) as never, promptA());
      assert.equal(fs.existsSync(file('data/train.train.jsonl')), false);
      assert.equal(fake.messages.length, 0);
    });
  });
});
