/** Transformers.js as the outside reference: a model folder's onnx/model.onnx, fp32, local files only. */
import type { PreTrainedModel } from '@huggingface/transformers';

/** Hand-written parity sentences: a single token, short and long text, punctuation, non-ASCII and emoji. */
export const HANDWRITTEN_SENTENCES = [
  'A',
  'The movie was',
  'I watched this film last night and',
  'Worst. Film. Ever.',
  'This is one of those films that stays with you for days, long after the credits roll and the lights come up.',
  'Ünïcödé and emoji 🎬 survive tokenization',
];

export async function loadReferenceModel(dir: string): Promise<PreTrainedModel> {
  const { AutoModelForCausalLM, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  return AutoModelForCausalLM.from_pretrained(dir, { local_files_only: true, dtype: 'fp32' });
}

/**
 * Max abs difference between `ours` (full-vocabulary logits per sequence, [length × vocab]) and Transformers.js
 * on the same ids, run in right-padded batches of `batchSize` with an attention mask.
 */
export async function maxLogitDifference(dir: string, ids: number[][], ours: Float32Array[], vocab: number, batchSize: number): Promise<number> {
  const { Tensor } = await import('@huggingface/transformers');
  const model = await loadReferenceModel(dir);
  let maxDiff = 0;
  for (let start = 0; start < ids.length; start += batchSize) {
    const batch = ids.slice(start, start + batchSize);
    const T = Math.max(...batch.map((s) => s.length));
    const input = new BigInt64Array(batch.length * T);
    const mask = new BigInt64Array(batch.length * T);
    batch.forEach((s, b) => s.forEach((id, t) => ((input[b * T + t] = BigInt(id)), (mask[b * T + t] = 1n))));
    const out = await model({ input_ids: new Tensor('int64', input, [batch.length, T]), attention_mask: new Tensor('int64', mask, [batch.length, T]) });
    const theirs = out.logits.data as Float32Array;
    batch.forEach((s, b) => {
      const mine = ours[start + b];
      for (let t = 0; t < s.length; t++) {
        for (let v = 0; v < vocab; v++) maxDiff = Math.max(maxDiff, Math.abs(mine[t * vocab + v] - theirs[(b * T + t) * vocab + v]));
      }
    });
  }
  await model.dispose();
  return maxDiff;
}
