/**
 * Issue 12: a catalogue of hostile and careless inputs, each run through the real CLI (`node bin/ptune.js`)
 * as a child process. For every case: a non-zero exit, exactly one `ptune:` error line naming the file or
 * field, no "internal error", no stack trace, no raw control character on the terminal, no output written,
 * and every input byte-identical afterwards.
 *
 * Left out (done by other engineers in src/engine, not on this branch): a tokenizer with ids beyond the
 * model's vocabulary (item 9), config.json sizes that are not integers (item 10), a checkpoint tensor
 * holding NaN reported by name at load (item 8, model side) and an I32 tensor reported as missing (item 15).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encodeSafetensors, readSafetensors } from '../../src/engine/models/safetensors';
import { writeTinyGpt2 } from '../helpers/tiny-model';
import { writeFixture, writeJsonl, type Fixture } from '../helpers/tuning-fixtures';
import { fingerprint, ptuneSync } from '../helpers/subprocess';

interface Case {
  /** What is hostile, and the issue item. */
  what: string;
  args: () => string[];
  /** The one error line (after "ptune: "). */
  message: RegExp;
  /** Paths that must not exist afterwards (outputs the command would have written). */
  notWritten?: () => string[];
}

describe('robustness: hostile inputs through the CLI (one clear message, nothing touched)', function () {
  let dir: string;
  let model: string;
  let fx: Fixture;
  let adapter: string;
  const files: Record<string, string> = {};

  const promptFile = (name: string, frontMatter: string[], body: string) => {
    const file = path.join(dir, 'hostile', name);
    fs.writeFileSync(file, ['---', 'name: t', 'task: classification', 'inputs: [text]', ...frontMatter, '---', body, ''].join('\n'));
    return file;
  };
  const labels = ['labels:', '  negative: " no"', '  positive: " yes"'];

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-hostile-'));
    fs.mkdirSync(path.join(dir, 'hostile'));
    model = writeTinyGpt2(path.join(dir, 'model')).dir;
    fx = writeFixture(path.join(dir, 'data'));
    adapter = path.join(dir, 'adapter');
    const trained = ptuneSync(['train', '--model', model, '--train', fx.train, '--template', fx.template, '--out', adapter, '--virtual-tokens', '2', '--steps', '2']);
    assert.strictEqual(trained.code, 0, trained.stderr);

    // A soft prompt with one NaN (item 8).
    files.nanAdapter = path.join(dir, 'hostile', 'nan-adapter');
    fs.cpSync(adapter, files.nanAdapter, { recursive: true });
    const weights = path.join(files.nanAdapter, 'adapter_model.safetensors');
    const prompt = readSafetensors(weights).get('prompt_embeddings')!;
    const data = Float32Array.from(prompt.data);
    data[3] = NaN;
    fs.writeFileSync(weights, encodeSafetensors({ prompt_embeddings: { shape: prompt.shape, data } }));

    // A model whose final layer norm holds a NaN: every score is NaN (item 8, evaluation side).
    files.nanModel = path.join(dir, 'hostile', 'nan-model');
    fs.cpSync(model, files.nanModel, { recursive: true });
    const modelWeights = path.join(files.nanModel, 'model.safetensors');
    const tensors = readSafetensors(modelWeights);
    const out: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const [name, t] of tensors) out[name] = { shape: t.shape, data: Float32Array.from(t.data) };
    out['transformer.ln_f.bias'].data[0] = NaN;
    fs.writeFileSync(modelWeights, encodeSafetensors(out));

    files.rangeBomb = promptFile('bomb.prompt', labels, '{% for i in range(100000000) %}x{% endfor %}{{ text }}');
    files.loopBomb = promptFile('loops.prompt', labels, '{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}{{ text }}');
    files.raises = promptFile('raises.prompt', labels, '{{ raise_exception("reviews must be short") }}{{ text }}');
    files.emptyLabel = promptFile('empty-label.prompt', ['labels:', '  "": " no"', '  positive: " yes"'], '{{ text }}');
    files.escLabelData = writeJsonl(path.join(dir, 'hostile', 'esc-label.jsonl'), [{ text: 'a film', label: 'positive' }, { text: 'b film', label: 'neg\u001b]0;pwned\u0007' }]);
    files.txt = path.join(dir, 'hostile', 'data.txt');
    fs.writeFileSync(files.txt, '{"text": "a", "label": "positive"}\n');
    files.badJson = path.join(dir, 'hostile', 'bad.jsonl');
    fs.writeFileSync(files.badJson, '{"text": "a", "label": "positive"}\n{"text": "b", "label": \n');
    files.hugeLine = path.join(dir, 'hostile', 'huge.jsonl');
    fs.writeFileSync(files.hugeLine, Buffer.concat([Buffer.from('{"text": "a", "label": "positive"}\n{"text": "'), Buffer.alloc(65 << 20, 0x61), Buffer.from('", "label": "negative"}\n')]));
    files.notesFile = path.join(dir, 'hostile', 'notes.txt');
    fs.writeFileSync(files.notesFile, 'my notes\n');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const evalArgs = (...more: string[]) => ['eval', '--model', model, '--data', fx.dev, '--template', fx.template, ...more];
  const trainArgs = (out: string, ...more: string[]) => ['train', '--model', model, '--train', fx.train, '--template', fx.template, '--out', out, ...more];

  const cases: Case[] = [
    { what: 'train --out = the folder holding the data and prompt, with --overwrite (item 2)', args: () => trainArgs(fx.dir, '--overwrite'), message: /^--out \S+ holds the input --train \S+train\.jsonl; replacing it would delete that input/ },
    { what: 'train --out = an existing trained adapter, without --overwrite (item 1)', args: () => trainArgs(adapter, '--steps', '1'), message: /^--out \S+adapter already holds a trained soft prompt; pass --overwrite/ },
    { what: 'train --out = a notes file, with --overwrite (item 2)', args: () => trainArgs(files.notesFile, '--overwrite'), message: /^--out \S+notes\.txt is a file, not a folder/ },
    { what: 'eval --predictions = the data file (item 3)', args: () => evalArgs('--predictions', fx.dev), message: /^--predictions \S+dev\.jsonl is also the input --data / },
    { what: 'eval --predictions = a file ptune did not write (item 3)', args: () => evalArgs('--predictions', files.notesFile), message: /^--predictions \S+notes\.txt exists and is not a predictions file written by ptune/ },
    { what: 'eval --predictions = a folder (item 3)', args: () => evalArgs('--predictions', path.join(dir, 'hostile')), message: /^--predictions \S+hostile is a folder; give the path of a file/ },
    { what: 'bench --out = a file (items 3, 15)', args: () => ['bench', '--model', model, '--data', fx.dev, '--hard', fx.template, '--out', files.notesFile], message: /^--out \S+notes\.txt is a file, not a folder; choose a folder for the report$/ },
    { what: 'template with a 100,000,000-long range() (item 5)', args: () => ['eval', '--model', model, '--data', fx.dev, '--template', files.rangeBomb], message: /^\S+dev\.jsonl:1: \S+bomb\.prompt: range\(\) of 100,000,000 numbers is longer than the limit of 100,000$/ },
    { what: 'template with 10^10 loop iterations (item 5)', args: () => ['eval', '--model', model, '--data', fx.dev, '--template', files.loopBomb], message: /^\S+dev\.jsonl:1: \S+loops\.prompt: the template took (more than 100,000 evaluation steps|longer than 1000 ms to render)/ },
    { what: 'template calling raise_exception (item 11)', args: () => ['eval', '--model', model, '--data', fx.dev, '--template', files.raises], message: /^\S+dev\.jsonl:1: \S+raises\.prompt: the template raised an error: reviews must be short$/ },
    { what: 'prompt file with an empty label (item 15)', args: () => ['eval', '--model', model, '--data', fx.dev, '--template', files.emptyLabel], message: /^\S+empty-label\.prompt:6:3: a label must not be empty or blank/ },
    { what: 'data label holding a terminal escape sequence (item 14)', args: () => ['eval', '--model', model, '--data', files.escLabelData, '--template', fx.template], message: /label "neg\\u001b\]0;pwned\\u0007" in \S+esc-label\.jsonl \(first on line 2\) has no entry under labels/ },
    { what: '--data is a folder (item 15)', args: () => ['eval', '--model', model, '--data', fx.dir, '--template', fx.template], message: /^\S+data is a folder, not a dataset file/ },
    { what: '--data with an unknown extension (item 15)', args: () => ['eval', '--model', model, '--data', files.txt, '--template', fx.template], message: /^\S+data\.txt: cannot tell the dataset format from the extension "\.txt"; the file name must end in \.jsonl/ },
    { what: 'a JSONL line longer than 64 MiB (item 13)', args: () => ['eval', '--model', model, '--data', files.hugeLine, '--template', fx.template], message: /^\S+huge\.jsonl:2: the line is longer than 64 MiB, the longest line read/ },
    { what: 'bad JSON on a line (baseline)', args: () => ['eval', '--model', model, '--data', files.badJson, '--template', fx.template], message: /^\S+bad\.jsonl:2: bad JSON/ },
    { what: '--threads 999 (item 6)', args: () => evalArgs('--threads', '999'), message: new RegExp(`^--threads 999 is more than the ${os.availableParallelism()} cores of this machine`) },
    { what: '--virtual-tokens beyond the model\'s positions (item 6)', args: () => trainArgs(path.join(dir, 'vt-out'), '--virtual-tokens', '100000000'), message: /^--virtual-tokens: 100000000 virtual tokens do not fit the 128 positions of the model \S+model/, notWritten: () => [path.join(dir, 'vt-out')] },
    { what: 'eval --soft with a NaN in the adapter (item 8)', args: () => evalArgs('--soft', files.nanAdapter), message: /^\S+nan-adapter\/adapter_model\.safetensors: tensor "prompt_embeddings" holds NaN at index \d+ \(flat\) of shape \[\d+,\d+\]; weights must be finite/ },
    { what: 'train --init adapter: with a NaN in the adapter (item 8)', args: () => trainArgs(path.join(dir, 'nan-out'), '--init', `adapter:${files.nanAdapter}`), message: /^\S+nan-adapter\/adapter_model\.safetensors: tensor "prompt_embeddings" holds NaN at index/, notWritten: () => [path.join(dir, 'nan-out')] },
    { what: 'a model with a NaN weight (item 8: refused at load, naming the tensor)', args: () => ['eval', '--model', files.nanModel, '--data', fx.dev, '--template', fx.template], message: /^\S+nan-model\/model\.safetensors: tensor "transformer\.ln_f\.bias" holds NaN at index 0 \(flat\) of shape \[8\]; weights must be finite/ },
  ];

  for (const c of cases) {
    it(c.what, function () {
      const inputs = [model, fx.dir, adapter, path.join(dir, 'hostile')];
      const before = fingerprint(inputs);
      const r = ptuneSync(c.args());
      assert.notStrictEqual(r.code, 0, `exit code 0\n${r.stderr}`);
      assert.strictEqual(r.signal, null);
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('ptune: ') && !l.startsWith('ptune: warning: '));
      assert.strictEqual(errors.length, 1, r.stderr);
      assert.match(errors[0].slice('ptune: '.length), c.message);
      assert.doesNotMatch(r.stderr + r.stdout, /internal error|This is a bug/);
      assert.doesNotMatch(r.stderr + r.stdout, /\n\s+at .+:\d+:\d+\)?\n/);
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(r.stderr + r.stdout, /[\u0000-\u0008\u000b-\u001f\u007f]/, 'raw control characters reached the terminal');
      assert.deepStrictEqual(fingerprint(inputs), before);
      for (const p of c.notWritten?.() ?? []) assert.ok(!fs.existsSync(p), `${p} was written`);
    });
  }

  it('bench --soft without --template evaluates the prompt text the adapter\'s record holds, not the path it names (item 16)', () => {
    const moved = path.join(dir, 'moved-adapter');
    fs.cpSync(adapter, moved, { recursive: true });
    const recordFile = path.join(moved, 'ptune_training.json');
    const record = JSON.parse(fs.readFileSync(recordFile, 'utf8')) as { prompt: { file: string } };
    // A path from another machine: reading it would fail (and reading whatever is there would be worse).
    record.prompt.file = '/nonexistent/other-machine/sentiment.prompt';
    fs.writeFileSync(recordFile, JSON.stringify(record));
    const out = path.join(dir, 'bench-16');
    const r = ptuneSync(['bench', '--model', model, '--data', fx.dev, '--soft', moved, '--out', out, '--no-projection', '--json']);
    assert.strictEqual(r.code, 0, r.stderr);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as { prompts: { kind: string; metrics: { n?: number } }[] };
    assert.deepStrictEqual(report.prompts.map((p) => p.kind), ['soft']);
  });
});
