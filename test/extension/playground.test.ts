import '../helpers/register-vscode-fake'; // before the extension modules: they take l10n from 'vscode'
import * as assert from 'node:assert/strict';
import { NO_SOFT_PROMPT, PlaygroundRun, waitingColumns } from '../../src/extension/views/playgroundRun';
import { isHostMessage, isPlaygroundViewState, parseWebviewMessage, type PlaygroundViewState } from '../../src/extension/views/protocol';
import type { PlaygroundResult } from '../../src/worker/protocol';

const SETTINGS = { temperature: 0.7, topP: 0.9, maxNewTokens: 20, seed: 3 };

function viewState(extra: Partial<PlaygroundViewState> = {}): PlaygroundViewState {
  return { file: 'qa.prompt', task: 'generation', inputs: ['question'], values: { question: 'Why?' }, rowCount: 2, softPrompt: 'adapters/a', settings: SETTINGS, jobId: '', columns: waitingColumns(true), ...extra };
}

describe('playground: messages', () => {
  it('accepts a run with inputs and settings in range, a row and the soft-prompt request', () => {
    const run = { type: 'playgroundRun', values: { question: 'Why <b>?' }, settings: SETTINGS };
    assert.deepEqual(parseWebviewMessage(run), run);
    assert.deepEqual(parseWebviewMessage({ type: 'playgroundRow', index: 4 }), { type: 'playgroundRow', index: 4 });
    assert.deepEqual(parseWebviewMessage({ type: 'playgroundSoftPrompt' }), { type: 'playgroundSoftPrompt' });
  });

  it('rejects settings out of range, fractional counts, extra fields and non-text inputs', () => {
    const bad = [
      { ...SETTINGS, temperature: -0.1 },
      { ...SETTINGS, temperature: 6 },
      { ...SETTINGS, topP: 0 },
      { ...SETTINGS, topP: 1.5 },
      { ...SETTINGS, maxNewTokens: 2.5 },
      { ...SETTINGS, maxNewTokens: 0 },
      { ...SETTINGS, seed: -1 },
      { ...SETTINGS, seed: Number.NaN },
      { ...SETTINGS, extra: 1 },
      { temperature: 1, topP: 1, maxNewTokens: 1 },
    ];
    for (const settings of bad) assert.equal(parseWebviewMessage({ type: 'playgroundRun', values: {}, settings }), undefined, JSON.stringify(settings));
    assert.equal(parseWebviewMessage({ type: 'playgroundRun', values: { q: 1 }, settings: SETTINGS }), undefined);
    assert.equal(parseWebviewMessage({ type: 'playgroundRun', values: { q: 'x'.repeat(100_001) }, settings: SETTINGS }), undefined);
    assert.equal(parseWebviewMessage({ type: 'playgroundRun', values: { q: 'x' }, settings: SETTINGS, more: true }), undefined);
    assert.equal(parseWebviewMessage({ type: 'playgroundRow', index: -1 }), undefined);
    assert.equal(parseWebviewMessage({ type: 'playgroundSoftPrompt', dir: '/etc' }), undefined);
  });

  it('the webview accepts a well-formed playground slice and refuses a malformed one', () => {
    const state = viewState({ columns: [{ id: 'hard', text: '<img src=x onerror=alert(1)>', tokens: 5, status: 'done', message: '5 tokens' }, ...waitingColumns(true).slice(1)] });
    assert.ok(isPlaygroundViewState(state));
    assert.ok(isHostMessage({ type: 'state', state: { model: {}, jobs: [], playground: state } }));
    for (const broken of [
      { ...state, columns: [{ ...state.columns[0], id: 'other' }] },
      { ...state, columns: [{ ...state.columns[0], tokens: -1 }] },
      { ...state, columns: [{ ...state.columns[0], labels: [{ label: 'a', probability: 2 }] }] },
      { ...state, settings: { ...SETTINGS, topP: 7 } },
      { ...state, task: 'summarise' },
      { ...state, html: '<b>' },
    ]) {
      assert.equal(isPlaygroundViewState(broken), false, JSON.stringify(broken).slice(0, 120));
      assert.equal(isHostMessage({ type: 'state', state: { model: {}, jobs: [], playground: broken } }), false);
    }
  });
});

describe('playground: a run', () => {
  it('streams each column, throttled, and ends with the result’s text', async () => {
    const drawn: PlaygroundViewState[] = [];
    const run = new PlaygroundRun(viewState(), (v) => drawn.push(v), 20);
    assert.deepEqual(run.state.columns.map((c) => c.status), ['waiting', 'waiting', 'waiting']);
    run.started('job-7');
    assert.equal(drawn.length, 1);
    run.progress({ type: 'projection', text: ' great film' });
    run.progress({ type: 'text', column: 'hard', text: 'Be', tokens: 1 });
    run.progress({ type: 'text', column: 'hard', text: 'cause', tokens: 2 });
    assert.equal(drawn.length, 1, 'pieces wait for the next redraw');
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.equal(drawn.length, 2);
    assert.deepEqual([drawn[1].columns[0].text, drawn[1].columns[0].status, drawn[1].projectedText], ['Because', 'running', ' great film']);
    run.progress({ type: 'column', result: { column: 'hard', text: 'Because', tokens: 2, finishReason: 'eos', tokensPerSecond: 12.5 } });
    assert.equal(drawn.length, 3, 'a finished column is drawn at once');
    assert.deepEqual([run.state.columns[0].status, run.state.columns[0].message], ['done', '2 tokens · end of sequence · 12.5 tokens/s']);
    const result: PlaygroundResult = {
      task: 'generation',
      columns: [
        { column: 'hard', text: 'Because', tokens: 2, finishReason: 'eos', tokensPerSecond: 12.5 },
        { column: 'soft', text: 'So', tokens: 1, finishReason: 'length', tokensPerSecond: 9 },
        { column: 'projected', text: 'Hm', tokens: 1, finishReason: 'stop', tokensPerSecond: 9 },
      ],
      projectedText: ' great film',
      warnings: ['soft: the input was cut'],
    };
    run.done(result);
    assert.deepEqual(run.state.columns.map((c) => [c.id, c.text, c.status]), [['hard', 'Because', 'done'], ['soft', 'So', 'done'], ['projected', 'Hm', 'done']]);
    assert.equal(run.state.jobId, '');
    assert.equal(run.state.message, 'soft: the input was cut');
    const count = drawn.length;
    run.progress({ type: 'text', column: 'soft', text: 'late', tokens: 9 });
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.equal(drawn.length, count, 'nothing after the end');
  });

  it('keeps the text so far when cancelled and marks the columns that had not finished', () => {
    const run = new PlaygroundRun(viewState(), () => {}, 10_000);
    run.started('job-1');
    run.progress({ type: 'column', result: { column: 'hard', text: 'A', tokens: 1 } });
    run.progress({ type: 'text', column: 'soft', text: 'partial', tokens: 3 });
    run.stopped('cancelled');
    assert.deepEqual(run.state.columns.map((c) => [c.text, c.status]), [['A', 'done'], ['partial', 'cancelled'], ['', 'cancelled']]);
  });

  it('skips the soft columns without a soft prompt, and shows classification probabilities', () => {
    const run = new PlaygroundRun(viewState({ softPrompt: undefined, task: 'classification' }), () => {});
    assert.deepEqual(run.state.columns.map((c) => [c.status, c.message]), [['waiting', undefined], ['skipped', NO_SOFT_PROMPT], ['skipped', NO_SOFT_PROMPT]]);
    run.done({ task: 'classification', columns: [{ column: 'hard', labels: [{ label: 'neg', logProb: -2, probability: 0.2 }, { label: 'pos', logProb: -0.6, probability: 0.8 }], predicted: 'pos' }], warnings: [] });
    assert.deepEqual(run.state.columns[0], { id: 'hard', text: '', tokens: 0, status: 'done', labels: [{ label: 'neg', probability: 0.2 }, { label: 'pos', probability: 0.8 }], predicted: 'pos' });
    assert.ok(isPlaygroundViewState(run.state));
  });

  it('a column the job did not run (a prefix adapter has no projection) is skipped with the job\'s reason', () => {
    const run = new PlaygroundRun(viewState({ task: 'classification' }), () => {});
    const labels = [{ label: 'neg', logProb: -2, probability: 0.2 }, { label: 'pos', logProb: -0.6, probability: 0.8 }];
    const why = 'a prefix-tuning adapter holds keys and values inside every layer, with no input token to project to';
    run.done({ task: 'classification', columns: [{ column: 'hard', labels, predicted: 'pos' }, { column: 'soft', labels, predicted: 'pos' }], warnings: [`projected: ${why}`] });
    assert.deepEqual(run.state.columns.map((c) => [c.id, c.status]), [['hard', 'done'], ['soft', 'done'], ['projected', 'skipped']]);
    assert.equal(run.state.columns[2].message, why);
    assert.ok(isPlaygroundViewState(run.state));
  });
});
