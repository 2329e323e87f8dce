import { fake, Uri } from '../helpers/vscode-fake';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { trainSoftPrompt } from '../../src/extension/flows/train';
import { DEFAULT_METHOD, TUNING_METHODS } from '../../src/tuning/methods/index';
import { fakeCtx, type FakeCtx } from '../helpers/fake-ctx';
import { workspaceFiles } from '../helpers/flows-fixture';

describe('Train Soft Prompt (flows/train): the data questions and the options as one flow', () => {
  let w: FakeCtx;
  const file = (relative: string) => path.join(w.root, relative);
  const prompt = () => Uri.file(file('prompts/a.prompt')) as never;
  const options = 'Train a soft prompt for a.prompt';
  beforeEach(() => {
    w = fakeCtx(workspaceFiles());
    fake.reset(w.root);
  });
  afterEach(() => {
    assert.deepEqual(fake.unscripted, [], 'a quick input showed with no scripted answer');
    w.cleanup();
  });

  it('training file 1/3 → dev file 2/3 → options 3/3; Start training runs the job with the settings\' options', async () => {
    fake.script({ pick: 'data/train.jsonl' }, { pick: 'data/dev.jsonl' }, { pick: 'Start training' });
    await trainSoftPrompt(w.ctx, prompt());
    assert.deepEqual(fake.inputs.map((i) => [i.title, i.step, i.totalSteps, i.hasBack]), [
      ['Which training dataset for a.prompt?', 1, 3, false],
      ['Which dev dataset for a.prompt?', 2, 3, true],
      [options, 3, 3, true],
    ]);
    assert.equal(fake.inputs[1].items[0], '$(circle-slash) None', 'the dev set is optional');
    assert.equal(w.jobs.length, 1);
    const { kind, params } = w.jobs[0];
    assert.equal(kind, 'train');
    assert.equal(params.template, file('prompts/a.prompt'));
    assert.equal(params.train, file('data/train.jsonl'));
    assert.equal(params.eval, file('data/dev.jsonl'));
    assert.equal(params.method, DEFAULT_METHOD);
    assert.equal(params.virtualTokens, 8); // promptTuning.training.virtualTokens of the fake settings
    assert.equal(params.batchSize, 4);
    assert.equal(params.epochs, 3);
    assert.equal(params.steps, undefined);
    assert.match(String(params.out), new RegExp(`^${w.root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/soft-prompts/a-\\d{8}-\\d{6}$`));
    assert.deepEqual(w.studioShown, ['training']);
    assert.deepEqual(w.ctx.state.datasetsFor(file('prompts/a.prompt')), { train: file('data/train.jsonl'), dev: file('data/dev.jsonl') });
  });

  it('options changed in the menu reach the job: virtual tokens, steps instead of epochs, optimizer; a bad number is refused', async () => {
    await w.ctx.state.setDatasetsFor(file('prompts/a.prompt'), { train: file('data/train.jsonl'), dev: file('data/dev.jsonl') });
    fake.script(
      { pick: 'Virtual tokens' }, { type: '0' }, { type: '16' },
      { pick: 'Steps' }, { type: '50' },
      { pick: 'Optimizer' }, { pick: 'sgd' },
      { pick: 'Start training' },
    );
    await trainSoftPrompt(w.ctx, prompt());
    // Both files remembered: the options are the only question, without a step number.
    assert.deepEqual(fake.inputs.filter((i) => i.title === options).map((i) => [i.step, i.hasBack]), [[undefined, false], [undefined, false], [undefined, false], [undefined, false]]);
    assert.equal(fake.inputs.find((i) => i.title === 'Virtual tokens')?.validationMessage, 'a whole number ≥ 1');
    const params = w.jobs[0].params;
    assert.equal(params.virtualTokens, 16);
    assert.equal(params.steps, 50);
    assert.equal(params.epochs, undefined);
    assert.equal(params.optimizer, 'sgd');
    // The menu's first line describes what Start will run.
    const last = fake.inputs.filter((i) => i.title === options).pop()!;
    assert.match(last.items[0], /Start training/);
  });

  it('switching the method moves a length left at its default to the new method\'s default', async () => {
    await w.ctx.state.setDatasetsFor(file('prompts/a.prompt'), { train: file('data/train.jsonl') });
    w.ctx.config.training.virtualTokens = TUNING_METHODS[DEFAULT_METHOD].defaults.virtualTokens;
    fake.script({ pick: 'None' }, { pick: 'Method' }, { pick: 'prefix-tuning' }, { pick: 'Start training' });
    await trainSoftPrompt(w.ctx, prompt());
    const params = w.jobs[0].params;
    assert.equal(params.method, 'prefix-tuning');
    assert.equal(params.virtualTokens, TUNING_METHODS['prefix-tuning'].defaults.virtualTokens);
    assert.equal(params.eval, undefined, 'None: no dev set');
  });

  it('Back from the options returns to the dev question with the earlier answer; changing it changes the job', async () => {
    fake.script({ pick: 'data/train.jsonl' }, { pick: 'data/dev.jsonl' }, { back: true }, { pick: 'data/test.jsonl' }, { pick: 'Start training' });
    await trainSoftPrompt(w.ctx, prompt());
    assert.deepEqual(fake.inputs.map((i) => `${i.step}/${i.totalSteps}`), ['1/3', '2/3', '3/3', '2/3', '3/3']);
    assert.deepEqual(fake.inputs[3].selected, ['data/dev.jsonl'], 'the earlier answer is highlighted');
    assert.equal(w.jobs[0].params.eval, file('data/test.jsonl'));
    // The options menu shows the new dev file.
    assert.ok(fake.inputs[4].items.includes('Dev data'));
  });

  it('Escape on the options (or any step) starts no job', async () => {
    fake.script({ pick: 'data/train.jsonl' }, { escape: true });
    await trainSoftPrompt(w.ctx, prompt());
    assert.equal(w.jobs.length, 0);
    fake.reset(w.root);
    fake.script({ pick: 'data/dev.jsonl' }, { pick: 'Batch size' }, { escape: true }, { escape: true });
    await trainSoftPrompt(w.ctx, prompt());
    // Escape on an option's own question returns to the menu; Escape on the menu ends the flow.
    assert.deepEqual(fake.inputs.map((i) => i.title), ['Which dev dataset for a.prompt?', options, 'Batch size', options]);
    assert.equal(w.jobs.length, 0);
    assert.equal(w.runs.length, 0);
  });
});
