import * as assert from 'node:assert/strict';
import { isHostMessage, parseWebviewMessage, WEBVIEW_COMMANDS } from '../../src/extension/views/protocol';

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
