import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { saveAdapter } from '../../src/tuning/adapter';
import { initSoftPrompt, parseInitSpec } from '../../src/tuning/init';
import { FakeEngine } from '../helpers/fake-engine';

describe('tuning/init', () => {
  const engine = new FakeEngine({ hiddenSize: 4 });
  const row = (id: number) => [...engine.embeddings.subarray(id * 4, id * 4 + 4)];

  it('random: uniform in [−0.5, 0.5], the same for the same seed, different for another', () => {
    const a = initSoftPrompt({ kind: 'random' }, { engine, numVirtual: 50, seed: 7 });
    const b = initSoftPrompt({ kind: 'random' }, { engine, numVirtual: 50, seed: 7 });
    const c = initSoftPrompt({ kind: 'random' }, { engine, numVirtual: 50, seed: 8 });
    assert.ok(a.soft.data.every((v) => v >= -0.5 && v < 0.5));
    assert.ok(Math.min(...a.soft.data) < -0.4 && Math.max(...a.soft.data) > 0.4);
    assert.deepStrictEqual(a.soft.data, b.soft.data);
    assert.notDeepStrictEqual(a.soft.data, c.soft.data);
    assert.strictEqual(a.origin.init, 'RANDOM');
  });

  it('vocab: distinct embedding rows from the lowest ids, seeded', () => {
    const a = initSoftPrompt({ kind: 'vocab' }, { engine, numVirtual: 30, seed: 1 });
    const ids: number[] = [];
    for (let r = 0; r < 30; r++) {
      const found = [...Array(257).keys()].find((id) => row(id).every((v, k) => v === a.soft.data[r * 4 + k]));
      assert.ok(found !== undefined, `row ${r} is not an embedding row`);
      ids.push(found);
    }
    assert.strictEqual(new Set(ids).size, 30);
    assert.deepStrictEqual(initSoftPrompt({ kind: 'vocab' }, { engine, numVirtual: 30, seed: 1 }).soft.data, a.soft.data);
    assert.strictEqual(a.origin.init, 'SAMPLE_VOCAB');
  });

  it('text: the init text’s embeddings, repeated or truncated to the length (as PEFT)', () => {
    const ids = engine.tokenizer.encode('abc');
    const long = initSoftPrompt({ kind: 'text', text: 'abc' }, { engine, numVirtual: 7, seed: 0 });
    assert.deepStrictEqual([...long.soft.data], [0, 1, 2, 0, 1, 2, 0].flatMap((i) => row(ids[i])));
    const short = initSoftPrompt({ kind: 'text' }, { engine, numVirtual: 2, seed: 0, defaultText: 'abc' });
    assert.deepStrictEqual([...short.soft.data], [...row(ids[0]), ...row(ids[1])]);
    assert.deepStrictEqual(short.origin, { init: 'TEXT', initText: 'abc' });
    assert.throws(() => initSoftPrompt({ kind: 'text' }, { engine, seed: 0 }), /--init text needs a text/);
  });

  it('adapter:DIR continues from a saved prompt and checks its size', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-init-'));
    const data = Float32Array.from({ length: 12 }, (_, i) => i / 7);
    saveAdapter(dir, { info: engine.info, soft: { numVirtual: 3, hiddenSize: 4, data }, origin: { init: 'TEXT', initText: 'hi' } });
    const r = initSoftPrompt(parseInitSpec(`adapter:${dir}`), { engine, seed: 0 });
    assert.deepStrictEqual(r.soft.data, data);
    assert.deepStrictEqual(r.origin, { init: 'TEXT', initText: 'hi' });
    assert.throws(() => initSoftPrompt({ kind: 'adapter', dir }, { engine, seed: 0, numVirtual: 5 }), /--virtual-tokens 5 does not match the 3 virtual tokens/);
    const other = new FakeEngine({ hiddenSize: 6 });
    assert.throws(() => initSoftPrompt({ kind: 'adapter', dir }, { engine: other, seed: 0 }), /belongs to another model/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('parses --init values and rejects unknown ones', () => {
    assert.deepStrictEqual(parseInitSpec('text', 'x'), { kind: 'text', text: 'x' });
    assert.deepStrictEqual(parseInitSpec('adapter:a/b'), { kind: 'adapter', dir: 'a/b' });
    assert.throws(() => parseInitSpec('zeros'), { message: 'unknown --init "zeros": use text, vocab, random or adapter:DIR' });
    assert.throws(() => parseInitSpec('vocab', 'x'), /--init-text only applies to --init text/);
  });
});
