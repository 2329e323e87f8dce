import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { base64ToFloat32, canonicalJson, float32ToBase64, hashModelFolder, ResultCache } from '../../src/bench/cache';

describe('bench/cache', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-cache-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keys by content: key order does not matter, any value change does', () => {
    const cache = new ResultCache({ dir });
    cache.set('eval', { a: 1, b: { c: [1, 2], d: 'x' } }, { accuracy: 0.5 });
    assert.deepStrictEqual(cache.get('eval', { b: { d: 'x', c: [1, 2] }, a: 1 }), { accuracy: 0.5 });
    assert.strictEqual(cache.get('eval', { a: 1, b: { c: [2, 1], d: 'x' } }), undefined);
    assert.strictEqual(cache.get('tune', { a: 1, b: { c: [1, 2], d: 'x' } }), undefined, 'kinds are separate');
    assert.deepStrictEqual([cache.hits, cache.misses], [1, 2]);
    assert.strictEqual(canonicalJson({ b: 1, a: { d: undefined, c: 2 } }), '{"a":{"c":2},"b":1}');
  });

  it('with reading off (--no-cache) misses everything but still refreshes entries', () => {
    new ResultCache({ dir }).set('eval', { k: 1 }, 'old');
    const bypass = new ResultCache({ dir, read: false });
    assert.strictEqual(bypass.get('eval', { k: 1 }), undefined);
    bypass.set('eval', { k: 1 }, 'new');
    assert.strictEqual(new ResultCache({ dir }).get('eval', { k: 1 }), 'new');
  });

  it('treats a truncated or foreign entry as a miss and leaves no temporary files', () => {
    const cache = new ResultCache({ dir });
    cache.set('eval', { k: 1 }, [1, 2, 3]);
    const [file] = fs.readdirSync(path.join(dir, 'eval'));
    const full = path.join(dir, 'eval', file);
    const text = fs.readFileSync(full, 'utf8');
    fs.writeFileSync(full, text.slice(0, text.length / 2));
    assert.strictEqual(cache.get('eval', { k: 1 }), undefined);
    fs.writeFileSync(full, text.replace('"k":1', '"k":2'));
    assert.strictEqual(cache.get('eval', { k: 1 }), undefined, 'a file whose stored key differs is not a hit');
    assert.deepStrictEqual(fs.readdirSync(path.join(dir, 'eval')), [file]);
  });

  it('round-trips float32 data through base64 exactly', () => {
    const data = Float32Array.from([0, -1.5, 3.4028234663852886e38, 1e-45, Math.PI]);
    assert.deepStrictEqual(base64ToFloat32(float32ToBase64(data)), data);
    assert.deepStrictEqual(base64ToFloat32(float32ToBase64(data.subarray(1, 3))), data.subarray(1, 3));
  });

  it('hashes a model folder by names and contents, memoising per-file hashes without counting them', () => {
    const model = path.join(dir, 'model');
    fs.mkdirSync(path.join(model, 'onnx'), { recursive: true });
    fs.writeFileSync(path.join(model, 'config.json'), '{"n": 1}');
    fs.writeFileSync(path.join(model, 'onnx', 'model.onnx'), 'weights');
    const cache = new ResultCache({ dir: path.join(dir, 'cache') });
    const first = hashModelFolder(model, cache);
    assert.strictEqual(hashModelFolder(model, cache), first);
    assert.strictEqual(hashModelFolder(model), first, 'the memo does not change the hash');
    assert.deepStrictEqual([cache.hits, cache.misses], [0, 0]);
    fs.writeFileSync(path.join(model, 'onnx', 'model.onnx'), 'weightz');
    // Without the memo: same size, different content. (The memo trusts size + mtime, which a test cannot
    // change reliably within the file system's timestamp granularity.)
    assert.notStrictEqual(hashModelFolder(model), first);
    fs.writeFileSync(path.join(model, 'onnx', 'model.onnx'), 'more weights');
    assert.notStrictEqual(hashModelFolder(model, cache), first);
    fs.writeFileSync(path.join(model, 'onnx', 'model.onnx'), 'weights');
    fs.renameSync(path.join(model, 'config.json'), path.join(model, 'config2.json'));
    assert.notStrictEqual(hashModelFolder(model, cache), first, 'a renamed file changes the hash');
  });
});
