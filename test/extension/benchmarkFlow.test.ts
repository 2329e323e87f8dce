import { fake } from '../helpers/vscode-fake';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { benchmark } from '../../src/extension/flows/benchmark';
import { fakeCtx, type FakeCtx } from '../helpers/fake-ctx';
import { workspaceFiles } from '../helpers/flows-fixture';

describe('Benchmark Prompts (flows/benchmark) as a multi-step flow', () => {
  let w: FakeCtx;
  const file = (relative: string) => path.join(w.root, relative);
  const setUp = (options: Parameters<typeof workspaceFiles>[0] = {}) => {
    w = fakeCtx(workspaceFiles(options));
    fake.reset(w.root);
  };
  afterEach(() => {
    assert.deepEqual(fake.unscripted, [], 'a quick input showed with no scripted answer');
    w?.cleanup();
  });

  it('hard prompts → soft prompts → test dataset, numbered 1/3..3/3; the bench job gets the test file', async () => {
    setUp({ softPromptEval: 'data/dev.jsonl' });
    fake.script({ pick: ['a.prompt', 'b.prompt'] }, { pick: ['sp1'] }, { pick: 'data/test.jsonl' });
    await benchmark(w.ctx);
    assert.deepEqual(fake.inputs.map((i) => [i.title, i.step, i.totalSteps, i.hasBack]), [
      ['Benchmark: hard prompts to compare', 1, 3, false],
      ['Benchmark: soft prompts to compare (none is fine)', 2, 3, true],
      ['Benchmark: which test dataset (held out from training and dev) for a.prompt?', 3, 3, true],
    ]);
    // The data files of the workspace, not package.json.
    assert.ok(!fake.inputs[2].items.some((label) => label.includes('package.json')));
    assert.equal(w.jobs.length, 1);
    const { kind, params } = w.jobs[0];
    assert.equal(kind, 'bench');
    assert.equal(params.data, file('data/test.jsonl'));
    assert.deepEqual(params.hard, [file('prompts/a.prompt'), file('prompts/b.prompt')]);
    assert.deepEqual(params.soft, [file('adapters/sp1')]);
    assert.equal(params.train, undefined);
    assert.equal(w.ctx.state.datasetsFor(file('prompts/a.prompt')).test, file('data/test.jsonl'), 'the test file is remembered for the first prompt');
    assert.deepEqual(w.runs[0].data, [{ role: 'test', file: file('data/test.jsonl') }]);
    assert.equal(w.runs[0].status, 'failed'); // the fake job refuses to run
    assert.ok(fake.messages.some((m) => m.severity === 'error' && m.message.startsWith('Benchmark: job refused by the test')));
  });

  it('Back from the test dataset re-shows the soft prompts, then the hard prompts, with the earlier ticks', async () => {
    setUp({ softPromptEval: 'data/dev.jsonl' });
    fake.script({ pick: ['b.prompt'] }, { pick: ['sp1'] }, { back: true }, { back: true }, { accept: true }, { pick: [] }, { pick: 'data/test.jsonl' });
    await benchmark(w.ctx);
    assert.deepEqual(fake.inputs.map((i) => `${i.step}/${i.totalSteps}`), ['1/3', '2/3', '3/3', '2/3', '1/3', '2/3', '3/3']);
    assert.deepEqual(fake.inputs[0].selected, [], 'nothing ticked at first (no prompt is open)');
    assert.deepEqual(fake.inputs[3].selected, ['sp1'], 'Back: the soft prompt ticked before');
    assert.deepEqual(fake.inputs[4].selected, ['b.prompt'], 'Back again: the hard prompt ticked before');
    assert.deepEqual(fake.inputs[5].selected, ['sp1']);
    assert.equal(fake.inputs[3].title, 'Benchmark: soft prompts to compare (none is fine)');
    assert.equal(fake.inputs[4].title, 'Benchmark: hard prompts to compare');
    assert.deepEqual(w.jobs[0].params.hard, [file('prompts/b.prompt')]);
    assert.deepEqual(w.jobs[0].params.soft, [], 'the soft prompt was unticked on the second pass');
  });

  it('Escape on the test dataset starts no job and remembers nothing', async () => {
    setUp({ softPromptEval: 'data/dev.jsonl' });
    fake.script({ pick: ['a.prompt'] }, { accept: true }, { escape: true });
    await benchmark(w.ctx);
    assert.equal(fake.inputs.length, 3);
    assert.equal(w.jobs.length, 0);
    assert.equal(w.runs.length, 0);
    assert.equal(w.ctx.state.datasetsFor(file('prompts/a.prompt')).test, undefined);
  });

  it('no soft prompts in the workspace: that step is left out of the count (1/2, 2/2)', async () => {
    setUp();
    fake.script({ pick: ['a.prompt'] }, { pick: 'data/test.jsonl' });
    await benchmark(w.ctx);
    assert.deepEqual(fake.inputs.map((i) => [i.step, i.totalSteps]), [[1, 2], [2, 2]]);
    assert.deepEqual(w.jobs[0].params.soft, []);
  });

  it('a remembered test file is used without asking; the hard prompts\' step counted it (it depends on the first prompt picked)', async () => {
    setUp();
    await w.ctx.state.setDatasetFor(file('prompts/a.prompt'), 'test', file('data/test.jsonl'));
    fake.script({ accept: true });
    await benchmark(w.ctx, { hard: file('prompts/a.prompt') });
    assert.deepEqual(fake.inputs[0].selected, ['a.prompt'], 'the prompt to compare with is ticked');
    assert.deepEqual(fake.inputs.map((i) => [i.title, i.step, i.totalSteps]), [['Benchmark: hard prompts to compare', 1, 2]]);
    assert.equal(w.jobs[0].params.data, file('data/test.jsonl'));
  });

  it('warns before starting when the test file is the one keep-best chose the soft prompt on; Benchmark Anyway goes on', async () => {
    setUp({ softPromptEval: 'data/test.jsonl' });
    fake.script({ pick: ['a.prompt'] }, { pick: ['sp1'] }, { pick: 'data/test.jsonl' }, { button: 'Benchmark Anyway' });
    await benchmark(w.ctx);
    const warning = fake.messages.find((m) => m.severity === 'warning');
    assert.ok(warning?.modal, 'a modal warning');
    assert.match(warning.message, /The test set test\.jsonl is not held out: keep-best chose the checkpoint of sp1 on it/);
    assert.equal(w.jobs.length, 1);
    assert.ok(w.output.some((line) => line.startsWith('warn: benchmark: The test set test.jsonl is not held out')));
  });

  it('the same warning for the prompt\'s dev file; dismissing it starts nothing, Choose Another Test Set opens Select Dataset', async () => {
    setUp();
    await w.ctx.state.setDatasetFor(file('prompts/a.prompt'), 'dev', file('data/test.jsonl'));
    fake.script({ pick: ['a.prompt'] }, { pick: 'data/test.jsonl' }, { button: undefined });
    await benchmark(w.ctx);
    assert.match(fake.messages[0].message, /it is also the dev set/);
    assert.equal(w.jobs.length, 0);

    fake.reset(w.root);
    fake.script({ pick: ['a.prompt'] }, { button: 'Choose Another Test Set' });
    await benchmark(w.ctx); // the test file is remembered now: no dataset question
    assert.equal(w.jobs.length, 0);
    assert.deepEqual(fake.commands.map((c) => [c.command, (c.args[0] as { fsPath: string }).fsPath]), [['promptTuning.selectDataset', file('prompts/a.prompt')]]);
  });

  it('a few-shot prompt without a training file adds a numbered step; its answer is the job\'s train file', async () => {
    setUp({ shots: true });
    fake.script({ pick: ['a.prompt', 'b.prompt'] }, { pick: 'data/test.jsonl' }, { pick: 'data/train.jsonl' });
    await benchmark(w.ctx);
    assert.deepEqual(fake.inputs.map((i) => [i.step, i.totalSteps]), [[1, 2], [2, 3], [3, 3]]);
    assert.match(fake.inputs[2].title ?? '', /b\.prompt uses 2 few-shot examples/);
    assert.equal(w.jobs[0].params.train, file('data/train.jsonl'));
    assert.equal(w.ctx.state.datasetsFor(file('prompts/b.prompt')).train, file('data/train.jsonl'));
  });
  it('Back to the hard prompts and unticking the few-shot one drops its step from the count', async () => {
    setUp({ shots: true });
    fake.script({ pick: ['a.prompt', 'b.prompt'] }, { pick: 'data/test.jsonl' }, { back: true }, { back: true }, { pick: ['a.prompt'] }, { accept: true });
    await benchmark(w.ctx);
    assert.deepEqual(fake.inputs.map((i) => `${i.title?.slice(0, 30)} ${i.step}/${i.totalSteps}`), [
      'Benchmark: hard prompts to com 1/2', 'Benchmark: which test dataset  2/3', 'b.prompt uses 2 few-shot examp 3/3',
      'Benchmark: which test dataset  2/3', 'Benchmark: hard prompts to com 1/3',
      'Benchmark: which test dataset  2/2', // asked again (it was answered before), highlighted; no few-shot step now
    ]);
    assert.deepEqual(fake.inputs[5].selected, ['data/test.jsonl']);
    assert.deepEqual(w.jobs[0].params.hard, [file('prompts/a.prompt')]);
    assert.equal(w.jobs[0].params.train, undefined);
  });
});
