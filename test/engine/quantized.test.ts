/**
 * Quantized frozen weights (models/quantize.ts, onnx/quantized.ts):
 *  - the block format against a plain loop, and the rounding bound;
 *  - MatMulNBits and its gradient rule against the dequantized matrices computed here;
 *  - a quantized engine equals a float32 engine given the dequantized weights (logits), on every family, and its
 *    gradient points the same way as the float32 one on the shared GPT-2.
 */
import { strict as assert } from 'node:assert';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScoredExample, SoftPrompt } from '../../src/engine/api';
import { appendGradients } from '../../src/engine/autodiff/backward';
import { Engine } from '../../src/engine/engine';
import { describeModel } from '../../src/engine/models/index';
import { dequantizeBlocks, nbitsSpec, quantizeBlocks, QUANT_BLOCK_SIZE, WEIGHT_FORMATS, type WeightFormat } from '../../src/engine/models/quantize';
import { readSafetensors, writeSafetensors } from '../../src/engine/models/safetensors';
import { Graph } from '../../src/engine/onnx/graph';
import { matmulNBits, type NBitsSpec } from '../../src/engine/onnx/quantized';
import { CompiledGraph } from '../../src/engine/runtime/session';
import { mulberry } from '../helpers/random';
import { sharedPath } from '../helpers/shared';
import { TINY_FAMILY_CONFIGS, writeTinyFamily } from '../helpers/tiny-family';
import { writeTinyGpt2 } from '../helpers/tiny-model';

const root = mkdtempSync(join(tmpdir(), 'ptune-quant-'));
after(() => rmSync(root, { recursive: true, force: true }));

const randomMatrix = (n: number, seed: number) => {
  const rnd = mulberry(seed);
  return Float32Array.from({ length: n }, () => (rnd() - 0.5) * 2);
};
const SPECS: [string, NBitsSpec][] = [['int8', nbitsSpec('int8')!], ['int4', nbitsSpec('int4')!]];

describe('quantized weights: block format', () => {
  for (const [label, spec] of SPECS) {
    it(`${label}: every value is within half a step of its block's scale, padding included (cols not a multiple of the block)`, () => {
      const [rows, cols] = [5, 2 * QUANT_BLOCK_SIZE + 7];
      const w = randomMatrix(rows * cols, 3);
      const m = quantizeBlocks(w, rows, cols, spec);
      const back = dequantizeBlocks(m, rows, cols, spec);
      const blocks = Math.ceil(cols / QUANT_BLOCK_SIZE);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const scale = m.scales[r * blocks + Math.floor(c / QUANT_BLOCK_SIZE)];
          assert.ok(Math.abs(back[r * cols + c] - w[r * cols + c]) <= scale / 2 + 1e-6, `(${r}, ${c})`);
        }
        // The largest value of each block is exact (its scale is chosen from it).
        for (let b = 0; b < blocks; b++) {
          const slice = Array.from({ length: Math.min(QUANT_BLOCK_SIZE, cols - b * QUANT_BLOCK_SIZE) }, (_, j) => r * cols + b * QUANT_BLOCK_SIZE + j);
          const top = slice.reduce((best, i) => (Math.abs(w[i]) > Math.abs(w[best]) ? i : best));
          assert.ok(Math.abs(back[top] - w[top]) < 1e-6);
        }
      }
    });

    it(`${label}: quantizing with transpose equals quantizing the transposed matrix`, () => {
      const [rows, cols] = [40, 9];
      const w = randomMatrix(rows * cols, 4);
      const t = new Float32Array(rows * cols);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = w[r * cols + c];
      const a = quantizeBlocks(w, rows, cols, spec, true);
      const b = quantizeBlocks(t, cols, rows, spec);
      assert.deepEqual(Array.from(a.q), Array.from(b.q));
      assert.deepEqual(Array.from(a.scales), Array.from(b.scales));
    });
  }

  it('int4 packs two values per byte, the first in the low nibble, around zero point 8 (MatMulNBits)', () => {
    const spec = nbitsSpec('int4')!;
    // One block: 7·s, −7·s, 0, 1·s, then zeros; s = 0.5.
    const w = new Float32Array(QUANT_BLOCK_SIZE);
    w.set([3.5, -3.5, 0, 0.5]);
    const m = quantizeBlocks(w, 1, QUANT_BLOCK_SIZE, spec);
    assert.equal(m.scales[0], 0.5);
    assert.equal(m.q[0], 15 | (1 << 4));
    assert.equal(m.q[1], 8 | (9 << 4));
    assert.equal(m.q[2], 8 | (8 << 4));
  });
});

describe('quantized weights: MatMulNBits and its gradient rule', () => {
  for (const [label, spec] of SPECS) {
    it(`${label}: y = x·Wᵀ and dL/dx = dy·W match the dequantized copies`, async () => {
      const [M, K, N] = [3, 40, 24];
      const w = randomMatrix(N * K, 5);
      const x = randomMatrix(M * K, 6);
      const r = randomMatrix(M * N, 7);
      const g = new Graph();
      const xin = g.input('x', [M, K]);
      const y = matmulNBits(g, xin, 'w', N, K, spec);
      g.output(y, 'y');
      const loss = g.reduceSum(g.mul(y, g.input('r', [M, N])), [0, 1], false);
      g.output(appendGradients(g, loss, [xin])[0], 'dx');
      const forward = quantizeBlocks(w, N, K, spec);
      const backward = quantizeBlocks(w, N, K, spec, true);
      const session = await CompiledGraph.create(g, { threads: 1 });
      const out = await session.run({ x, r, 'w.q': forward.q, 'w.scales': forward.scales, 'w.qT': backward.q, 'w.scalesT': backward.scales });
      await session.dispose();
      const wf = dequantizeBlocks(forward, N, K, spec);
      const wb = dequantizeBlocks(backward, K, N, spec); // [K, N] = Wᵀ
      for (let i = 0; i < M; i++) {
        for (let n = 0; n < N; n++) {
          let expect = 0;
          for (let k = 0; k < K; k++) expect += x[i * K + k] * wf[n * K + k];
          assert.ok(Math.abs((out.y as Float32Array)[i * N + n] - expect) < 1e-4, `y[${i}, ${n}]`);
        }
        for (let k = 0; k < K; k++) {
          let expect = 0;
          for (let n = 0; n < N; n++) expect += r[i * N + n] * wb[k * N + n];
          assert.ok(Math.abs((out.dx as Float32Array)[i * K + k] - expect) < 1e-4, `dx[${i}, ${k}]`);
        }
      }
    });
  }
});

/** A copy of `dir` whose linear weights are replaced by what `format` stores, dequantized to float32. */
function dequantizedCopy(dir: string, format: WeightFormat, out: string): string {
  mkdirSync(out, { recursive: true });
  for (const f of readdirSync(dir)) if (!f.endsWith('.safetensors')) copyFileSync(join(dir, f), join(out, f));
  const config = JSON.parse(require('node:fs').readFileSync(join(dir, 'config.json'), 'utf8'));
  const arch = describeModel(config, join(dir, 'config.json'));
  const spec = nbitsSpec(format)!;
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [name, t] of readSafetensors(join(dir, 'model.safetensors'))) {
    let data = t.data;
    if (arch.linearWeights.includes(name.replace(/^transformer\./, ''))) {
      const [rows, cols] = t.shape;
      if (arch.linearLayout === 'in-out') {
        const d = dequantizeBlocks(quantizeBlocks(t.data, rows, cols, spec, true), cols, rows, spec);
        data = new Float32Array(rows * cols);
        for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[r * cols + c] = d[c * rows + r];
      } else {
        data = dequantizeBlocks(quantizeBlocks(t.data, rows, cols, spec), rows, cols, spec);
      }
    }
    tensors[name] = { shape: [...t.shape], data };
  }
  writeSafetensors(join(out, 'model.safetensors'), tensors);
  return out;
}

function randomSoft(numVirtual: number, hiddenSize: number, seed: number): SoftPrompt {
  const rnd = mulberry(seed);
  return { numVirtual, hiddenSize, data: Float32Array.from({ length: numVirtual * hiddenSize }, () => (rnd() - 0.5) * 0.5) };
}

function examples(tok: Engine['tokenizer']): ScoredExample[] {
  const rows = ['the hat is great', 'the re the re, bad', 'great great', 'x'];
  return rows.map((text, i) => ({ promptIds: tok.encode(`Review: ${text}. Rating:`), continuations: [tok.encode(' great'), tok.encode(' terrible')], gold: i % 2 }));
}

const cosine = (a: Float32Array, b: Float32Array) => {
  let [ab, aa, bb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) [ab, aa, bb] = [ab + a[i] * b[i], aa + a[i] * a[i], bb + b[i] * b[i]];
  // Both zero (virtual tokens beyond a sliding window's reach): the same gradient.
  return aa === 0 && bb === 0 ? 1 : ab / Math.sqrt(aa * bb);
};

describe('quantized weights: the engine', () => {
  const families = ['gpt2', ...Object.keys(TINY_FAMILY_CONFIGS)];
  for (const family of families) {
    for (const format of ['int8', 'int4'] as const) {
      const minCosine = format === 'int8' ? 0.999 : 0.9;
      it(`${family}, ${format}: logits equal a float32 engine on the dequantized weights; the gradient agrees (cosine ≥ ${minCosine})`, async function () {
        const dir = join(root, `${family}-model`);
        const made = family === 'gpt2' ? writeTinyGpt2(dir) : writeTinyFamily(dir, family);
        const reference = dequantizedCopy(made.dir, format, join(root, `${family}-${format}-deq`));
        const q = await Engine.load(made.dir, { threads: 1, weights: format });
        const f = await Engine.load(reference, { threads: 1 });
        try {
          const seqs = [q.tokenizer.encode('the hat is great'), q.tokenizer.encode('re')];
          const soft = randomSoft(3, made.hidden, 9);
          const [a, b] = [await q.logits(seqs, soft), await f.logits(seqs, soft)];
          let worst = 0;
          a.forEach((row, i) => row.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - b[i][j])))));
          assert.ok(worst < 1e-4, `largest logit difference ${worst}`);
          const ex = examples(q.tokenizer);
          const [ga, gb] = [await q.lossAndGrad(ex, soft, 'verbalizer'), await f.lossAndGrad(ex, soft, 'verbalizer')];
          assert.ok(Math.abs(ga.loss - gb.loss) < 1e-4);
          // The input gradient reads the copy quantized along the other axis: close, not equal (4 bits on these
          // tiny random matrices, with rows of 16 values, is far coarser than on a real model: see the last test).
          assert.ok(cosine(ga.grad, gb.grad) >= minCosine, `cosine ${cosine(ga.grad, gb.grad)}`);
        } finally {
          await q.dispose();
          await f.dispose();
        }
      });
    }
  }

  it('on imdb-gpt2-small the quantized gradients point where the float32 one does (int8 cosine ≥ 0.99, int4 ≥ 0.95)', async function () {
    const dir = sharedPath(this, 'models/imdb-gpt2-small');
    const engines = Object.fromEntries(await Promise.all(WEIGHT_FORMATS.map(async (w) => [w, await Engine.load(dir, { weights: w })] as const)));
    try {
      const tok = engines.f32.tokenizer;
      const ex = examples(tok);
      const soft = { numVirtual: 8, hiddenSize: engines.f32.info.hiddenSize, data: engines.f32.embeddings.slice(1000 * engines.f32.info.hiddenSize, 1008 * engines.f32.info.hiddenSize) };
      const grads = Object.fromEntries(await Promise.all(WEIGHT_FORMATS.map(async (w) => [w, await engines[w].lossAndGrad(ex, soft, 'verbalizer')] as const)));
      const c8 = cosine(grads.int8.grad, grads.f32.grad);
      const c4 = cosine(grads.int4.grad, grads.f32.grad);
      console.log(`      gradient cosine with float32: int8 ${c8.toFixed(5)}, int4 ${c4.toFixed(5)}; loss f32 ${grads.f32.loss.toFixed(4)}, int8 ${grads.int8.loss.toFixed(4)}, int4 ${grads.int4.loss.toFixed(4)}`);
      assert.ok(c8 >= 0.99, `int8 cosine ${c8}`);
      assert.ok(c4 >= 0.95, `int4 cosine ${c4}`);
    } finally {
      await Promise.all(Object.values(engines).map((e) => e.dispose()));
    }
  });
});
