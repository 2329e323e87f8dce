import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_HUB_DEMO_MODEL, resolveDemoModel } from '../../src/cli/commands/demo';
import type { CliIo } from '../../src/cli/io';
import { run } from '../../src/cli/main';
import { loadAdapter } from '../../src/tuning/adapter';
import { writeFakeModel } from '../helpers/fake-engine';
import { writeFixture, type Fixture } from '../helpers/tuning-fixtures';

const engineModule = path.join(__dirname, '..', 'helpers', 'fake-engine.js');
const repoRoot = path.resolve(__dirname, '..', '..', '..');

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  /** The last stdout line parsed as JSON. */
  json(): Record<string, unknown>;
}

async function ptune(args: string[], env: Record<string, string> = {}): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env,
    client: { engineModule },
  };
  const code = await run(args, io);
  return {
    code,
    stdout,
    stderr,
    json: () => JSON.parse(stdout.trim().split('\n').pop() as string) as Record<string, unknown>,
  };
}

describe('cli: ptune', function () {
  let dir: string;
  let fx: Fixture;
  let model: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-cli-'));
    fx = writeFixture(path.join(dir, 'data'));
    model = writeFakeModel(path.join(dir, 'model'), { hiddenSize: 6, seed: 2 });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('train --json: the last stdout line is the summary object; the adapter is saved', async () => {
    const out = path.join(dir, 'adapter');
    const r = await ptune(['train', '--model', model, '--train', fx.train, '--template', fx.template, '--eval', fx.dev, '--out', out, '--virtual-tokens', '3', '--steps', '6', '--batch-size', '4', '--json']);
    assert.strictEqual(r.code, 0, r.stderr);
    const j = r.json();
    assert.deepStrictEqual(Object.keys(j).slice(0, 7), ['initialLoss', 'finalLoss', 'bestEvalAccuracy', 'steps', 'seconds', 'examplesPerSecond', 'out']);
    assert.strictEqual(j.steps, 6);
    assert.strictEqual(j.out, out);
    assert.strictEqual(typeof j.bestEvalAccuracy, 'number');
    assert.ok((j.finalLoss as number) < (j.initialLoss as number));
    assert.strictEqual(loadAdapter(out).soft.numVirtual, 3);
  });

  it('train: --loss lm --optimizer sgd --no-shuffle --steps 1 on a file of B rows saves init − lr × gradient', async () => {
    const { FakeEngine } = await import('../helpers/fake-engine');
    const { initSoftPrompt } = await import('../../src/tuning/init');
    const { buildScoredExample, loadPromptFile } = await import('../../src/prompts');
    const { readDataset } = await import('../../src/data');
    const out = path.join(dir, 'one-step');
    const r = await ptune(['train', '--model', model, '--train', fx.train, '--template', fx.template, '--out', out, '--loss', 'lm', '--optimizer', 'sgd', '--lr', '0.5', '--no-shuffle', '--steps', '1', '--batch-size', '14', '--init', 'vocab', '--virtual-tokens', '2', '--json']);
    assert.strictEqual(r.code, 0, r.stderr);
    const engine = new FakeEngine({ hiddenSize: 6, seed: 2 });
    const prompt = await loadPromptFile(fx.template);
    const rows = (await readDataset(fx.train)).rows;
    assert.strictEqual(rows.length, 14);
    const batch = rows.map((row) => buildScoredExample(prompt, row, engine.tokenizer, { maxLength: 1024, numVirtual: 2 }).example);
    const init = initSoftPrompt({ kind: 'vocab' }, { engine, numVirtual: 2, seed: 0 }).soft;
    const { grad } = await engine.lossAndGrad(batch, init, 'lm');
    assert.deepStrictEqual([...loadAdapter(out).soft.data], [...init.data.map((v, i) => v - 0.5 * grad[i])]);
  });

  it('eval --json: accuracy, macro-F1, n, ECE, throughput, per-class and confusion; --predictions writes one line per row', async () => {
    const predictions = path.join(dir, 'p.jsonl');
    const r = await ptune(['eval', '--model', model, '--data', fx.dev, '--template', fx.template, '--predictions', predictions, '--json']);
    assert.strictEqual(r.code, 0, r.stderr);
    const j = r.json();
    for (const key of ['accuracy', 'macroF1', 'n', 'ece', 'examplesPerSecond', 'perClass', 'confusion']) assert.ok(key in j, key);
    assert.strictEqual(j.n, 6);
    assert.strictEqual((j.confusion as number[][]).flat().reduce((a, b) => a + b, 0), 6);
    assert.strictEqual(fs.readFileSync(predictions, 'utf8').trim().split('\n').length, 6);
    const human = await ptune(['eval', '--model', model, '--data', fx.dev, '--template', fx.template]);
    assert.match(human.stdout, /^accuracy \d+\.\d% · macro-F1 \d\.\d{3} · ECE \d\.\d{3} · n 6 · /);
    assert.match(human.stdout, /confusion matrix \(rows: gold, columns: predicted\)/);
  });

  describe('--skip-invalid', () => {
    let dirty: string;
    before(() => {
      // dev.jsonl with bad JSON at line 2 and a row without a label at line 5: the same 6 valid rows.
      const lines = fs.readFileSync(fx.dev, 'utf8').trim().split('\n');
      lines.splice(1, 0, '{"text": "a broken');
      lines.splice(4, 0, JSON.stringify({ text: 'a film with no label' }));
      dirty = path.join(dir, 'dirty.jsonl');
      fs.writeFileSync(dirty, lines.join('\n') + '\n');
    });

    it('eval stops at the first bad row without it; with it, scores the valid rows as the clean file and says which lines it skipped', async () => {
      const strict = await ptune(['eval', '--model', model, '--data', dirty, '--template', fx.template]);
      assert.strictEqual(strict.code, 1);
      assert.match(strict.stderr, /^ptune: .*dirty\.jsonl:2: bad JSON: /m);
      const clean = (await ptune(['eval', '--model', model, '--data', fx.dev, '--template', fx.template, '--json'])).json();
      const r = await ptune(['eval', '--model', model, '--data', dirty, '--template', fx.template, '--skip-invalid', '--json']);
      assert.strictEqual(r.code, 0, r.stderr);
      assert.ok(r.stderr.includes(`ptune: warning: ${dirty} (--data): skipped 2 invalid rows (lines 2, 5)\n`), r.stderr);
      const j = r.json();
      assert.strictEqual(j.n, 6);
      assert.deepStrictEqual([j.accuracy, j.confusion], [clean.accuracy, clean.confusion]);
    });

    it('train reads --train and --eval with it, and names each file it skipped rows of', async () => {
      const out = path.join(dir, 'skip-invalid-adapter');
      const args = ['train', '--model', model, '--train', fx.train, '--eval', dirty, '--template', fx.template, '--out', out, '--virtual-tokens', '2', '--steps', '2'];
      const strict = await ptune(args);
      assert.strictEqual(strict.code, 1);
      assert.match(strict.stderr, /dirty\.jsonl:2: bad JSON: /);
      assert.ok(!fs.existsSync(out));
      const r = await ptune([...args, '--skip-invalid']);
      assert.strictEqual(r.code, 0, r.stderr);
      assert.ok(r.stderr.includes(`ptune: warning: ${dirty} (--eval): skipped 2 invalid rows (lines 2, 5)\n`), r.stderr);
      assert.strictEqual(loadAdapter(out).soft.numVirtual, 2);
    });

    it('bench evaluates the valid rows and records how many it skipped in the report', async () => {
      const args = (data: string, out: string) => ['bench', '--model', model, '--data', data, '--hard', fx.template, '--no-projection', '--out', path.join(dir, out), '--json'];
      const strict = await ptune(args(dirty, 'bench-strict'));
      assert.strictEqual(strict.code, 1);
      assert.match(strict.stderr, /dirty\.jsonl:2: bad JSON: /);
      const clean = (await ptune(args(fx.dev, 'bench-clean'))).json() as { prompts: { accuracy: number }[] };
      const r = await ptune([...args(dirty, 'bench-dirty'), '--skip-invalid']);
      assert.strictEqual(r.code, 0, r.stderr);
      assert.ok(r.stderr.includes(`${dirty} (--data): skipped 2 invalid rows (lines 2, 5)\n`), r.stderr);
      const j = r.json() as { prompts: { accuracy: number }[]; files: { json: string } };
      assert.deepStrictEqual(j.prompts.map((p) => p.accuracy), clean.prompts.map((p) => p.accuracy));
      const report = JSON.parse(fs.readFileSync(j.files.json, 'utf8')) as { dataset: { n: number; skipped: number } };
      assert.deepStrictEqual([report.dataset.n, report.dataset.skipped], [6, 2]);
    });
  });

  describe('errors', () => {
    const base = () => ['train', '--model', model, '--train', fx.train, '--template', fx.template];
    it('a bad number names the flag; nothing is written', async () => {
      const out = path.join(dir, 'bad-lr');
      const r = await ptune([...base(), '--out', out, '--lr', 'abc']);
      assert.strictEqual(r.code, 1);
      assert.strictEqual(r.stderr, 'ptune: --lr must be a positive number, got "abc"\n');
      assert.ok(!fs.existsSync(out));
      const steps = await ptune([...base(), '--out', out, '--steps', '2.5']);
      assert.strictEqual(steps.stderr, 'ptune: --steps must be a positive whole number, got "2.5"\n');
    });
    it('an unknown optimizer is one line', async () => {
      const r = await ptune([...base(), '--out', path.join(dir, 'x'), '--optimizer', 'lion']);
      assert.deepStrictEqual([r.code, r.stderr], [1, 'ptune: unknown optimizer "lion": use one of adamw, adafactor, sgd\n']);
    });
    it('an --out that is not an adapter folder ptune trained is refused, even with --overwrite', async () => {
      const out = path.join(dir, 'taken');
      fs.mkdirSync(out);
      fs.writeFileSync(path.join(out, 'keep.txt'), 'x');
      const r = await ptune([...base(), '--out', out, '--steps', '1']);
      assert.strictEqual(r.code, 1);
      assert.match(r.stderr, /^ptune: --out .*taken exists and is not a soft-prompt folder trained by ptune .*--overwrite only replaces ptune's own adapter folders: choose another folder\n$/);
      assert.deepStrictEqual(fs.readdirSync(out), ['keep.txt']);
      const again = await ptune([...base(), '--out', out, '--steps', '1', '--overwrite']);
      assert.strictEqual(again.code, 1);
      assert.strictEqual(again.stderr, r.stderr);
      assert.deepStrictEqual(fs.readdirSync(out), ['keep.txt']);
    });
    it('a user error from inside the worker prints one line without a stack', async () => {
      const r = await ptune(['eval', '--model', model, '--data', path.join(dir, 'nope.jsonl'), '--template', fx.template]);
      assert.strictEqual(r.code, 1);
      assert.match(r.stderr, /ptune: .*nope\.jsonl: dataset file not found\n$/);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    });
    it('a bug prints the message and a hint; the stack only with PTUNE_DEBUG=1', async () => {
      const buggy = writeFakeModel(path.join(dir, 'buggy'), { failOnLoad: 'index out of range' });
      const args = ['eval', '--model', buggy, '--data', fx.dev, '--template', fx.template];
      const r = await ptune(args);
      assert.strictEqual(r.code, 2);
      assert.match(r.stderr, /ptune: internal error: index out of range\nThis is a bug in ptune\. Run again with PTUNE_DEBUG=1/);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      const debug = await ptune(args, { PTUNE_DEBUG: '1' });
      assert.match(debug.stderr, /ptune: internal error: index out of range\nError: index out of range\n\s+at /);
    });
    it('unknown options and missing required options come from the parser with exit code 1', async () => {
      const r = await ptune(['eval', '--model', model, '--data', fx.dev, '--template', fx.template, '--bogus']);
      assert.strictEqual(r.code, 1);
      assert.match(r.stderr, /^ptune: unknown option '--bogus'/);
    });
  });

  it('demo --json: hard vs soft on the given files', async () => {
    const out = path.join(dir, 'demo-out');
    const r = await ptune(['demo', '--model', model, '--train', fx.train, '--eval', fx.dev, '--template', fx.template, '--steps', '4', '--out', out, '--json']);
    assert.strictEqual(r.code, 0, r.stderr);
    const j = r.json() as { hard: { accuracy: number; n: number }; soft: { accuracy: number; steps: number; out: string } };
    assert.strictEqual(j.hard.n, 6);
    assert.strictEqual(j.soft.steps, 4);
    assert.strictEqual(j.soft.out, out);
    assert.ok(fs.existsSync(path.join(out, 'adapter_model.safetensors')));
    const table = await ptune(['demo', '--model', model, '--train', fx.train, '--eval', fx.dev, '--template', fx.template, '--steps', '2', '--out', `${out}-2`]);
    assert.match(table.stdout, /\nhard prompt +\d+\.\d% +\d\.\d{3} +— +/);
    assert.match(table.stdout, /\nsoft prompt \(2 steps\) +\d+\.\d% +\d\.\d{3} +/);
  });

  it('bench --json: hard prompt, given soft prompt and a tuned one, with report files', async () => {
    const soft = path.join(dir, 'bench-soft');
    assert.strictEqual((await ptune(['train', '--model', model, '--train', fx.train, '--template', fx.template, '--out', soft, '--virtual-tokens', '2', '--steps', '3'])).code, 0);
    const out = path.join(dir, 'bench');
    const args = ['bench', '--model', model, '--data', fx.dev, '--train', fx.train, '--hard', fx.template, '--soft', soft, '--tune', '--steps', '3', '--virtual-tokens', '2', '--out', out, '--json'];
    const r = await ptune(args);
    assert.strictEqual(r.code, 0, r.stderr);
    const j = r.json() as { prompts: { id: string; kind: string; accuracy: number }[]; files: Record<string, string>; cacheHits: number };
    assert.deepStrictEqual(j.prompts.map((p) => p.kind), ['hard', 'soft', 'soft', 'projection', 'projection']);
    for (const file of Object.values(j.files)) assert.ok(fs.existsSync(file), file);
    const again = await ptune(args);
    assert.ok((again.json() as { cacheHits: number }).cacheHits > 0);
    const bad = await ptune(['bench', '--model', model, '--data', fx.dev, '--hard', fx.template, '--seeds', 'two']);
    assert.deepStrictEqual([bad.code, bad.stderr], [1, 'ptune: --seeds must be a positive whole number, got "two"\n']);
  });

  it('project: the nearest tokens of each virtual token, as a table or JSON', async () => {
    const soft = path.join(dir, 'adapter');
    const table = await ptune(['project', '--model', model, '--soft', soft, '--top-k', '2']);
    assert.strictEqual(table.code, 0, table.stderr);
    assert.match(table.stdout, /^Nearest vocabulary tokens of 3 virtual tokens \(metric cosine, top 2, vocabulary 257\)/);
    const j = (await ptune(['project', '--model', model, '--soft', soft, '--metric', 'l2', '--json'])).json() as { tokens: { neighbors: unknown[] }[]; metric: string };
    assert.strictEqual(j.metric, 'l2');
    assert.deepStrictEqual(j.tokens.map((t) => t.neighbors.length), [5, 5, 5]);
    const other = writeFakeModel(path.join(dir, 'wide-model'), { hiddenSize: 10 });
    const mismatch = await ptune(['project', '--model', other, '--soft', soft]);
    assert.strictEqual(mismatch.code, 1);
    assert.match(mismatch.stderr, /^ptune: soft prompt .*adapter belongs to another model: its vectors have 6 dimensions/);
  });

  it('demo model: --model, else PTUNE_MODEL, else ../shared/models/imdb-gpt2-small, else the hub default', () => {
    const root = path.join(dir, 'root');
    const pkg = path.join(root, 'pkg');
    fs.mkdirSync(pkg, { recursive: true });
    assert.strictEqual(resolveDemoModel('m', { PTUNE_MODEL: 'e' }, pkg), 'm');
    assert.strictEqual(resolveDemoModel(undefined, { PTUNE_MODEL: 'e' }, pkg), 'e');
    assert.strictEqual(resolveDemoModel(undefined, {}, pkg), DEFAULT_HUB_DEMO_MODEL);
    const shared = path.join(root, 'shared', 'models', 'imdb-gpt2-small');
    fs.mkdirSync(shared, { recursive: true });
    fs.writeFileSync(path.join(shared, 'config.json'), '{}');
    assert.strictEqual(resolveDemoModel(undefined, {}, pkg), shared);
  });

  it('bin/ptune.js runs the compiled CLI: exit codes and messages from a real process', () => {
    const bin = path.join(repoRoot, 'bin', 'ptune.js');
    const help = spawnSync(process.execPath, [bin, 'train', '--help'], { encoding: 'utf8' });
    assert.strictEqual(help.status, 0);
    assert.match(help.stdout, /--optimizer <name>/);
    const bad = spawnSync(process.execPath, [bin, 'train', '--model', 'm', '--train', 't', '--template', 'p', '--out', path.join(dir, 'never'), '--batch-size', '0'], { encoding: 'utf8' });
    assert.strictEqual(bad.status, 1);
    assert.strictEqual(bad.stderr, 'ptune: --batch-size must be a positive whole number, got "0"\n');
  });
});
