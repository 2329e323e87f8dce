/** The engine's prompt gradient (a soft prompt or a prefix-tuning prefix) against central finite differences, in float64 (engines loaded with dtype float64). */
import { strict as assert } from 'node:assert';
import type { LossKind, PromptParams, ScoredExample } from '../../src/engine/api';
import type { Engine } from '../../src/engine/engine';

/** Checks every coordinate of d loss / d soft against (L(x+h) − L(x−h)) / 2h; returns the analytic gradient. */
export async function checkSoftPromptGradient(engine: Engine, examples: ScoredExample[], soft: PromptParams, kind: LossKind): Promise<ArrayLike<number>> {
  const base = Float64Array.from(soft.data);
  const { grad } = await engine.lossInternal(examples, soft, kind, true, base);
  const h = 1e-6;
  for (let i = 0; i < base.length; i++) {
    const plus = base.slice();
    const minus = base.slice();
    plus[i] += h;
    minus[i] -= h;
    const lp = (await engine.lossInternal(examples, soft, kind, false, plus)).loss;
    const lm = (await engine.lossInternal(examples, soft, kind, false, minus)).loss;
    const numeric = (lp - lm) / (2 * h);
    assert.ok(Math.abs(numeric - grad![i]) <= 1e-6 * Math.max(1, Math.abs(numeric)), `d/dsoft[${i}]: analytic ${grad![i]} vs numeric ${numeric}`);
  }
  assert.ok(grad!.some((g) => Math.abs(g) > 1e-4), 'the gradient is not trivially zero');
  return grad!;
}
