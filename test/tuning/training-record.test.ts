/** ptune_training.json: what the train use case writes reads back the same, and the reader names every bad field. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadPromptFile } from '../../src/prompts';
import { TRAINING_RECORD_FILE } from '../../src/tuning/adapter';
import { resolveTrainOptions } from '../../src/tuning/train-options';
import { checkpointRecord, runTraining, setUpTraining, startTrainingRecord } from '../../src/tuning/train-run';
import { parseTrainingRecord, readTrainingRecord, TRAINING_RECORD_FORMAT_VERSION, type TrainingRecord } from '../../src/tuning/training-record';
import type { Checkpoint } from '../../src/tuning/trainer';
import { FakeEngine } from '../helpers/fake-engine';
import { writeFixture } from '../helpers/tuning-fixtures';
import { userErrorMessage } from '../helpers/user-error';

describe('tuning/training-record', () => {
  let dir: string;
  let record: TrainingRecord;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-record-'));
    const fx = writeFixture(path.join(dir, 'data'));
    const engine = new FakeEngine({ hiddenSize: 4, seed: 1 });
    const prompt = await loadPromptFile(fx.template);
    const options = resolveTrainOptions({ method: 'p-tuning', encoderHiddenSize: 3, virtualTokens: 2, steps: 2, batchSize: 2, evalEvery: 1 });
    const setup = await setUpTraining(engine, prompt, options);
    const tok = engine.tokenizer;
    const train = ['a fun film', 'a dull film'].map((t, i) => ({ promptIds: tok.encode(t), continuations: [tok.encode(' no'), tok.encode(' yes')], gold: i === 0 ? 1 : 0 }));
    const start = startTrainingRecord({
      writtenBy: 'ptune train', engineVersion: 'test', startedAt: '2026-12-07T00:00:00.000Z', info: engine.info, prompt,
      train: { file: fx.train, hash: 'abc', rows: 2, truncatedRows: 0 }, eval: { file: fx.dev, hash: 'def', rows: 2, truncatedRows: 0 }, seed: 0, setup, maxLength: 64,
    });
    const curve: TrainingRecord['curve'] = [];
    const evals: TrainingRecord['evals'] = [];
    let last: Checkpoint | undefined;
    const outcome = await runTraining(setup, {
      engine, train, dev: train,
      onProgress: (p) => {
        if (p.type === 'step') curve.push({ step: p.step, loss: p.loss, lr: p.lr });
        if (p.type === 'eval') evals.push({ step: p.step, loss: p.loss, accuracy: p.accuracy });
      },
      onCheckpoint: (c) => void (last = c),
    });
    record = checkpointRecord(start, { config: setup.config, checkpoint: last!, curve, evals, outcome });
    fs.writeFileSync(path.join(dir, TRAINING_RECORD_FILE), JSON.stringify(record, null, 2));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('round trip: the record of a P-tuning run reads back field for field, its method included', () => {
    const read = readTrainingRecord(dir)!;
    assert.deepEqual(read, JSON.parse(JSON.stringify(record)));
    assert.deepEqual(read.method, { name: 'p-tuning', encoderHiddenSize: 3, encoderResidual: true });
    assert.equal(read.writtenBy, 'ptune train');
    assert.equal(read.formatVersion, TRAINING_RECORD_FORMAT_VERSION);
    assert.equal(read.curve.length, 2);
    assert.equal(read.evals.length, 3);
    assert.equal(read.result?.stopReason, 'completed');
    assert.match(read.init.description, /text: .*virtual tokens = inputs \+ MLP 4→3→3→4/);
  });

  it('a folder without a record (a PEFT adapter) has none; bad JSON is named', () => {
    const empty = fs.mkdtempSync(path.join(dir, 'peft-'));
    assert.equal(readTrainingRecord(empty), undefined);
    fs.writeFileSync(path.join(empty, TRAINING_RECORD_FILE), '{"tool": ');
    assert.match(userErrorMessage(() => readTrainingRecord(empty)), /ptune_training\.json: not valid JSON/);
  });

  it('records written before `method` and `writtenBy` existed are prompt tuning', () => {
    const old = JSON.parse(JSON.stringify(record)) as Record<string, unknown>;
    delete old.method;
    delete old.writtenBy;
    const read = parseTrainingRecord(old, 'old.json');
    assert.deepEqual(read.method, { name: 'prompt-tuning' });
    assert.equal(read.writtenBy, undefined);
  });

  it('exports made before `writtenBy` named their writer in `tool`; they read as ptune\'s', () => {
    const old = JSON.parse(JSON.stringify(record)) as Record<string, unknown>;
    old.tool = 'ptune export-peft (train.py)';
    delete old.writtenBy;
    const read = parseTrainingRecord(old, 'old.json');
    assert.deepEqual([read.tool, read.writtenBy], ['ptune', 'ptune export-peft (train.py)']);
  });

  const broken: [string, (r: Record<string, any>) => void, RegExp][] = [
    ['not ptune\'s', (r) => (r.tool = 'peft'), /^f\.json: tool must be "ptune" \(a record ptune wrote\), got "peft"$/],
    ['a newer format', (r) => (r.formatVersion = TRAINING_RECORD_FORMAT_VERSION + 1), /^f\.json: formatVersion 2 is newer than this ptune reads \(1\); update ptune$/],
    ['an unknown writer', (r) => (r.writtenBy = 'someone'), /^f\.json: writtenBy must be one of "ptune train", "ptune bench --tune", "ptune export-peft \(train\.py\)", got "someone"$/],
    ['no prompt text', (r) => delete r.prompt.source, /^f\.json: prompt\.source must be a string, got undefined$/],
    ['a bad soft-prompt placement', (r) => (r.prompt.softPrompt = 'middle'), /^f\.json: prompt\.softPrompt must be "prefix" or "marker", got "middle"$/],
    ['a bad row count', (r) => (r.data.train.rows = -1), /^f\.json: data\.train\.rows must be a whole number ≥ 0, got -1$/],
    ['an unknown method', (r) => (r.method = { name: 'lora' }), /^f\.json: method\.name must be one of prompt-tuning, p-tuning, prefix-tuning, got "lora"$/],
    ['a P-tuning record without its encoder size', (r) => delete r.method.encoderHiddenSize, /^f\.json: method\.encoderHiddenSize must be a whole number ≥ 1, got undefined$/],
    ['a curve point without a step', (r) => delete r.curve[1].step, /^f\.json: curve\[1\]\.step must be a whole number ≥ 0, got undefined$/],
    ['an accuracy above 1', (r) => (r.evals[0].accuracy = 2), /^f\.json: evals\[0\]\.accuracy must be a number in \[0, 1\], got 2$/],
    ['negative seconds', (r) => (r.timings.seconds = -3), /^f\.json: timings\.seconds must be a number ≥ 0, got -3$/],
    ['no virtual tokens', (r) => (r.numVirtualTokens = 0), /^f\.json: numVirtualTokens must be a whole number ≥ 1, got 0$/],
  ];
  for (const [what, spoil, message] of broken) {
    it(`refuses ${what}, naming the file and field`, () => {
      const copy = JSON.parse(JSON.stringify(record)) as Record<string, any>;
      spoil(copy);
      assert.match(userErrorMessage(() => parseTrainingRecord(copy, 'f.json')), message);
    });
  }
});
