/**
 * npm run bench:generate [-- --model DIR] — greedy decoding speed on imdb-gpt2-small (default): a 64-token
 * prompt and 128 new tokens (EOS ignored, so both sides do the same work), median of 5 runs after a warm-up,
 * this engine's KV-cache decoder next to Transformers.js `generate` on the model's own onnx/model.onnx, in the
 * same process and run, the two sides' runs alternating. Prints one JSON object as its last stdout line.
 */
import { Engine } from '../src/engine/engine';
import { sharedPathOrUndefined } from '../test/helpers/shared';
import { median } from './timing';

const [PROMPT_TOKENS, NEW_TOKENS, RUNS] = [64, 128, 5];

function argmax(logits: Float32Array): number {
  let best = 0;
  for (let v = 1; v < logits.length; v++) if (logits[v] > logits[best]) best = v;
  return best;
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--model');
  const dir = at > 0 ? process.argv[at + 1] : sharedPathOrUndefined('models/imdb-gpt2-small');
  if (!dir) throw new Error('bench:generate needs a model: --model DIR (default ../shared/models/imdb-gpt2-small)');
  const engine = await Engine.load(dir);
  const tok = engine.tokenizer;
  let prompt = tok.encode('I watched this film last night with a few friends and, to be honest, we did not expect much from it.');
  while (prompt.length < PROMPT_TOKENS) prompt = [...prompt, ...prompt];
  prompt = prompt.slice(0, PROMPT_TOKENS);

  const ours = async () => {
    const t0 = performance.now();
    const decoder = engine.decoder([prompt], { maxNewTokens: NEW_TOKENS });
    let logits = (await decoder.start())[0];
    const ttft = performance.now() - t0;
    const ids = [argmax(logits)];
    while (ids.length < NEW_TOKENS) {
      logits = (await decoder.step([ids[ids.length - 1]]))[0];
      ids.push(argmax(logits));
    }
    const total = performance.now() - t0;
    return { ttft, decodeTokensPerSecond: (NEW_TOKENS - 1) / ((total - ttft) / 1000), ids };
  };

  const { AutoModelForCausalLM, Tensor, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  const model = await AutoModelForCausalLM.from_pretrained(dir, { local_files_only: true, dtype: 'fp32' });
  const input = { input_ids: new Tensor('int64', BigInt64Array.from(prompt, BigInt), [1, PROMPT_TOKENS]), attention_mask: new Tensor('int64', new BigInt64Array(PROMPT_TOKENS).fill(1n), [1, PROMPT_TOKENS]) };
  const theirs = async () => {
    const t0 = performance.now();
    const out = (await model.generate({ ...input, max_new_tokens: 1, do_sample: false })) as { data: BigInt64Array };
    const ttft = performance.now() - t0;
    const t1 = performance.now();
    const full = (await model.generate({ ...input, max_new_tokens: NEW_TOKENS, min_new_tokens: NEW_TOKENS, do_sample: false })) as { data: BigInt64Array };
    const total = performance.now() - t1;
    // Decode rate: everything after the first token, with the measured time to first token taken out.
    return { ttft, decodeTokensPerSecond: (NEW_TOKENS - 1) / ((total - ttft) / 1000), ids: Array.from(full.data.slice(PROMPT_TOKENS), Number), first: Number(out.data[PROMPT_TOKENS]) };
  };

  type Run = { ttft: number; decodeTokensPerSecond: number; ids: number[] };
  // Alternating runs, so that both sides meet the same machine load (other processes come and go).
  await ours();
  await theirs();
  const [runsA, runsB]: Run[][] = [[], []];
  for (let i = 0; i < RUNS; i++) {
    runsA.push(await ours());
    runsB.push(await theirs());
  }
  const summary = (runs: Run[]) => ({ runs, ttft: median(runs.map((r) => r.ttft)), rate: median(runs.map((r) => r.decodeTokensPerSecond)) });
  const [a, b] = [summary(runsA), summary(runsB)];
  const same = a.runs[0].ids.every((id, i) => id === b.runs[0].ids[i]);
  await engine.dispose();
  await model.dispose();
  console.log(
    JSON.stringify({
      model: dir,
      promptTokens: PROMPT_TOKENS,
      newTokens: NEW_TOKENS,
      runs: RUNS,
      engine: { timeToFirstTokenMs: Math.round(a.ttft), decodeTokensPerSecond: Number(a.rate.toFixed(1)) },
      transformersJs: { timeToFirstTokenMs: Math.round(b.ttft), decodeTokensPerSecond: Number(b.rate.toFixed(1)) },
      speedup: Number((a.rate / b.rate).toFixed(2)),
      sameTokens: same,
    }),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
