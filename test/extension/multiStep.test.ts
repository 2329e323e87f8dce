import { fake } from '../helpers/vscode-fake';
import * as assert from 'node:assert/strict';
import { askOne, cancelFlow, runSteps, type Step } from '../../src/extension/flows/multiStep';

interface Answers { colour?: string; size?: string; name?: string; sizeAsked?: boolean }

const colours = ['red', 'green', 'blue'].map((label) => ({ label }));
const sizes = ['small', 'large'].map((label) => ({ label }));

/** colour → size (skipped for blue) → name. */
function steps(a: Answers): Step<Answers>[] {
  return [
    { run: async (input) => { a.colour = (await input.pick({ title: 'Colour', items: colours, active: colours.find((c) => c.label === a.colour) })).label; } },
    { skip: () => a.colour === 'blue', run: async (input) => { a.size = (await input.pick({ title: 'Size', items: sizes, active: sizes.find((s) => s.label === a.size) })).label; } },
    { run: async (input) => { a.name = await input.input({ title: 'Name', value: a.name, validate: (t) => (t.trim() ? undefined : 'a name, please') }); } },
  ];
}

describe('multi-step quick input (flows/multiStep)', () => {
  beforeEach(() => fake.reset());
  afterEach(() => assert.deepEqual(fake.unscripted, [], 'a quick input showed with no scripted answer'));

  it('numbers the steps k/n in order, with Back on all but the first', async () => {
    const a: Answers = {};
    fake.script({ pick: 'red' }, { pick: 'large' }, { type: 'Ada' });
    assert.equal(await runSteps(a, steps(a)), true);
    assert.deepEqual(a, { colour: 'red', size: 'large', name: 'Ada' });
    assert.deepEqual(fake.inputs.map((i) => [i.title, i.step, i.totalSteps, i.hasBack]), [
      ['Colour', 1, 3, false], ['Size', 2, 3, true], ['Name', 3, 3, true],
    ]);
  });

  it('Back re-shows the previous step with the earlier answer highlighted, and the new answer replaces it', async () => {
    const a: Answers = {};
    fake.script({ pick: 'green' }, { pick: 'large' }, { back: true }, { back: true }, { pick: 'red' }, { accept: true }, { type: 'Bo' });
    assert.equal(await runSteps(a, steps(a)), true);
    assert.deepEqual(fake.inputs.map((i) => `${i.title} ${i.step}/${i.totalSteps} [${i.selected.join(',')}]`), [
      'Colour 1/3 [red]', 'Size 2/3 [small]', 'Name 3/3 []',
      'Size 2/3 [large]', // Back from Name: the size chosen before is highlighted
      'Colour 1/3 [green]', // Back again: so is the colour
      'Size 2/3 [large]', // forward again: Enter keeps the earlier size
      'Name 3/3 []',
    ]);
    assert.deepEqual(a, { colour: 'red', size: 'large', name: 'Bo' });
  });

  it('a skipped step counts in neither the step number nor the total, and Back passes over it', async () => {
    const a: Answers = {};
    fake.script({ pick: 'blue' }, { back: true }, { pick: 'blue' }, { type: 'Cy' });
    assert.equal(await runSteps(a, steps(a)), true);
    assert.deepEqual(fake.inputs.map((i) => [i.title, i.step, i.totalSteps]), [
      ['Colour', 1, 3], ['Name', 2, 2],
      ['Colour', 1, 2], // the total follows the answers so far: blue leaves Size out
      ['Name', 2, 2],
    ]);
    assert.equal(a.size, undefined);
  });

  it('Escape on any step ends the whole flow', async () => {
    const a: Answers = {};
    fake.script({ pick: 'red' }, { escape: true });
    assert.equal(await runSteps(a, steps(a)), false);
    assert.equal(a.name, undefined);
    assert.equal(fake.inputs.length, 2);
  });

  it('an input box refuses Enter while its text is invalid', async () => {
    const a: Answers = {};
    fake.script({ pick: 'blue' }, { type: '  ' }, { type: 'Di' });
    assert.equal(await runSteps(a, steps(a)), true);
    assert.equal(fake.inputs[1].validationMessage, 'a name, please');
    assert.equal(a.name, 'Di');
  });

  it('a quiet step (a check) counts as no step, and cancelFlow() from it ends the flow', async () => {
    const a: Answers = {};
    const checked: string[] = [];
    const flow: Step<Answers>[] = [
      steps(a)[0],
      { quiet: true, run: async () => { checked.push(a.colour!); if (a.colour === 'red') cancelFlow(); } },
      steps(a)[2],
    ];
    fake.script({ pick: 'green' }, { back: true }, { pick: 'red' });
    assert.equal(await runSteps(a, flow), false);
    assert.deepEqual(fake.inputs.map((i) => [i.title, i.step, i.totalSteps]), [['Colour', 1, 2], ['Name', 2, 2], ['Colour', 1, 2]]);
    assert.deepEqual(checked, ['green', 'red']);
  });

  it('a lone question shows no step number and no Back', async () => {
    fake.script({ pick: 'green' });
    assert.equal((await askOne((input) => input.pick({ title: 'Colour', items: colours })))?.label, 'green');
    assert.deepEqual([fake.inputs[0].step, fake.inputs[0].totalSteps, fake.inputs[0].hasBack], [undefined, undefined, false]);
    fake.script({ escape: true });
    assert.equal(await askOne((input) => input.pick({ title: 'Colour', items: colours })), undefined);
  });

  it('pickMany starts with the picked items ticked, and Back keeps what was ticked', async () => {
    const state: { chosen: string[]; then?: string } = { chosen: [] };
    const items = () => colours.map((c) => ({ ...c, picked: state.chosen.length > 0 ? state.chosen.includes(c.label) : c.label === 'blue' }));
    fake.script({ accept: true }, { back: true }, { pick: ['red', 'green'] }, { back: true }, { accept: true }, { pick: 'small' });
    assert.equal(await runSteps(state, [
      { run: async (input) => { state.chosen = (await input.pickMany({ title: 'Colours', items: items() })).map((i) => i.label); } },
      { run: async (input) => { state.then = (await input.pick({ title: 'Size', items: sizes })).label; } },
    ]), true);
    assert.deepEqual(fake.inputs.filter((i) => i.title === 'Colours').map((i) => i.selected), [['blue'], ['blue'], ['red', 'green']]);
    assert.deepEqual(state, { chosen: ['red', 'green'], then: 'small' });
  });
});
