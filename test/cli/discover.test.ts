import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { CliIo } from '../../src/cli/io';
import { run } from '../../src/cli/main';
import { loadPromptFile, renderPrompt } from '../../src/prompts';
import { ByteTokenizer, writeFakeModel } from '../helpers/fake-engine';
import { writeFixture, type Fixture } from '../helpers/tuning-fixtures';

const engineModule = path.join(__dirname, '..', 'helpers', 'fake-engine.js');

async function ptune(args: string[]): Promise<{ code: number; stdout: string; stderr: string; json(): Record<string, any> }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: {}, client: { engineModule } };
  const code = await run(args, io);
  return { code, stdout, stderr, json: () => JSON.parse(stdout.trim().split('\n').pop() as string) };
}

describe('cli: ptune discover', function () {
  let dir: string;
  let fx: Fixture;
  let model: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-discover-'));
    fx = writeFixture(path.join(dir, 'data'));
    model = writeFakeModel(path.join(dir, 'model'), { hiddenSize: 6, seed: 2 });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes a .prompt file that parses, holds the discovered ids as text, and scores in ptune eval as reported', async () => {
    const out = path.join(dir, 'found.prompt');
    const r = await ptune(['discover', '--model', model, '--train', fx.train, '--template', fx.template, '--eval', fx.dev, '--out', out, '--tokens', '3', '--steps', '8', '--batch-size', '4', '--eval-every', '2', '--init', 'vocab', '--json']);
    assert.strictEqual(r.code, 0, r.stderr);
    const j = r.json();
    assert.strictEqual(j.out, out);
    assert.strictEqual(j.ids.length, 3);
    assert.strictEqual(j.steps, 8);
    const written = await loadPromptFile(out);
    assert.strictEqual(written.name, 'sentiment-discovered');
    assert.ok(written.source.startsWith(`---\n# written by ptune discover (PEZ, 3 tokens, 8 steps, seed 0) from sentiment.prompt; token ids ${JSON.stringify(j.ids)}\n`), written.source);
    // The text decodes from the ids; it re-encodes to them exactly when every byte is a whole character.
    const tok = new ByteTokenizer();
    assert.strictEqual(j.text, tok.decode(j.ids));
    const roundTrip = JSON.stringify(tok.encode(j.text)) === JSON.stringify(j.ids);
    assert.strictEqual(j.retokenized.roundTrip, roundTrip);
    assert.strictEqual(j.retokenized.rowsDiffering, roundTrip ? 0 : 6);
    assert.strictEqual(renderPrompt(written, { text: 'a gem' }).text, `${j.text}Text: a gem Good?`);
    // ptune eval on the written file and on the template gives the accuracies discover reported.
    const onFile = await ptune(['eval', '--model', model, '--data', fx.dev, '--template', out, '--json']);
    const onTemplate = await ptune(['eval', '--model', model, '--data', fx.dev, '--template', fx.template, '--json']);
    assert.strictEqual(onFile.code, 0, onFile.stderr);
    assert.deepStrictEqual(j.accuracy, { on: 'dev', file: path.resolve(fx.dev), n: 6, discovered: onFile.json().accuracy, template: onTemplate.json().accuracy });
    // Rerunning onto its own output replaces it; the human summary puts both accuracies side by side.
    const again = await ptune(['discover', '--model', model, '--train', fx.train, '--template', fx.template, '--eval', fx.dev, '--out', out, '--tokens', '3', '--steps', '8', '--batch-size', '4', '--eval-every', '2', '--init', 'vocab']);
    assert.strictEqual(again.code, 0, again.stderr);
    assert.match(again.stdout, /^accuracy on dev \(6 rows\): discovered \d+\.\d% · template \d+\.\d%$/m);
    assert.match(again.stdout, new RegExp(`prompt written to ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  it('from the instruction text (a tiny lr keeps its projection), the ids round-trip and the file reads as template text', async () => {
    const out = path.join(dir, 'text.prompt');
    const r = await ptune(['discover', '--model', model, '--train', fx.train, '--template', fx.template, '--out', out, '--tokens', '4', '--steps', '2', '--lr', '1e-9', '--eval-every', '1', '--json']);
    assert.strictEqual(r.code, 0, r.stderr);
    const j = r.json();
    assert.strictEqual(j.text, 'Text');
    assert.deepStrictEqual(j.retokenized, { roundTrip: true, reencodedIds: [...Buffer.from('Text')], rowsDiffering: 0, rows: 14 });
    assert.strictEqual(j.accuracy.on, 'train');
    assert.strictEqual((await loadPromptFile(out)).body, 'TextText: {{ text }} Good?\n');
  });

  it('a token that is not a whole character re-encodes differently: the file holds what it decodes to, and that is reported', async () => {
    const template = path.join(dir, 'accent.prompt');
    fs.writeFileSync(template, fs.readFileSync(fx.template, 'utf8').replace('Text: {{ text }} Good?', 'é {{ text }} Good?'));
    const out = path.join(dir, 'accent-found.prompt');
    const r = await ptune(['discover', '--model', model, '--train', fx.train, '--template', template, '--eval', fx.dev, '--out', out, '--tokens', '1', '--steps', '1', '--lr', '1e-9', '--json']);
    assert.strictEqual(r.code, 0, r.stderr);
    const j = r.json();
    assert.deepStrictEqual(j.ids, [0xc3]);
    assert.deepStrictEqual(j.retokenized, { roundTrip: false, reencodedIds: [0xef, 0xbf, 0xbd], rowsDiffering: 6, rows: 6 });
    assert.match(r.stderr, /ptune: warning: the written text does not tokenize back to exactly the discovered ids \(alone it encodes to \[239,191,189\]; 6 of 6 evaluated rows differ/);
    assert.strictEqual((await loadPromptFile(out)).body, '\ufffdé {{ text }} Good?\n');
  });

  describe('bad input: one message, nothing written or touched', () => {
    const base = () => ['discover', '--model', model, '--train', fx.train, '--template', fx.template];
    const oneLine = (stderr: string, pattern: RegExp) => {
      assert.strictEqual(stderr.trim().split('\n').length, 1, stderr);
      assert.match(stderr.trim(), pattern);
    };

    it('--tokens 0', async () => {
      const out = path.join(dir, 'zero.prompt');
      const r = await ptune([...base(), '--out', out, '--tokens', '0']);
      assert.strictEqual(r.code, 1);
      oneLine(r.stderr, /^ptune: --tokens must be a positive whole number, got "0"$/);
      assert.ok(!fs.existsSync(out));
    });

    it('--out equal to an input, or not a .prompt, or a file discover did not write', async () => {
      const before = fs.readFileSync(fx.template, 'utf8');
      const same = await ptune([...base(), '--out', fx.template]);
      assert.strictEqual(same.code, 1);
      oneLine(same.stderr, /^ptune: --out .*sentiment\.prompt is also the input --template .*; writing it would destroy that input: choose another path$/);
      assert.strictEqual(fs.readFileSync(fx.template, 'utf8'), before);
      const notPrompt = await ptune([...base(), '--out', path.join(dir, 'found.txt')]);
      oneLine(notPrompt.stderr, /^ptune: --out .*found\.txt: the discovered prompt is a prompt file; give a path ending in \.prompt$/);
      const mine = path.join(dir, 'mine.prompt');
      fs.writeFileSync(mine, before);
      const other = await ptune([...base(), '--out', mine]);
      assert.strictEqual(other.code, 1);
      oneLine(other.stderr, /^ptune: --out .*mine\.prompt exists and is not a prompt file ptune discover wrote; it is never overwritten: choose another file$/);
      assert.strictEqual(fs.readFileSync(mine, 'utf8'), before);
    });

    it('a few-shot template', async () => {
      const shots = path.join(dir, 'shots.prompt');
      fs.writeFileSync(shots, fs.readFileSync(fx.template, 'utf8').replace('task: classification', 'task: classification\nshots: 1'));
      const r = await ptune(['discover', '--model', model, '--train', fx.train, '--template', shots, '--out', path.join(dir, 'shots-found.prompt')]);
      assert.strictEqual(r.code, 1);
      oneLine(r.stderr, /^ptune: .*shots\.prompt: ptune discover cannot write its discovered text into this prompt: it has few-shot examples/);
    });
  });
});
