/** A realistic report for renderer tests, built from synthetic predictions with the real metric code. */
import { classificationMetrics } from '../../src/eval/metrics';
import { bootstrapAccuracy, mcnemar, meanStd, mulberry32 } from '../../src/bench/stats';
import type { BenchReport, CurvePoint, PromptResult } from '../../src/bench/report/schema';
import { aggregates, compareBestGeneration, generationPromptMetrics, generationSamples } from '../../src/bench/report/build';
import type { GenerationPrediction } from '../../src/eval/evaluate-generation';
import { scoreGeneration } from '../../src/prompts/generation-metrics';

export const HOSTILE_LABEL = '<img src=x onerror=alert(1)>';
export const HOSTILE_NAME = '</script><script>alert("name")</script>';

const LABELS = ['negative', 'positive', HOSTILE_LABEL];

function goldLabels(n: number): string[] {
  const random = mulberry32(99);
  return Array.from({ length: n }, () => LABELS[random() < 0.45 ? 0 : random() < 0.85 ? 1 : 2]);
}

function predictionsWithAccuracy(gold: string[], rate: number, seed: number): { predicted: string[]; probabilities: number[][] } {
  const random = mulberry32(seed);
  const predicted: string[] = [];
  const probabilities: number[][] = [];
  for (const g of gold) {
    const right = random() < rate;
    const p = right ? g : LABELS[(LABELS.indexOf(g) + 1 + Math.floor(random() * 2)) % 3];
    predicted.push(p);
    const confidence = 0.4 + 0.6 * random();
    probabilities.push(LABELS.map((l) => (l === p ? confidence : (1 - confidence) / 2)));
  }
  return { predicted, probabilities };
}

function curve(seed: number): CurvePoint[] {
  const random = mulberry32(seed);
  return Array.from({ length: 30 }, (_, i) => ({
    step: (i + 1) * 10,
    loss: 1.2 * Math.exp(-i / 9) + 0.35 + 0.05 * random(),
    ...(i % 5 === 4 ? { evalAccuracy: 0.55 + 0.3 * (1 - Math.exp(-i / 8)) + 0.02 * random() } : {}),
  }));
}

export function sampleReport(): { report: BenchReport; correct: Record<string, boolean[]> } {
  const gold = goldLabels(240);
  const correct: Record<string, boolean[]> = {};
  const prompt = (id: string, kind: PromptResult['kind'], name: string, rate: number, seed: number, extra: Partial<PromptResult>): PromptResult => {
    const { predicted, probabilities } = predictionsWithAccuracy(gold, rate, seed);
    const m = classificationMetrics({ gold, predicted, probabilities, labels: LABELS });
    correct[id] = gold.map((g, i) => g === predicted[i]);
    return {
      id,
      kind,
      name,
      source: kind === 'hard' ? `prompts/${id.split(':')[1]}.prompt` : `adapters/${id.split(':')[1]}`,
      metrics: { accuracy: m.accuracy, accuracyCI: bootstrapAccuracy(correct[id]), macroF1: m.macroF1, perClass: m.perClass, labels: m.labels, confusion: m.confusion, ece: m.ece },
      promptLength: kind === 'soft' ? 20 : 14,
      trainableParams: kind === 'soft' ? 20 * 256 : 0,
      tuningSeconds: kind === 'soft' ? 73.4 + seed : 0,
      examplesPerSecond: 211.5 - seed,
      latencyMs: { p50: 6.2 + seed / 10, p95: 9.8 + seed / 10, sampleSize: 32 },
      peakRssMB: 412 + seed,
      truncated: 0,
      predictionsFile: `predictions/${id.replace(':', '-')}.jsonl`,
      ...extra,
    };
  };
  const prompts: PromptResult[] = [
    prompt('hard:sentiment', 'hard', 'sentiment (zero-shot)', 0.68, 1, {}),
    prompt('hard:hostile', 'hard', HOSTILE_NAME, 0.61, 2, { truncated: 3 }),
    prompt('soft:seed-0', 'soft', 'soft prompt · seed 0', 0.8, 3, { seed: 0, trainingCurve: curve(3) }),
    prompt('soft:seed-1', 'soft', 'soft prompt · seed 1', 0.77, 4, { seed: 1, trainingCurve: curve(4) }),
    prompt('projection:seed-0', 'projection', 'projection · seed 0', 0.5, 5, { seed: 0, projection: { text: ' great movie</script><!-- `` **bold**', fromPromptId: 'soft:seed-0' } }),
    prompt('projection:seed-1', 'projection', 'projection · seed 1', 0.47, 6, { seed: 1, projection: { text: 'film film awful', fromPromptId: 'soft:seed-1' } }),
  ];
  const soft = prompts.filter((p) => p.kind === 'soft');
  const projection = prompts.filter((p) => p.kind === 'projection');
  const aggregate = (ps: PromptResult[]) => ({
    n: ps.length,
    accuracy: meanStd(ps.map((p) => p.metrics!.accuracy)),
    macroF1: meanStd(ps.map((p) => p.metrics!.macroF1)),
    ece: meanStd(ps.map((p) => p.metrics!.ece)),
  });
  const test = mcnemar(correct['soft:seed-0'], correct['hard:sentiment']);
  const report: BenchReport = {
    schemaVersion: 1,
    engineVersion: '0.1.0',
    createdAt: '2025-01-02T03:04:05.000Z',
    command: 'ptune bench --model ../shared/models/imdb-gpt2-small --data dev.jsonl --seeds 2 | tee `log`',
    model: { dir: '../shared/models/imdb-gpt2-small', nameOrPath: 'imdb-gpt2-small', filesHash: 'a'.repeat(64) },
    dataset: { file: '../shared/datasets/sst2/dev.jsonl', hash: 'b'.repeat(64), n: gold.length, skipped: 0 },
    trainDataset: { file: '../shared/datasets/sst2/train.jsonl', hash: 'c'.repeat(64), n: 6920, skipped: 2 },
    prompts,
    aggregates: { soft: aggregate(soft), projection: aggregate(projection) },
    comparison: { test: 'mcnemar', softPromptId: 'soft:seed-0', hardPromptId: 'hard:sentiment', ...test },
  };
  return { report, correct };
}

/**
 * A generation report for renderer tests: synthetic outputs scored with the real metric code, intervals and the
 * paired comparison from the report builder.
 */
export function sampleGenerationReport(): BenchReport {
  const answers = ['paris', 'blue whale', 'four', 'the moon', 'oxygen', 'mount everest', 'seven', 'jupiter'];
  const rows = Array.from({ length: 40 }, (_, i) => answers[i % answers.length]);
  const outputs = (seed: number, rate: number) => {
    const random = mulberry32(seed);
    return rows.map((target) => {
      const r = random();
      const output = r < rate ? target : r < rate + 0.2 ? `it is ${target} I think` : 'no idea';
      return { output, target, ...scoreGeneration(output, target), milliseconds: 40 + 10 * random() };
    });
  };
  const predictions = new Map<string, GenerationPrediction[]>();
  const prompt = (id: string, kind: PromptResult['kind'], name: string, rate: number, seed: number, extra: Partial<PromptResult> = {}): PromptResult => {
    const p = outputs(seed, rate);
    predictions.set(id, p);
    return {
      id, kind, name,
      source: kind === 'hard' ? `prompts/${id.split(':')[1]}.prompt` : `adapters/${id.split(':')[1]}`,
      generation: generationPromptMetrics(p),
      samples: generationSamples(p, 3),
      promptLength: kind === 'soft' ? 8 : 11,
      trainableParams: kind === 'soft' ? 8 * 64 : 0,
      tuningSeconds: kind === 'soft' ? 42.5 : 0,
      examplesPerSecond: 12.25 + seed,
      latencyMs: { p50: 80.5 + seed, p95: 120.25 + seed, sampleSize: 16 },
      peakRssMB: 300,
      truncated: 0,
      predictionsFile: `predictions/${id.replace(':', '-')}.jsonl`,
      ...extra,
    };
  };
  const prompts = [
    prompt('hard:quiz', 'hard', 'quiz | <b>answer</b>', 0.4, 11),
    prompt('soft:seed-0', 'soft', 'soft prompt · seed 0', 0.6, 12, { seed: 0 }),
    prompt('projection:seed-0', 'projection', 'projection · seed 0', 0.3, 13, { seed: 0, projection: { text: 'answer quiz', fromPromptId: 'soft:seed-0' }, truncated: 2 }),
  ];
  return {
    schemaVersion: 2,
    task: 'generation',
    engineVersion: '0.1.0',
    createdAt: '2025-01-02T03:04:05.000Z',
    command: 'ptune bench --data qa.jsonl --hard quiz.prompt --tune',
    model: { dir: 'models/tiny', nameOrPath: 'tiny', filesHash: 'd'.repeat(64) },
    dataset: { file: 'qa.jsonl', hash: 'e'.repeat(64), n: rows.length, skipped: 0 },
    prompts,
    aggregates: aggregates(prompts),
    comparison: compareBestGeneration(prompts, predictions),
  };
}
