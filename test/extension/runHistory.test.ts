import '../helpers/register-vscode-fake'; // before the extension modules: they take l10n from 'vscode'
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ModelInfo, SoftPrompt } from '../../src/engine/api';
import { saveAdapter } from '../../src/tuning/adapter';
import { TRAINING_RECORD_FORMAT_VERSION } from '../../src/tuning/training-record';
import { outputFolder, RUN_HISTORY_FILE, RunHistory, runItem, type NewRun } from '../../src/extension/artifacts/runHistory';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-run-history-'));
let made = 0;
const fresh = () => path.join(root, String(made++), RUN_HISTORY_FILE);

const evaluation = (title: string): NewRun => ({
  kind: 'evaluation', title, model: '/models/gpt2', promptFiles: ['/ws/a.prompt'],
  data: [{ role: 'dev', file: '/ws/dev.jsonl', hash: 'cd'.repeat(32), rows: 10 }], parameters: { limit: 10 }, outputs: {},
});

/** A clock that moves one second per call, so start times order the runs. */
function clock(start = Date.parse('2026-12-07T10:00:00Z')): () => Date {
  let t = start;
  return () => new Date((t += 1000));
}

describe('extension/artifacts/runHistory: the JSON-lines run store', () => {
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('appends runs and reads them back, newest first; a finished run\'s last line wins', () => {
    const file = fresh();
    const history = new RunHistory(file, { now: clock() });
    const a = history.start(evaluation('first'));
    const b = history.start(evaluation('second'));
    assert.equal(a.status, 'running');
    history.finish(a.id, 'done', { metrics: { accuracy: 0.75 }, outputs: { predictions: '/ws/p.jsonl' } });
    const again = new RunHistory(file);
    const runs = again.list();
    assert.deepEqual(runs.map((r) => [r.title, r.status]), [['second', 'running'], ['first', 'done']]);
    assert.equal(runs[1].metrics?.accuracy, 0.75);
    assert.ok(runs[1].endedAt);
    assert.equal(again.get(b.id)?.title, 'second');
    assert.equal(fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length, 3, 'appended, not rewritten');
  });

  it('a corrupt line is skipped with one warning naming the file and line; no other line is lost, and appending still works', () => {
    const file = fresh();
    const history = new RunHistory(file, { now: clock() });
    history.start(evaluation('before'));
    fs.appendFileSync(file, '{"formatVersion":1,"id":"x","kind":"evaluation","status":"done","tit\n'); // torn by a crash
    fs.appendFileSync(file, `${JSON.stringify({ formatVersion: 1, id: 'y', kind: 'meeting', status: 'done', title: 't', startedAt: '2026-12-07T09:00:00Z', model: 'm', promptFiles: [], data: [], parameters: {}, outputs: {} })}\n`);
    const warnings: string[] = [];
    const reader = new RunHistory(file, { warn: (m) => warnings.push(m), now: clock(Date.parse('2026-12-08T00:00:00Z')) });
    reader.start(evaluation('after'));
    assert.deepEqual(reader.list().map((r) => r.title), ['after', 'before']);
    reader.list();
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.match(warnings[0], new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: not valid JSON`));
    assert.match(warnings[1], /:3: kind must be one of training, evaluation, benchmark, discovery, got "meeting"; the line is skipped/);
    assert.equal(fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length, 4, 'the corrupt lines stay in the file');
  });

  it('a last line torn without its newline does not swallow the next record', () => {
    const file = fresh();
    const history = new RunHistory(file, { now: clock() });
    history.start(evaluation('one'));
    fs.appendFileSync(file, '{"torn":');
    history.start(evaluation('two'));
    const warnings: string[] = [];
    assert.deepEqual(new RunHistory(file, { warn: (m) => warnings.push(m) }).list().map((r) => r.title), ['two', 'one']);
    assert.equal(warnings.length, 1);
  });

  it('runs left running by a host that is gone are marked interrupted; a live host\'s run is left alone', () => {
    const file = fresh();
    const alive = new Set<number>([process.pid]);
    const history = new RunHistory(file, { now: clock(), isAlive: (pid) => alive.has(pid) });
    const mine = history.start(evaluation('mine'));
    const other = history.start(evaluation('other window'));
    history.update(other.id, { host: { pid: 424242 } });
    const marked = history.markInterrupted();
    assert.deepEqual(marked.map((r) => r.title), ['other window']);
    assert.equal(history.get(other.id)?.status, 'interrupted');
    assert.match(history.get(other.id)?.message ?? '', /Interrupted/);
    assert.equal(history.get(mine.id)?.status, 'running');
    assert.deepEqual(history.markInterrupted(), [], 'marked once');
    // A host shutting down (window reload) interrupts its own running runs at once; an ended run stays as it ended.
    assert.equal(history.interrupt(mine.id)?.status, 'interrupted');
    assert.equal(history.interrupt(mine.id), undefined);
    assert.equal(history.get(mine.id)?.status, 'interrupted');
  });

  it('an interrupted training gets the step and curve of the checkpoint its adapter folder holds', () => {
    const file = fresh();
    const adapter = path.join(path.dirname(file), 'adapter');
    const info: ModelInfo = { dir: '/m', modelType: 'gpt2', hiddenSize: 2, numLayers: 1, numHeads: 1, numKeyValueHeads: 1, headDim: 2, vocabSize: 10, maxPositions: 16, nameOrPath: 'gpt2' };
    const soft: SoftPrompt = { numVirtual: 1, hiddenSize: 2, data: Float32Array.from([1, 2]) };
    saveAdapter(adapter, {
      info, soft, origin: { init: 'RANDOM' },
      record: {
        tool: 'ptune', formatVersion: TRAINING_RECORD_FORMAT_VERSION, method: { name: 'prompt-tuning' },
        prompt: { file: '/ws/a.prompt', name: 'a', task: 'classification', softPrompt: 'prefix', source: 'x' },
        data: { train: { file: '/ws/t.jsonl', hash: 'h', rows: 8, truncatedRows: 0 } }, seed: 0, init: { description: 'random' }, numVirtualTokens: 1,
        checkpoint: { step: 12, reason: 'best', eval: { step: 12, loss: 0.5, accuracy: 0.625 } },
        curve: [{ step: 1, loss: 0.9 }, { step: 12, loss: 0.5 }], evals: [{ step: 12, loss: 0.5, accuracy: 0.625 }],
      },
    });
    const history = new RunHistory(file, { now: clock(), isAlive: () => false });
    const run = history.start({ ...evaluation('Train a.prompt'), kind: 'training', outputs: { adapter } });
    const noCheckpoint = history.start({ ...evaluation('Train b.prompt'), kind: 'training', outputs: { adapter: path.join(root, 'never-written') } });
    history.markInterrupted();
    const after = history.get(run.id)!;
    assert.equal(after.status, 'interrupted');
    assert.equal(after.checkpointStep, 12);
    assert.deepEqual(after.curve, { loss: [{ step: 1, value: 0.9 }, { step: 12, value: 0.5 }], devAccuracy: [{ step: 12, value: 0.625 }] });
    assert.match(after.message ?? '', /last good checkpoint \(step 12\)/);
    assert.match(history.get(noCheckpoint.id)?.message ?? '', /No checkpoint was saved/);
    const item = runItem(after);
    assert.match(item.description, /^interrupted · /);
    assert.match(item.contextValue, /\bcurve\b/);
    assert.match(item.contextValue, /\boutput\b/);
    assert.equal(outputFolder(after), adapter);
  });

  it('compacts superseded lines atomically, keeping every run\'s last state', () => {
    const file = fresh();
    const history = new RunHistory(file, { now: clock() });
    const ids = [history.start(evaluation('a')).id, history.start(evaluation('b')).id];
    for (let i = 0; i < 70; i++) history.update(ids[i % 2], { metrics: { accuracy: i / 100 } });
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
    assert.ok(lines < 64, `${lines} lines after compaction`);
    const reread = new RunHistory(file).list();
    assert.deepEqual(reread.map((r) => [r.title, r.metrics?.accuracy]), [['b', 0.69], ['a', 0.68]]);
  });

  it('tree items: a benchmark offers its report; a done run shows its headline metric', () => {
    const history = new RunHistory(fresh(), { now: clock() });
    const run = history.start({ ...evaluation('Benchmark 3 prompts'), kind: 'benchmark' });
    const done = history.finish(run.id, 'done', { outputs: { report: '/ws/benchmarks/b1/report.json' }, metrics: { accuracy: 0.9 } })!;
    const item = runItem(done);
    assert.match(item.description, /^accuracy 90\.0% · /);
    assert.deepEqual(item.contextValue.split(' '), ['run', 'benchmark', 'done', 'report', 'output']);
    assert.equal(outputFolder(done), '/ws/benchmarks/b1');
  });
});
