import '../helpers/register-vscode-fake'; // before the extension modules: they take l10n from 'vscode'
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ModelInfo, PrefixPrompt, SoftPrompt } from '../../src/engine/api';
import { ADAPTER_CONFIG_FILE, saveAdapter, TRAINING_RECORD_FILE } from '../../src/tuning/adapter';
import { TRAINING_RECORD_FORMAT_VERSION } from '../../src/tuning/training-record';
import { describeSoftPrompt, peftSnippet, softPromptCurve, softPromptItem } from '../../src/extension/artifacts/softPrompts';

const info: ModelInfo = { dir: '/models/m', modelType: 'llama', hiddenSize: 4, numLayers: 2, numHeads: 2, numKeyValueHeads: 1, headDim: 2, vocabSize: 100, maxPositions: 64, nameOrPath: 'owner/tiny-llama' };
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-soft-prompts-'));
const soft = (numVirtual: number): SoftPrompt => ({ numVirtual, hiddenSize: 4, data: Float32Array.from({ length: numVirtual * 4 }, (_, i) => i / 10) });
const prefix = (numVirtual: number): PrefixPrompt => ({ kind: 'prefix', numVirtual, numLayers: 2, numKeyValueHeads: 1, headDim: 2, data: new Float32Array(numVirtual * 2 * 2 * 1 * 2) });

/** A record as ptune train writes it (the fields readTrainingRecord checks), kept at step 30 with 81.25 % dev accuracy. */
function record(method: object, numVirtualTokens: number): object {
  return {
    tool: 'ptune', formatVersion: TRAINING_RECORD_FORMAT_VERSION, writtenBy: 'ptune train', startedAt: '2026-12-01T10:00:00.000Z', savedAt: '2026-12-01T10:05:00.000Z',
    method, model: { dir: '/models/m', nameOrPath: 'owner/tiny-llama', hiddenSize: 4, numLayers: 2, vocabSize: 100 },
    prompt: { file: '/ws/sst2.prompt', name: 'sst2', task: 'classification', softPrompt: 'prefix', source: '---\nname: sst2\n---\n{{ text }}' },
    data: { train: { file: '/ws/data/train.jsonl', hash: 'ab'.repeat(32), rows: 64, truncatedRows: 0 } },
    seed: 0, init: { kind: 'text', description: 'text' }, numVirtualTokens,
    checkpoint: { step: 30, reason: 'best', eval: { step: 30, loss: 0.4, accuracy: 0.8125 } },
    curve: [{ step: 1, loss: 0.9 }, { step: 30, loss: 0.4 }], evals: [{ step: 30, loss: 0.4, accuracy: 0.8125 }],
    result: { steps: 40, stopReason: 'completed', bestEval: { step: 30, loss: 0.4, accuracy: 0.8125 } },
  };
}

describe('extension/artifacts/softPrompts: the Soft Prompts view\'s items from real adapter folders', () => {
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('a prompt-tuning adapter trained by ptune: method, base model, tokens, best dev accuracy, saved time, prompt file; all actions', () => {
    const dir = path.join(root, 'pt');
    saveAdapter(dir, { info, soft: soft(3), origin: { init: 'RANDOM' }, record: record({ name: 'prompt-tuning' }, 3) });
    const d = describeSoftPrompt(dir)!;
    assert.equal(d.method, 'prompt-tuning');
    assert.equal(d.baseModel, 'owner/tiny-llama');
    assert.equal(d.virtualTokens, 3);
    assert.equal(d.bestDevAccuracy, 0.8125);
    assert.equal(d.created, '2026-12-01T10:05:00.000Z');
    assert.equal(d.promptFile, '/ws/sst2.prompt');
    assert.equal(d.steps, 30);
    const item = softPromptItem(d);
    assert.equal(item.label, 'pt');
    assert.equal(item.description, 'prompt tuning · 3 tokens · dev 81.3% · owner/tiny-llama');
    assert.match(item.tooltip, /Trained with: `\/ws\/sst2\.prompt` \(classification\)/);
    assert.match(item.tooltip, /Best dev accuracy: 81\.3% \(step 30\)/);
    assert.deepEqual(item.contextValue.split(' '), ['softPrompt', 'prompt-tuning', 'continuable', 'projectable', 'curve']);
    assert.deepEqual(softPromptCurve(d.record!), { loss: [{ step: 1, value: 0.9 }, { step: 30, value: 0.4 }], devAccuracy: [{ step: 30, value: 0.8125 }] });
  });

  it('a P-tuning adapter can be continued and projected', () => {
    const dir = path.join(root, 'p');
    saveAdapter(dir, {
      info, soft: soft(2), origin: { init: 'RANDOM' }, method: { type: 'p-tuning', encoderHiddenSize: 8, encoderNumLayers: 2, encoderReparameterization: 'MLP' },
      record: record({ name: 'p-tuning', encoderHiddenSize: 8, encoderResidual: true }, 2),
    });
    const d = describeSoftPrompt(dir)!;
    assert.equal(d.method, 'p-tuning');
    assert.equal(d.virtualTokens, 2);
    const item = softPromptItem(d);
    assert.match(item.description, /^P-tuning · 2 tokens/);
    assert.match(item.contextValue, /\bcontinuable\b/);
    assert.match(item.contextValue, /\bprojectable\b/);
  });

  it('a prefix-tuning adapter offers neither Continue training nor Show projection', () => {
    const dir = path.join(root, 'prefix');
    saveAdapter(dir, { info, soft: prefix(5), origin: { init: 'RANDOM' }, method: { type: 'prefix-tuning' }, record: record({ name: 'prefix-tuning' }, 5) });
    const d = describeSoftPrompt(dir)!;
    assert.equal(d.method, 'prefix-tuning');
    assert.equal(d.virtualTokens, 5);
    const item = softPromptItem(d);
    assert.match(item.description, /^prefix tuning · 5 tokens/);
    assert.doesNotMatch(item.contextValue, /continuable|projectable/);
  });

  it('a PEFT-only adapter (no record) shows what its config says, with the weights\' time', () => {
    const dir = path.join(root, 'peft-only');
    saveAdapter(dir, { info, soft: soft(4), origin: { init: 'RANDOM' } });
    const d = describeSoftPrompt(dir)!;
    assert.equal(d.record, undefined);
    assert.equal(d.baseModel, 'owner/tiny-llama');
    assert.equal(d.virtualTokens, 4);
    assert.equal(d.bestDevAccuracy, undefined);
    assert.ok(d.created && Math.abs(Date.parse(d.created) - Date.now()) < 60_000, d.created);
    const item = softPromptItem(d);
    assert.equal(item.description, 'prompt tuning · 4 tokens · owner/tiny-llama');
    assert.doesNotMatch(item.contextValue, /\bcurve\b/, 'no record, no curve');
    assert.match(item.tooltip, /No ptune training record/);
  });

  it('a broken training record is named in the tooltip; the adapter still shows', () => {
    const dir = path.join(root, 'bad-record');
    saveAdapter(dir, { info, soft: soft(2), origin: { init: 'RANDOM' } });
    fs.writeFileSync(path.join(dir, TRAINING_RECORD_FILE), JSON.stringify({ tool: 'ptune', formatVersion: 1, prompt: 7 }));
    const d = describeSoftPrompt(dir)!;
    assert.match(d.recordProblem ?? '', /prompt must be an object, got 7/);
    assert.match(softPromptItem(d).tooltip, /training record was not used: .*prompt must be an object/);
  });

  it('folders that are not prompt-learning adapters (LoRA, no config, bad JSON) are not soft prompts', () => {
    const lora = path.join(root, 'lora');
    fs.mkdirSync(lora);
    fs.writeFileSync(path.join(lora, ADAPTER_CONFIG_FILE), JSON.stringify({ peft_type: 'LORA', base_model_name_or_path: 'x' }));
    const bad = path.join(root, 'bad');
    fs.mkdirSync(bad);
    fs.writeFileSync(path.join(bad, ADAPTER_CONFIG_FILE), '{');
    assert.equal(describeSoftPrompt(lora), undefined);
    assert.equal(describeSoftPrompt(bad), undefined);
    assert.equal(describeSoftPrompt(path.join(root, 'missing')), undefined);
  });
});

describe('extension/artifacts/softPrompts: the Python snippet', () => {
  it('loads the adapter with PeftModel.from_pretrained on AutoModelForCausalLM of the base model', () => {
    assert.equal(peftSnippet('/ws/soft-prompts/sst2', 'openai-community/gpt2'), [
      'from peft import PeftModel',
      'from transformers import AutoModelForCausalLM, AutoTokenizer',
      '',
      'base = "openai-community/gpt2"',
      'tokenizer = AutoTokenizer.from_pretrained(base)',
      'model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base), "/ws/soft-prompts/sst2")',
      'model.eval()',
      '',
    ].join('\n'));
  });

  it('a model setting owner/name@revision passes revision=; a folder with @ in its path stays a path; quotes and backslashes are escaped', () => {
    const hub = peftSnippet('/a', 'owner/name@v1.0');
    assert.match(hub, /^base = "owner\/name"$/m);
    assert.match(hub, /AutoModelForCausalLM\.from_pretrained\(base, revision="v1\.0"\)/);
    const folder = peftSnippet('/a', '/models/x@2');
    assert.match(folder, /^base = "\/models\/x@2"$/m);
    assert.doesNotMatch(folder, /revision/);
    assert.match(peftSnippet('C:\\ws\\"odd"', 'm'), /"C:\\\\ws\\\\\\"odd\\""\)$/m);
  });
});
