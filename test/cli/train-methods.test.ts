/** `--method` on the command line: P-tuning end to end through the worker, and one-line refusals. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadAdapter } from '../../src/tuning/adapter';
import { readTrainingRecord } from '../../src/tuning/training-record';
import { runPtune } from '../helpers/cli';
import { writeFakeModel } from '../helpers/fake-engine';
import { writeFixture, type Fixture } from '../helpers/tuning-fixtures';

const ptune = (args: string[]) => runPtune(args);

describe('cli: ptune train --method', function () {
  this.timeout(120_000);
  let dir: string;
  let fx: Fixture;
  let model: string;
  const base = () => ['train', '--model', model, '--train', fx.train, '--template', fx.template];
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-cli-methods-'));
    fx = writeFixture(path.join(dir, 'data'));
    model = writeFakeModel(path.join(dir, 'model'), { hiddenSize: 6, seed: 2 });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('p-tuning: trains through the encoder and saves its output as the prompt, with the method in the record and the summary', async () => {
    const out = path.join(dir, 'p-tuned');
    const r = await ptune([...base(), '--eval', fx.dev, '--out', out, '--method', 'p-tuning', '--encoder-hidden-size', '5', '--virtual-tokens', '3', '--steps', '6', '--batch-size', '4', '--lr', '0.05', '--json']);
    assert.strictEqual(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    assert.strictEqual(summary.method, 'p-tuning');
    assert.ok((summary.finalLoss as number) < (summary.initialLoss as number));
    const adapter = loadAdapter(out, { hiddenSize: 6, accept: 'input' });
    assert.strictEqual(adapter.config.peft_type, 'P_TUNING');
    assert.deepStrictEqual([adapter.soft.numVirtual, adapter.soft.hiddenSize], [3, 6]);
    const record = readTrainingRecord(out)!;
    assert.deepStrictEqual(record.method, { name: 'p-tuning', encoderHiddenSize: 5, encoderResidual: true });
    assert.strictEqual(record.writtenBy, 'ptune train');
    assert.strictEqual((record.training as { lr?: number }).lr, 0.05);
  });

  it('an unknown method is one line listing the choices; nothing is written', async () => {
    const out = path.join(dir, 'unknown');
    const r = await ptune([...base(), '--out', out, '--method', 'lora']);
    assert.deepStrictEqual([r.code, r.stderr], [1, 'ptune: --method must be one of prompt-tuning, p-tuning, prefix-tuning, got "lora"\n']);
    assert.ok(!fs.existsSync(out));
  });

  it('a per-method flag with another method, and an init the method cannot use, are one line each', async () => {
    const hidden = await ptune([...base(), '--out', path.join(dir, 'x'), '--encoder-hidden-size', '8']);
    assert.deepStrictEqual([hidden.code, hidden.stderr], [1, 'ptune: --encoder-hidden-size applies to --method p-tuning only, not prompt-tuning\n']);
    const residual = await ptune([...base(), '--out', path.join(dir, 'x'), '--method', 'prefix-tuning', '--no-encoder-residual']);
    assert.deepStrictEqual([residual.code, residual.stderr], [1, 'ptune: --no-encoder-residual applies to --method p-tuning only, not prefix-tuning\n']);
    const init = await ptune([...base(), '--out', path.join(dir, 'x'), '--method', 'prefix-tuning', '--init', 'adapter:somewhere']);
    assert.deepStrictEqual([init.code, init.stderr], [1, 'ptune: --init adapter: is not available for prefix-tuning: use text, vocab, random\n']);
    assert.ok(!fs.existsSync(path.join(dir, 'x')));
  });

  it('prefix tuning: trains key/value prefixes and saves a PREFIX_TUNING adapter that loads back as a prefix', async () => {
    const out = path.join(dir, 'prefix');
    const r = await ptune([...base(), '--out', out, '--method', 'prefix-tuning', '--virtual-tokens', '2', '--steps', '4', '--batch-size', '4', '--json']);
    assert.strictEqual(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    assert.strictEqual(summary.method, 'prefix-tuning');
    const adapter = loadAdapter(out, { hiddenSize: 6, accept: 'any' });
    assert.strictEqual(adapter.config.peft_type, 'PREFIX_TUNING');
    assert.strictEqual((adapter.soft as { kind?: string }).kind, 'prefix');
    assert.strictEqual(adapter.soft.numVirtual, 2);
    assert.deepStrictEqual(readTrainingRecord(out)!.method, { name: 'prefix-tuning' });
  });

  it('prefix tuning with a {{ soft_prompt }} marker inside the prompt is refused before the model loads', async () => {
    const marker = path.join(dir, 'marker.prompt');
    fs.writeFileSync(marker, ['---', 'task: classification', 'inputs: [text]', 'label_column: label', 'labels:', '  negative: " no"', '  positive: " yes"', 'soft_prompt: marker', '---', 'Text: {{ text }} {{ soft_prompt }}Good?', ''].join('\n'));
    const r = await ptune(['train', '--model', model, '--train', fx.train, '--template', marker, '--out', path.join(dir, 'y'), '--method', 'prefix-tuning']);
    assert.deepStrictEqual([r.code, r.stderr], [1, `ptune: ${marker}: prefix tuning puts its keys and values before the whole prompt, so the {{ soft_prompt }} marker has no place to go: use soft_prompt: prefix, or another --method\n`]);
  });

  it('export-peft exports prompt tuning only: another method is refused before anything is written', async () => {
    const out = path.join(dir, 'export');
    const r = await ptune(['export-peft', '--model', model, '--train', fx.train, '--template', fx.template, '--out', out, '--method', 'p-tuning']);
    assert.deepStrictEqual([r.code, r.stderr], [1, 'ptune: ptune export-peft exports prompt tuning only; --method p-tuning is not exported (train it with ptune train --method p-tuning)\n']);
    assert.ok(!fs.existsSync(out));
  });
});
