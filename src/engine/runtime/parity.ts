/**
 * Before the first job on a device other than the CPU: the same forward pass (continuation scores) and the
 * same gradient (verbalizer loss with respect to a soft prompt) on a few rows, on the device and on the CPU.
 * A device whose numbers disagree beyond the tolerance is not used (the caller falls back to the CPU).
 *
 * Tolerance: GPUs reorder float32 sums and may use TF32 matrix units (10-bit mantissa), so results differ
 * from the CPU's in the 4th significant digit, not in the 2nd. Scores and the loss must agree within
 * 1e-3 × max(1, |value|); the gradient within 1e-2 relative L2 error (‖g_dev − g_cpu‖ / ‖g_cpu‖).
 */
import type { ModelEngine, ScoredExample, SoftPrompt } from '../api';
import { createRng } from '../../data/random';

export const PARITY_TOLERANCE = { value: 1e-3, gradient: 1e-2 } as const;

const TEXTS = ['The film was a delight from start to finish.', 'A tedious, overlong mess.', 'Nothing here works.', 'Warm, funny and wise.'];
const PARITY_VIRTUAL_TOKENS = 4;

export interface ParityResult {
  passed: boolean;
  /** Largest |score_dev − score_cpu| / max(1, |score_cpu|) over the rows' continuation scores. */
  scoreError: number;
  /** |loss_dev − loss_cpu| / max(1, |loss_cpu|). */
  lossError: number;
  /** ‖g_dev − g_cpu‖ / ‖g_cpu‖. */
  gradientError: number;
  rows: number;
  /** One line for the log. */
  summary: string;
}

/** A few rows every tokenizer can encode, with two one-or-more-token continuations each. */
export function parityExamples(engine: Pick<ModelEngine, 'tokenizer'>): ScoredExample[] {
  const yes = engine.tokenizer.encode(' yes');
  const no = engine.tokenizer.encode(' no');
  return TEXTS.map((text, i) => ({ promptIds: engine.tokenizer.encode(`${text} Good?`), continuations: [yes, no], gold: i % 2 }));
}

/** A seeded soft prompt of the model's width, at the scale of its embeddings. */
export function paritySoftPrompt(engine: Pick<ModelEngine, 'info'>): SoftPrompt {
  const hiddenSize = engine.info.hiddenSize;
  const rng = createRng(17);
  const data = new Float32Array(PARITY_VIRTUAL_TOKENS * hiddenSize).map(() => (rng() - 0.5) * 0.2);
  return { numVirtual: PARITY_VIRTUAL_TOKENS, hiddenSize, data };
}

export async function checkParity(onDevice: ModelEngine, onCpu: ModelEngine, device: string): Promise<ParityResult> {
  const examples = parityExamples(onCpu);
  const soft = paritySoftPrompt(onCpu);
  const [deviceScores, cpuScores] = [await onDevice.score(examples, soft), await onCpu.score(examples, soft)];
  let scoreError = 0;
  cpuScores.forEach((row, i) => row.forEach((s, j) => (scoreError = Math.max(scoreError, relative(deviceScores[i][j], s)))));
  const [d, c] = [await onDevice.lossAndGrad(examples, soft, 'verbalizer'), await onCpu.lossAndGrad(examples, soft, 'verbalizer')];
  const lossError = relative(d.loss, c.loss);
  let diff = 0;
  let norm = 0;
  c.grad.forEach((g, k) => {
    diff += (d.grad[k] - g) ** 2;
    norm += g * g;
  });
  const gradientError = Math.sqrt(diff) / Math.max(Math.sqrt(norm), Number.MIN_VALUE);
  const finite = [scoreError, lossError, gradientError].every(Number.isFinite);
  const passed = finite && scoreError <= PARITY_TOLERANCE.value && lossError <= PARITY_TOLERANCE.value && gradientError <= PARITY_TOLERANCE.gradient;
  const summary =
    `parity check ${device} vs cpu on ${examples.length} rows: ${passed ? 'passed' : 'FAILED'} ` +
    `(scores ${scoreError.toExponential(1)}, loss ${lossError.toExponential(1)} within ${PARITY_TOLERANCE.value}; ` +
    `gradient ${gradientError.toExponential(1)} within ${PARITY_TOLERANCE.gradient} relative)`;
  return { passed, scoreError, lossError, gradientError, rows: examples.length, summary };
}

function relative(value: number, reference: number): number {
  return Math.abs(value - reference) / Math.max(1, Math.abs(reference));
}
