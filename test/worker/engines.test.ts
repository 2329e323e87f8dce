import * as assert from 'assert';
import * as path from 'path';
import type { ModelEngine } from '../../src/engine/api';
import { EngineCache, MAX_CACHED_ENGINES } from '../../src/worker/engines';
import { FakeEngine } from '../helpers/fake-engine';

describe('worker: engine cache', () => {
  function counting() {
    const loads: string[] = [];
    const engines: FakeEngine[] = [];
    const cache = new EngineCache(async (dir) => {
      loads.push(dir);
      if (dir.endsWith('broken')) throw new Error('cannot load');
      const e = new FakeEngine({ dir });
      engines.push(e);
      return e as ModelEngine;
    });
    return { cache, loads, engines };
  }

  it('loads a folder once, however it is spelled, and shares a load in progress', async () => {
    const { cache, loads } = counting();
    const [a, b] = await Promise.all([cache.get('models/m'), cache.get(path.resolve('models/m'))]);
    assert.strictEqual(a, b);
    assert.strictEqual(await cache.get('./models/../models/m'), a);
    assert.deepStrictEqual(loads, [path.resolve('models/m')]);
  });

  it('does not cache a failed load', async () => {
    const { cache, loads } = counting();
    await assert.rejects(cache.get('broken'), /cannot load/);
    await assert.rejects(cache.get('broken'), /cannot load/);
    assert.strictEqual(loads.length, 2);
  });

  it(`keeps at most ${MAX_CACHED_ENGINES} models, disposing the least recently used`, async () => {
    const { cache, loads, engines } = counting();
    await cache.get('a');
    await cache.get('b');
    await cache.get('a');
    await cache.get('c');
    await new Promise((r) => setImmediate(r));
    assert.deepStrictEqual(engines.map((e) => [path.basename(e.info.dir), e.disposed]), [['a', false], ['b', true], ['c', false]]);
    await cache.get('a');
    assert.strictEqual(loads.length, 3);
    await cache.disposeAll();
    assert.ok(engines.every((e) => e.disposed));
  });
});
