import * as assert from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hubSettings } from '../../src/hub/settings';

describe('hub: the environment, read as Python huggingface_hub reads it (constants.py, get_token)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-hub-env-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('cache: HF_HUB_CACHE, else HUGGINGFACE_HUB_CACHE, else HF_HOME/hub, else XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub', () => {
    assert.strictEqual(hubSettings({ HF_HUB_CACHE: '/a', HUGGINGFACE_HUB_CACHE: '/b', HF_HOME: '/c' }).cacheDir, '/a');
    assert.strictEqual(hubSettings({ HUGGINGFACE_HUB_CACHE: '/b', HF_HOME: '/c' }).cacheDir, '/b');
    assert.strictEqual(hubSettings({ HF_HOME: '/c', XDG_CACHE_HOME: '/x' }).cacheDir, path.join('/c', 'hub'));
    assert.strictEqual(hubSettings({ XDG_CACHE_HOME: '/x' }).cacheDir, path.join('/x', 'huggingface', 'hub'));
    assert.strictEqual(hubSettings({}).cacheDir, path.join(os.homedir(), '.cache', 'huggingface', 'hub'));
    assert.strictEqual(hubSettings({ HF_HOME: '~/hf' }).cacheDir, path.join(os.homedir(), 'hf', 'hub'));
  });

  it('endpoint: HF_ENDPOINT without trailing slashes, else https://huggingface.co; offline: HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) in 1/ON/YES/TRUE', () => {
    assert.strictEqual(hubSettings({ HF_ENDPOINT: 'http://127.0.0.1:9/' }).endpoint, 'http://127.0.0.1:9');
    assert.strictEqual(hubSettings({}).endpoint, 'https://huggingface.co');
    for (const v of ['1', 'on', 'YES', 'true']) assert.strictEqual(hubSettings({ HF_HUB_OFFLINE: v }).offline, true, v);
    for (const v of ['0', '', 'off', 'no']) assert.strictEqual(hubSettings({ HF_HUB_OFFLINE: v }).offline, false, v);
    assert.strictEqual(hubSettings({ TRANSFORMERS_OFFLINE: '1' }).offline, true);
  });

  it('token: HF_TOKEN, else HUGGING_FACE_HUB_TOKEN, else the file HF_TOKEN_PATH or HF_HOME/token (trimmed; blank is none)', () => {
    const home = path.join(dir, 'home');
    fs.mkdirSync(home, { recursive: true });
    fs.writeFileSync(path.join(home, 'token'), ' hf_file \n');
    fs.writeFileSync(path.join(dir, 'other-token'), 'hf_path');
    assert.strictEqual(hubSettings({ HF_TOKEN: 'hf_env', HUGGING_FACE_HUB_TOKEN: 'hf_old', HF_HOME: home }).token, 'hf_env');
    assert.strictEqual(hubSettings({ HUGGING_FACE_HUB_TOKEN: 'hf_old', HF_HOME: home }).token, 'hf_old');
    assert.strictEqual(hubSettings({ HF_TOKEN: '', HF_HOME: home }).token, 'hf_file', 'a blank variable falls through to the file, as in Python');
    assert.strictEqual(hubSettings({ HF_HOME: home, HF_TOKEN_PATH: path.join(dir, 'other-token') }).token, 'hf_path');
    fs.writeFileSync(path.join(home, 'token'), '\n');
    assert.strictEqual(hubSettings({ HF_HOME: home }).token, undefined);
    assert.strictEqual(hubSettings({ HF_HOME: path.join(dir, 'none') }).token, undefined);
  });
});
