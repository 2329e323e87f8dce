/**
 * `ptune export-peft`: the exported project trains what `ptune train` trains.
 *  - without Python (tiny random GPT-2): the exported batches are the rows the trainer visits, step by step;
 *    the exported initial prompt is the trainer's; marker prompts and foreign --out folders are refused;
 *  - with Python (torch, transformers, peft, accelerate, safetensors) and ../shared/models/imdb-gpt2-small:
 *    train.py runs 20 steps; its step-1 loss (the initial prompt's) matches this tool's within 1e-4, every
 *    step's loss within 1e-5 (measured: 2.6e-7), the dev evaluations and the kept checkpoint agree, and the
 *    adapter it writes loads here with no warning and scores the same rows as Python said. Skipped, with a
 *    message, when Python or the packages are missing.
 */
import * as assert from 'assert';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { ModelEngine, ScoredExample } from '../../src/engine/api';
import { Engine } from '../../src/engine/engine';
import { readSafetensors } from '../../src/engine/models/safetensors';
import { EXPORT_FILES, runExportPeftJob, type ExportedJob, type ExportedRow } from '../../src/export/peft-export';
import { loadAdapter, PROMPT_TENSOR_NAME } from '../../src/tuning/adapter';
import type { JobContext } from '../../src/worker/jobs/context';
import { runTrainJob } from '../../src/worker/jobs/train';
import type { ExportPeftParams, TrainParams } from '../../src/worker/protocol';
import { sharedPath } from '../helpers/shared';
import { writeTinyGpt2 } from '../helpers/tiny-model';
import { writeFixture, type Fixture } from '../helpers/tuning-fixtures';

const PYTHON_PACKAGES = ['torch', 'transformers', 'peft', 'accelerate', 'safetensors'];

function context<K extends 'train' | 'exportPeft'>(engine: ModelEngine): JobContext<K> {
  return { signal: new AbortController().signal, progress: () => undefined, engine: async () => engine };
}

const key = (e: Pick<ScoredExample, 'promptIds' | 'gold'>) => `${e.gold}|${e.promptIds.join(',')}`;

function readRows(file: string): ExportedRow[] {
  return fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ExportedRow);
}

describe('ptune export-peft (tiny random GPT-2)', function () {
  let dir: string;
  let engine: Engine;
  let fx: Fixture;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-export-'));
    const modelDir = writeTinyGpt2(path.join(dir, 'model'), { nEmbd: 16, nHead: 2, nLayer: 2, seed: 5 }).dir;
    engine = await Engine.load(modelDir, { threads: 1 });
    fx = writeFixture(path.join(dir, 'fx'));
  });
  after(async () => {
    await engine.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes the rows, the initial prompt and the batch order that ptune train uses', async () => {
    const params = { model: engine.info.dir, train: fx.train, template: fx.template, steps: 7, batchSize: 4, seed: 3, virtualTokens: 3 };
    const out = path.join(dir, 'export');
    const result = await runExportPeftJob({ ...params, out }, context<'exportPeft'>(engine));
    assert.strictEqual(result.totalSteps, 7);
    const job = JSON.parse(fs.readFileSync(path.join(out, EXPORT_FILES.job), 'utf8')) as ExportedJob;
    const rows = readRows(path.join(out, EXPORT_FILES.train));
    const steps = (JSON.parse(fs.readFileSync(path.join(out, EXPORT_FILES.batches), 'utf8')) as { steps: number[][] }).steps;
    assert.strictEqual(steps.length, 7);

    // The trainer's own visits, recorded from the engine it trains with.
    const visited: string[][] = [];
    const recording = new Proxy(engine, {
      get(target, prop) {
        if (prop === 'lossAndGrad') {
          return (batch: ScoredExample[], ...rest: [never, never]) => {
            visited.push(batch.map(key));
            return target.lossAndGrad(batch, ...rest);
          };
        }
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const adapter = path.join(dir, 'trained');
    await runTrainJob({ ...params, out: adapter } as TrainParams, context<'train'>(recording));
    assert.deepStrictEqual(steps.map((batch) => batch.map((i) => key({ promptIds: rows[i].prompt_ids, gold: rows[i].gold }))), visited);
    // Stratified: each batch of 4 from 5 positive / 9 negative rows holds both labels.
    for (const batch of steps) assert.ok(new Set(batch.map((i) => rows[i].gold)).size === 2, `batch ${batch} is one label`);

    const init = readSafetensors(path.join(out, EXPORT_FILES.initPrompt)).get(PROMPT_TENSOR_NAME)!;
    const record = loadAdapter(adapter).record as { init: { text: string } };
    assert.deepStrictEqual(init.shape, [3, 16]);
    // Text init from the instruction: the rows are the embeddings of its first tokens.
    const ids = engine.tokenizer.encode(record.init.text);
    for (let r = 0; r < 3; r++) assert.deepStrictEqual(Array.from(init.data.subarray(r * 16, (r + 1) * 16)), Array.from(engine.embeddings.subarray(ids[r] * 16, (ids[r] + 1) * 16)));
    assert.strictEqual(job.loss, 'verbalizer');
    assert.strictEqual(rows[0].labels.join(','), 'negative,positive');
    assert.strictEqual(engine.tokenizer.decode(rows[0].prompt_ids), rows[0].prompt);
  });

  it('refuses a prompt whose soft prompt sits inside it, and an --out that is not an export, touching nothing', async () => {
    const marker = path.join(dir, 'marker.prompt');
    fs.writeFileSync(marker, ['---', 'task: classification', 'inputs: [text]', 'label_column: label', 'labels:', '  negative: " no"', '  positive: " yes"', 'soft_prompt: marker', '---', 'Text: {{ text }} {{ soft_prompt }}Good?', ''].join('\n'));
    const out = path.join(dir, 'marker-export');
    await assert.rejects(runExportPeftJob({ model: engine.info.dir, train: fx.train, template: marker, out }, context<'exportPeft'>(engine)), /PEFT's prompt tuning always puts the virtual tokens first/);
    assert.ok(!fs.existsSync(out));
    const foreign = path.join(dir, 'foreign');
    fs.mkdirSync(foreign);
    fs.writeFileSync(path.join(foreign, 'notes.txt'), 'mine');
    await assert.rejects(runExportPeftJob({ model: engine.info.dir, train: fx.train, template: fx.template, out: foreign }, context<'exportPeft'>(engine)), /is not a ptune export folder/);
    assert.deepStrictEqual(fs.readdirSync(foreign), ['notes.txt']);
  });
});

/** Python with the packages train.py needs, or why not. */
function pythonWithPackages(): { python?: string; missing?: string } {
  const python = process.env.PTUNE_PYTHON ?? 'python3';
  // find_spec locates the packages without importing them (importing torch and peft takes many seconds).
  const script = `import importlib.util, sys; missing = [p for p in ${JSON.stringify(PYTHON_PACKAGES)} if importlib.util.find_spec(p) is None]; print(' '.join(missing)); sys.exit(1 if missing else 0)`;
  const probe = spawnSync(python, ['-c', script], { encoding: 'utf8', timeout: 30_000 });
  if (probe.error) return { missing: `${python} is not available (${probe.error.message})` };
  if (probe.status !== 0) return { missing: `${python} lacks ${probe.stdout.trim() || 'a package train.py needs'}` };
  return { python };
}

function runPython(python: string, args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // One thread: this machine's cores are shared; the run is tiny. Offline: nothing may be fetched.
    const child = spawn(python, args, { cwd, env: { ...process.env, OMP_NUM_THREADS: '1', HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the exported train.py against ptune train (imdb-gpt2-small, Python)', function () {
  this.timeout(300_000);

  it('20 steps: the same losses, evaluations and adapter; the adapter loads back unchanged', async function () {
    const modelDir = sharedPath(this, 'models/imdb-gpt2-small');
    const { python, missing } = pythonWithPackages();
    if (!python) {
      console.log(`      ⚠ skipped: ${missing}; pip install ${PYTHON_PACKAGES.join(' ')} to run it`);
      this.skip();
    }
    const repo = path.resolve(__dirname, '..', '..', '..');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-export-py-'));
    const engine = await Engine.load(modelDir, { threads: 1 });
    try {
      const params = {
        model: modelDir,
        train: path.join(repo, 'examples/data/reviews-train.jsonl'),
        eval: path.join(repo, 'examples/data/reviews-dev.jsonl'),
        template: path.join(repo, 'examples/reviews.prompt'),
        steps: 20,
        evalEvery: 10,
      };
      const project = path.join(dir, 'project');
      await runExportPeftJob({ ...params, out: project } as ExportPeftParams, context<'exportPeft'>(engine));
      const ours = path.join(dir, 'ours');
      await runTrainJob({ ...params, out: ours } as TrainParams, context<'train'>(engine));

      const ran = await runPython(python, ['train.py', '--out', 'adapter'], project);
      assert.strictEqual(ran.code, 0, `train.py failed:\n${ran.stderr.slice(-3000)}`);
      const events = ran.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      const pySteps = events.filter((e) => e.event === 'step') as { loss: number }[];
      const pyEvals = events.filter((e) => e.event === 'eval') as { step: number; loss: number; accuracy: number }[];
      const done = events.find((e) => e.event === 'done') as { finalLoss: number; savedStep: number };
      const record = loadAdapter(ours).record as { curve: { loss: number }[]; evals: { step: number; loss: number; accuracy: number }[]; checkpoint: { step: number } };

      assert.strictEqual(pySteps.length, 20);
      assert.ok(Math.abs(pySteps[0].loss - record.curve[0].loss) < 1e-4, `step 1 (the initial prompt): python ${pySteps[0].loss}, ptune ${record.curve[0].loss}`);
      pySteps.forEach((s, i) => assert.ok(Math.abs(s.loss - record.curve[i].loss) < 1e-5, `step ${i + 1}: python ${s.loss}, ptune ${record.curve[i].loss}`));
      assert.deepStrictEqual(pyEvals.map((e) => [e.step, e.accuracy]), record.evals.map((e) => [e.step, e.accuracy]));
      pyEvals.forEach((e, i) => assert.ok(Math.abs(e.loss - record.evals[i].loss) < 1e-5, `dev loss at step ${e.step}: python ${e.loss}, ptune ${record.evals[i].loss}`));
      assert.strictEqual(done.savedStep, record.checkpoint.step);

      // The adapter loads here as it is, and scores the first batch as Python did.
      const theirs = loadAdapter(path.join(project, 'adapter'), { hiddenSize: engine.info.hiddenSize, modelName: engine.info.nameOrPath });
      assert.deepStrictEqual(theirs.warnings, []);
      const rows = readRows(path.join(project, EXPORT_FILES.train));
      const firstBatch = (JSON.parse(fs.readFileSync(path.join(project, EXPORT_FILES.batches), 'utf8')) as { steps: number[][] }).steps[0];
      const examples = firstBatch.map((i) => ({ promptIds: rows[i].prompt_ids, continuations: rows[i].continuations, gold: rows[i].gold }));
      const here = (await engine.loss(examples, theirs.soft, 'verbalizer')).loss;
      assert.ok(Math.abs(here - done.finalLoss) < 1e-4, `the adapter's first-batch loss: here ${here}, python ${done.finalLoss}`);
      const mine = loadAdapter(ours).soft.data;
      const drift = theirs.soft.data.reduce((m, v, i) => Math.max(m, Math.abs(v - mine[i])), 0);
      assert.ok(drift < 1e-4, `after 20 steps the prompts differ by up to ${drift} (measured 2.4e-6)`);
    } finally {
      await engine.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
