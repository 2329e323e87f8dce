import '../helpers/register-vscode-fake'; // before the extension modules: they take l10n from 'vscode'
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describeDiscovery, discoveredFileName } from '../../src/extension/flows/discoveryResult';
import type { DiscoverResult } from '../../src/worker/protocol';

describe('Find a Hard Prompt: file name and outcome', () => {
  it('writes beside the prompt file under a name that does not exist yet, never over one', () => {
    const file = path.join('/w', 'sst2.prompt');
    const taken = new Set([path.join('/w', 'sst2-hard.prompt'), path.join('/w', 'sst2-hard-2.prompt')]);
    assert.equal(discoveredFileName(file, () => false), path.join('/w', 'sst2-hard.prompt'));
    assert.equal(discoveredFileName(file, (f) => taken.has(f)), path.join('/w', 'sst2-hard-3.prompt'));
  });

  const result = (over: Partial<DiscoverResult>): DiscoverResult => ({
    out: '/w/sst2-hard.prompt', saved: true, ids: [1, 2], text: ' great film', pieces: [' great', ' film'], selectedOn: 'dev', bestLoss: 0.6, bestStep: 40,
    initialLoss: 0.7, initialText: ' the', steps: 200, totalSteps: 200, seconds: 60, stopReason: 'completed', retokenized: null,
    accuracy: { on: 'dev', file: '/w/dev.jsonl', n: 300, template: 0.511, discovered: 0.604 }, warnings: [], ...over,
  });

  it('says what was found and both accuracies on the same rows', () => {
    assert.equal(describeDiscovery(result({})), 'Found " great film" · dev accuracy 60.4% vs the template\'s 51.1% (300 rows)');
    assert.equal(describeDiscovery(result({ accuracy: null })), 'Found " great film"');
  });

  it('says why nothing was written', () => {
    assert.equal(describeDiscovery(result({ saved: false, stopReason: 'cancelled' })), 'No hard prompt written: cancelled');
    assert.equal(describeDiscovery(result({ saved: false, stopReason: 'diverged', stopMessage: 'the loss became NaN at step 3' })), 'No hard prompt written: the loss became NaN at step 3');
  });
});
