import '../helpers/register-vscode-fake'; // before the extension modules: they take l10n from 'vscode'
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { CachedModel } from '../../src/hub/cache';
import { CURATED_MODELS, downloadBytes, f32Bytes } from '../../src/hub/curated';
import { SUPPORTED_MODEL_TYPES } from '../../src/hub/model-types';
import { BROWSE_LABEL, buildModelItems, cachedModelId, ENTER_ID_LABEL, settingValue } from '../../src/extension/flows/modelItems';

const SHA = 'a'.repeat(40);

function cached(id: string, extra: Partial<CachedModel> = {}): CachedModel {
  return { id, commit: SHA, path: `/cache/models--${id.replace('/', '--')}/snapshots/${SHA}`, refs: ['main'], sizeBytes: 269_000_000, modelType: 'llama', complete: true, supported: true, ...extra };
}

describe('Select Model: quick pick items', () => {
  it('cached models first (usable before unusable, with size, type and the reason), then workspace folders, curated models not yet cached, and the two ways out', () => {
    const items = buildModelItems({
      cached: [
        cached('zeta/bert', { modelType: 'bert', supported: false, reason: 'model_type "bert" is not supported (supported: gpt2, …)' }),
        cached('HuggingFaceTB/SmolLM2-135M'),
        cached('tiny/gpt', { refs: ['v1.0'], modelType: 'gpt2' }),
      ],
      curated: CURATED_MODELS,
      folders: [{ dir: '/ws/models/gpt2', modelType: 'gpt2' }, { dir: '/ws/models/t5', modelType: 't5' }],
      current: 'HuggingFaceTB/SmolLM2-135M',
      workspaceRoot: '/ws',
    });
    const labels = items.map((i) => i.label);
    assert.deepEqual(labels.slice(0, 4), ['In the Hugging Face cache', '$(check) HuggingFaceTB/SmolLM2-135M', '$(check) tiny/gpt@v1.0', '$(warning) zeta/bert']);
    assert.equal(items[1].description, '269 MB · llama');
    assert.equal(items[1].picked, true);
    assert.equal(items[1].detail, 'selected');
    assert.match(items[3].detail!, /not usable: model_type "bert" is not supported/);
    assert.deepEqual(items[3].choice, { kind: 'hub', id: 'zeta/bert', cached: true, unsupported: 'model_type "bert" is not supported (supported: gpt2, …)' });
    assert.deepEqual(items[2].choice, { kind: 'hub', id: 'tiny/gpt@v1.0', cached: true, unsupported: undefined });
    const folders = items.filter((i) => i.choice?.kind === 'folder');
    assert.deepEqual(folders.map((f) => f.description), ['models/gpt2 · gpt2', 'models/t5 · t5']);
    assert.match(folders[1].detail!, /not usable: model_type "t5" is not supported/);
    const curated = items.filter((i) => i.choice?.kind === 'hub' && !i.choice.cached);
    // The cached SmolLM2-135M is not offered again for download.
    assert.equal(curated.length, CURATED_MODELS.length - 1);
    assert.ok(!curated.some((i) => i.label.endsWith('HuggingFaceTB/SmolLM2-135M')));
    const llama = curated.find((i) => i.label.endsWith('meta-llama/Llama-3.2-1B'))!;
    assert.match(llama.description!, /^≈2\.5 GB download · 4\.9 GB in F32 · 1236 M · llama · \$\(lock\) gated$/);
    assert.match(llama.detail!, /accept its license.*HF_TOKEN/);
    const qwen = curated.find((i) => i.label.endsWith('Qwen/Qwen2.5-0.5B'))!;
    assert.match(qwen.description!, /^≈988 MB download · 2\.0 GB in F32 · 494 M · qwen2$/);
    assert.equal(qwen.detail, undefined);
    assert.deepEqual(labels.slice(-2), [ENTER_ID_LABEL, BROWSE_LABEL]);
    assert.deepEqual(items.slice(-2).map((i) => i.choice?.kind), ['enter-id', 'browse']);
    assert.ok(items.filter((i) => i.separator).every((i) => i.choice === undefined));
  });

  it('with an empty cache and no folders: the curated list and the two ways out, no empty sections', () => {
    const items = buildModelItems({ cached: [], curated: CURATED_MODELS, folders: [] });
    assert.equal(items.filter((i) => i.separator && i.label !== '').length, 1);
    assert.equal(items.filter((i) => i.choice?.kind === 'hub').length, CURATED_MODELS.length);
  });

  it('the curated models all have a supported model_type, and their sizes follow from the parameter counts', () => {
    for (const m of CURATED_MODELS) {
      assert.ok((SUPPORTED_MODEL_TYPES as readonly string[]).includes(m.modelType), m.id);
      assert.equal(downloadBytes(m), 2 * m.parameters);
      assert.equal(f32Bytes(m.parameters), 4 * m.parameters);
    }
    assert.deepEqual(CURATED_MODELS.filter((m) => m.gated).map((m) => m.id.split('/')[0]), ['google', 'google', 'meta-llama', 'meta-llama']);
  });

  it('a cached snapshot is named by id for main, by tag, else by commit', () => {
    assert.equal(cachedModelId(cached('a/b')), 'a/b');
    assert.equal(cachedModelId(cached('a/b', { refs: ['v2'] })), 'a/b@v2');
    assert.equal(cachedModelId(cached('a/b', { refs: [] })), `a/b@${SHA}`);
  });

  it('the setting: a hub id as is, a folder in the workspace relative to it, one outside absolute (flagged so the caller asks)', () => {
    const root = path.resolve('/ws');
    assert.deepEqual(settingValue({ kind: 'hub', id: 'Qwen/Qwen3-0.6B@main' }, root), { value: 'Qwen/Qwen3-0.6B@main', absolute: false });
    assert.deepEqual(settingValue({ kind: 'folder', dir: path.join(root, 'models', 'gpt2') }, root), { value: 'models/gpt2', absolute: false });
    assert.deepEqual(settingValue({ kind: 'folder', dir: root }, root), { value: '.', absolute: false });
    assert.deepEqual(settingValue({ kind: 'folder', dir: path.resolve('/elsewhere/gpt2') }, root), { value: path.resolve('/elsewhere/gpt2'), absolute: true });
    assert.deepEqual(settingValue({ kind: 'folder', dir: path.resolve('/wsx/gpt2') }, root), { value: path.resolve('/wsx/gpt2'), absolute: true });
    assert.deepEqual(settingValue({ kind: 'folder', dir: '/x/gpt2' }, undefined), { value: '/x/gpt2', absolute: true });
  });
});
