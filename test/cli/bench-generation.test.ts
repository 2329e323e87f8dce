import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { CliIo } from '../../src/cli/io';
import { run } from '../../src/cli/main';
import { writeFakeModel } from '../helpers/fake-engine';

const engineModule = path.join(__dirname, '..', 'helpers', 'fake-engine.js');

async function ptune(args: string[]): Promise<{ code: number; stdout: string; stderr: string; json: () => Record<string, unknown> }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: {}, client: { engineModule } };
  const code = await run(args, io);
  return { code, stdout, stderr, json: () => JSON.parse(stdout.trim().split('\n').pop() as string) as Record<string, unknown> };
}

describe('cli: ptune bench on a generation prompt', function () {
  this.timeout(120000);
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-cli-bench-gen-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('scores it with the figures ptune eval gives, writes per-row outputs, and prints the generation table', async () => {
    const model = writeFakeModel(path.join(dir, 'model'), { hiddenSize: 6, seed: 3 });
    const data = path.join(dir, 'qa.jsonl');
    const rows = [['ab', 'ab'], ['cd', 'c d'], ['e', 'xyz'], ['hello', 'hello there'], ['no', 'yes']];
    fs.writeFileSync(data, rows.map(([q, a]) => JSON.stringify({ q, a })).join('\n') + '\n');
    const template = path.join(dir, 'echo.prompt');
    fs.writeFileSync(template, ['---', 'task: generation', 'inputs: [q]', 'target_column: a', 'max_new_tokens: 3', '---', 'Q: {{ q }} A:', ''].join('\n'));

    const out = path.join(dir, 'report');
    const bench = await ptune(['bench', '--model', model, '--data', data, '--hard', template, '--out', out, '--json']);
    assert.strictEqual(bench.code, 0, bench.stderr);
    const j = bench.json() as { task: string; prompts: Record<string, number | string>[] };
    assert.strictEqual(j.task, 'generation');
    const evalRun = await ptune(['eval', '--model', model, '--data', data, '--template', template, '--predictions', path.join(dir, 'eval.jsonl'), '--json']);
    assert.strictEqual(evalRun.code, 0, evalRun.stderr);
    const e = evalRun.json() as Record<string, number>;
    for (const key of ['exactMatch', 'contains', 'tokenF1', 'rougeL']) assert.strictEqual(j.prompts[0][key], e[key], key);
    // The same per-row records as ptune eval --predictions (the latency field aside, which neither writes).
    assert.strictEqual(fs.readFileSync(path.join(out, 'predictions', 'hard-echo.jsonl'), 'utf8'), fs.readFileSync(path.join(dir, 'eval.jsonl'), 'utf8'));

    const human = await ptune(['bench', '--model', model, '--data', data, '--hard', template, '--out', out]);
    assert.strictEqual(human.code, 0, human.stderr);
    assert.match(human.stdout, /^Prompt +Kind +exact match \[95% CI\] +contains \[95% CI\] +token F1 \[95% CI\] +ROUGE-L \[95% CI\] +Length +Trainable params +Tuning time +ex\/s +p50 \/ p95 latency\n/);
    assert.match(human.stdout, /report: .*report\.json, .*report\.md, .*report\.html \(1 cached, 0 computed\)/);
  });
});
