import { fake } from '../helpers/vscode-fake';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectModel } from '../../src/extension/flows/model';
import { ENTER_ID_LABEL } from '../../src/extension/flows/modelItems';
import { fakeCtx, type FakeCtx } from '../helpers/fake-ctx';

describe('Select Model (flows/model): the list, then a hub id, with Back', () => {
  let w: FakeCtx;
  let cache: string;
  const saved = { HF_HUB_CACHE: process.env.HF_HUB_CACHE, HF_HUB_OFFLINE: process.env.HF_HUB_OFFLINE };
  beforeEach(() => {
    w = fakeCtx({});
    fake.reset(w.root);
    // An empty hub cache, offline: nothing here may reach a network.
    cache = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-flows-hf-'));
    process.env.HF_HUB_CACHE = cache;
    process.env.HF_HUB_OFFLINE = '1';
  });
  afterEach(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    fs.rmSync(cache, { recursive: true, force: true });
    assert.deepEqual(fake.unscripted, [], 'a quick input showed with no scripted answer');
    w.cleanup();
  });

  it('the id box is step 2/2 with Back; an invalid id is refused; Back re-shows the list on the same choice; Escape selects nothing', async () => {
    fake.script({ pick: ENTER_ID_LABEL }, { type: 'not an id!' }, { back: true }, { escape: true });
    assert.equal(await selectModel(w.ctx), undefined);
    assert.deepEqual(fake.inputs.map((i) => [i.kind, i.title, i.step, i.totalSteps, i.hasBack]), [
      ['quickPick', 'Select Model', undefined, undefined, false],
      ['inputBox', 'Hugging Face model id', 2, 2, true],
      ['inputBox', 'Hugging Face model id', 2, 2, true], // the refused id left the box open
      ['quickPick', 'Select Model', 1, 2, false], // the list again: with "Enter a Hugging Face id" chosen, it is step 1 of 2
    ]);
    assert.ok(fake.inputs[1].validationMessage, 'a message for the invalid id');
    assert.deepEqual(fake.inputs[3].selected, [ENTER_ID_LABEL]);
    assert.deepEqual(fake.messages, []);
  });
});
