/**
 * `ptune train`, `eval` and `project` as a user runs them (the CLI as a subprocess), on the shared tiny model
 * of every family: each trains, saves a PEFT prompt-tuning adapter whose config describes that model, and
 * evaluates with it.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sharedPath } from '../helpers/shared';

const repo = resolve(__dirname, '..', '..', '..');
const ptune = (args: string[]) => spawnSync(process.execPath, [join(repo, 'bin', 'ptune.js'), ...args], { encoding: 'utf8', cwd: repo, env: { ...process.env, PTUNE_DEBUG: '' } });

const MODELS = ['tiny-llama', 'tiny-mistral', 'tiny-qwen2', 'tiny-qwen3', 'tiny-phi3', 'tiny-gemma3'];

describe('cli on every family: train, eval and project on the shared tiny models', function () {
  this.timeout(300_000);
  const root = mkdtempSync(join(tmpdir(), 'ptune-families-cli-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  for (const name of MODELS) {
    it(`${name}: train 4 steps → a PEFT adapter for this model → eval and project with it`, function () {
      const model = sharedPath(this, `models/${name}`);
      const config = JSON.parse(readFileSync(join(model, 'config.json'), 'utf8'));
      const out = join(root, name);
      const common = ['--model', model, '--template', 'examples/reviews.prompt'];
      const train = ptune(['train', ...common, '--train', 'examples/data/reviews-train.jsonl', '--eval', 'examples/data/reviews-dev.jsonl', '--out', out, '--steps', '4', '--virtual-tokens', '4', '--eval-every', '2', '--json']);
      assert.equal(train.status, 0, train.stderr);
      assert.equal(JSON.parse(train.stdout.trim().split('\n').pop()!).steps, 4);
      const peft = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'));
      assert.equal(peft.peft_type, 'PROMPT_TUNING');
      assert.equal(peft.token_dim, config.hidden_size);
      assert.equal(peft.num_layers, config.num_hidden_layers);
      assert.equal(peft.num_attention_heads, config.num_attention_heads);
      assert.equal(peft.num_virtual_tokens, 4);

      const evaluated = ptune(['eval', ...common, '--data', 'examples/data/reviews-dev.jsonl', '--soft', out, '--json']);
      assert.equal(evaluated.status, 0, evaluated.stderr);
      const metrics = JSON.parse(evaluated.stdout.trim().split('\n').pop()!);
      assert.equal(metrics.n, 30);
      assert.equal(metrics.confusion.flat().reduce((a: number, b: number) => a + b, 0), 30);

      const projected = ptune(['project', '--model', model, '--soft', out, '--json']);
      assert.equal(projected.status, 0, projected.stderr);
      assert.equal(JSON.parse(projected.stdout.trim().split('\n').pop()!).tokens.length, 4);
    });
  }
});
