import * as assert from 'node:assert/strict';
import { isGenerationViewState, isHostMessage, parseWebviewMessage, WEBVIEW_COMMANDS, type GenerationViewState } from '../../src/extension/views/protocol';

describe('webview protocol: parseWebviewMessage', () => {
  it('accepts every well-formed message and returns it unchanged', () => {
    const valid: unknown[] = [
      { type: 'ready' },
      { type: 'copyHardPrompt' },
      { type: 'saveAsPrompt' },
      { type: 'selectRow', index: 0 },
      { type: 'selectRow', index: 871 },
      { type: 'cancelJob', id: 'job-3' },
      ...WEBVIEW_COMMANDS.map((command) => ({ type: 'runCommand', command })),
    ];
    for (const message of valid) assert.deepEqual(parseWebviewMessage(message), message);
  });

  it('rejects anything outside the protocol', () => {
    const invalid: unknown[] = [
      null, undefined, 42, 'ready', [], [{ type: 'ready' }],
      {}, { type: 'unknown' }, { type: 'READY' },
      { type: 'ready', extra: 1 },
      { type: 'selectRow' }, { type: 'selectRow', index: -1 }, { type: 'selectRow', index: 1.5 }, { type: 'selectRow', index: '3' },
      { type: 'selectRow', index: Number.MAX_SAFE_INTEGER + 2 }, { type: 'selectRow', index: 2, file: '/etc/passwd' },
      { type: 'cancelJob' }, { type: 'cancelJob', id: '' }, { type: 'cancelJob', id: 7 }, { type: 'cancelJob', id: 'x'.repeat(201) },
      { type: 'runCommand', command: 'workbench.action.terminal.new' }, { type: 'runCommand', command: 'promptTuning.selectModel', args: ['/tmp'] },
      { type: 'runCommand' }, { type: 'showView', view: 'training' },
      { type: 'copyHardPrompt', text: '<img src=x onerror=alert(1)>' },
    ];
    for (const message of invalid) assert.equal(parseWebviewMessage(message), undefined, JSON.stringify(message));
  });

  it('does not read inherited properties', () => {
    const message = Object.create({ index: 3 }) as Record<string, unknown>;
    message.type = 'selectRow';
    assert.equal(parseWebviewMessage(message), undefined);
  });
});

describe('webview protocol: isHostMessage', () => {
  it('recognises state messages only', () => {
    assert.equal(isHostMessage({ type: 'state', state: { model: {}, jobs: [] } }), true);
    assert.equal(isHostMessage({ type: 'state', state: { jobs: [] } }), false);
    assert.equal(isHostMessage({ type: 'state' }), false);
    assert.equal(isHostMessage({ type: 'notice', text: 'hello' }), false);
    assert.equal(isHostMessage({ type: 'other' }), false);
    assert.equal(isHostMessage('state'), false);
  });
});

describe('webview protocol: the streamed generation', () => {
  const running: GenerationViewState = { jobId: 'job-7', file: 'examples/story.prompt', source: 'row 3', text: 'Once <img src=x onerror=alert(1)>', tokens: 9, status: 'running' };

  it('accepts a well-formed generation slice in every state', () => {
    for (const status of ['running', 'done', 'cancelled', 'failed'] as const) {
      assert.equal(isGenerationViewState({ ...running, status }), true, status);
      assert.equal(isHostMessage({ type: 'state', state: { model: {}, jobs: [], generation: { ...running, status, message: 'why' } } }), true, status);
    }
  });

  it('rejects a state message whose generation slice is malformed', () => {
    const invalid: unknown[] = [
      null, 'text', [], {},
      { ...running, status: 'paused' },
      { ...running, text: 42 },
      { ...running, text: undefined },
      { ...running, tokens: -1 },
      { ...running, tokens: 1.5 },
      { ...running, tokens: '9' },
      { ...running, jobId: undefined },
      { ...running, message: 3 },
      { ...running, html: '<b>x</b>' },
    ];
    for (const generation of invalid) {
      assert.equal(isGenerationViewState(generation), false, JSON.stringify(generation));
      assert.equal(isHostMessage({ type: 'state', state: { model: {}, jobs: [], generation } }), false, JSON.stringify(generation));
    }
  });

  it('lets the panel cancel the generation by its job id', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'cancelJob', id: running.jobId }), { type: 'cancelJob', id: 'job-7' });
  });
});
