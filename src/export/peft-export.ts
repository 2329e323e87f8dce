/**
 * `ptune export-peft`: the training run `ptune train` would do, written out as a small Python project that runs
 * it with Hugging Face transformers + PEFT + accelerate on a GPU or a cluster:
 *
 *   train.py                  the loop (python/train.py beside this file): PEFT PROMPT_TUNING, this tool's loss,
 *                             optimizer, schedule, clipping, keep-best and early stopping
 *   job.json                  the settings, the model, and the training record the adapter will carry
 *   init_prompt.safetensors   the initial soft prompt this tool drew (so step 1 computes the same loss)
 *   data/train.jsonl          per row: the rendered prompt text and ids, every label continuation's ids, gold
 *   data/eval.jsonl           the same for the dev rows (when --eval is given)
 *   data/batches.json         the training rows of every step, in this tool's order (label-stratified batches)
 *   requirements.txt, accelerate_config.yaml, README.md
 *
 * Rows are rendered and tokenized here, with the tool's own templates and tokenizer, so Jinja, few-shot and
 * truncation logic never need porting. The adapter train.py writes is the PEFT layout src/tuning/adapter.ts reads.
 */
import * as fs from 'fs';
import * as path from 'path';
import { replaceFolderAtomic } from '../common/atomic-write';
import { UserError } from '../engine/errors';
import { encodeSafetensors } from '../engine/models/safetensors';
import { PROMPT_TENSOR_NAME } from '../tuning/adapter';
import { batchStream } from '../tuning/batching';
import { devLossKind, runLength } from '../tuning/trainer';
import { initialSoftPrompt } from '../tuning/train-run';
import type { TrainOptions } from '../tuning/train-options';
import type { TrainingRecord } from '../tuning/training-record';
import type { JobContext } from '../worker/jobs/context';
import type { LoadedExample } from '../worker/jobs/examples';
import { baseRecord, prepareTraining, type PreparedTraining } from '../worker/jobs/train';
import type { ExportPeftParams, ExportPeftResult } from '../worker/protocol';

/** Identifies an export folder (job.json `format`), so that a second export may replace it. */
export const EXPORT_FORMAT = 'ptune-peft-export';
export const EXPORT_FORMAT_VERSION = 1;

/**
 * The versions train.py was tested with (test/export/peft-export.test.ts runs it on them). The adapter layout
 * (adapter_config.json + `prompt_embeddings` in adapter_model.safetensors) has been stable across PEFT 0.x.
 */
export const PYTHON_REQUIREMENTS: Readonly<Record<string, string>> = {
  torch: '2.13.0',
  transformers: '5.18.0',
  peft: '0.21.0',
  accelerate: '1.15.0',
  safetensors: '0.8.0',
};

export const EXPORT_FILES = {
  script: 'train.py',
  job: 'job.json',
  initPrompt: 'init_prompt.safetensors',
  train: 'data/train.jsonl',
  eval: 'data/eval.jsonl',
  batches: 'data/batches.json',
  requirements: 'requirements.txt',
  accelerateConfig: 'accelerate_config.yaml',
  readme: 'README.md',
} as const;

/** One line of data/train.jsonl or data/eval.jsonl. */
export interface ExportedRow {
  /** Line of the source dataset file. */
  line: number;
  /** The rendered prompt (what prompt_ids encode). */
  prompt: string;
  prompt_ids: number[];
  /** Candidate continuations' ids (classification: one per label, in `labels` order) or the single target. */
  continuations: number[][];
  labels: string[];
  gold: number;
}

/** job.json: everything train.py reads besides the data files. */
export interface ExportedJob {
  format: typeof EXPORT_FORMAT;
  formatVersion: number;
  model: { dir: string; nameOrPath: string; modelType: string; hiddenSize: number; numLayers: number; numHeads: number; vocabSize: number };
  loss: 'lm' | 'verbalizer';
  /** The dev-set loss (verbalizer on classification rows, else lm); null without dev rows. */
  devKind: 'lm' | 'verbalizer' | null;
  numVirtualTokens: number;
  init: { peft: string; text: string | null; description: string };
  optimizer: { name: string; weightDecay: number };
  lr: number;
  schedule: string;
  warmupSteps: number;
  totalSteps: number;
  batchSize: number;
  clip: number | null;
  evalEvery: number;
  patience: number | null;
  keepBest: 'loss' | 'accuracy';
  seed: number;
  files: { train: string; eval: string | null; batches: string; initPrompt: string };
  /** The start of ptune_training.json; train.py adds the curve, evaluations and result. */
  record: TrainingRecord;
}

/** The exported train.py trains a soft prompt with PEFT's prompt tuning; other methods are refused before anything loads. */
export function checkExportMethod(options: Pick<TrainOptions, 'method'>): void {
  if (options.method !== 'prompt-tuning') {
    throw new UserError(`ptune export-peft exports prompt tuning only; --method ${options.method} is not exported (train it with ptune train --method ${options.method})`);
  }
}

/** Refuses an --out that holds anything but an earlier export (unless overwrite); writes nothing. */
export function checkExportFolder(dir: string, overwrite: boolean): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    return;
  }
  if (overwrite) return;
  if (!stat.isDirectory()) throw new UserError(`--out ${dir} exists and is a file; choose another folder or pass --overwrite to replace it`);
  if (fs.readdirSync(dir).length === 0 || isExportFolder(dir)) return;
  throw new UserError(`--out ${dir} exists and is not a ptune export folder (no ${EXPORT_FILES.job} of format ${EXPORT_FORMAT}); choose another folder or pass --overwrite to replace its contents`);
}

function isExportFolder(dir: string): boolean {
  try {
    return (JSON.parse(fs.readFileSync(path.join(dir, EXPORT_FILES.job), 'utf8')) as { format?: unknown }).format === EXPORT_FORMAT;
  } catch {
    return false;
  }
}

export async function runExportPeftJob(params: ExportPeftParams, ctx: JobContext<'exportPeft'>): Promise<ExportPeftResult> {
  if (typeof params.out !== 'string' || params.out === '') throw new UserError('--out is required');
  const out = path.resolve(params.out);
  const prepared = await prepareTraining(params, ctx, (options) => {
    checkExportMethod(options);
    checkExportFolder(out, params.overwrite ?? false);
  });
  ctx.progress({ type: 'status', message: `writing ${out}` });
  const files = writePeftExport(out, params, prepared);
  return {
    out,
    files,
    trainRows: prepared.train.items.length,
    evalRows: prepared.dev?.items.length ?? 0,
    totalSteps: runLength(prepared.config, prepared.train.items.length).totalSteps,
    loss: prepared.loss,
    truncatedRows: prepared.truncatedRows,
    warnings: prepared.warnings,
  };
}

/** Writes the project folder atomically; returns the files written, relative to `out`. */
export function writePeftExport(out: string, params: Omit<ExportPeftParams, 'out'>, p: PreparedTraining): string[] {
  const items = p.train.items;
  const devItems = p.dev?.items ?? [];
  const placed = [...items, ...devItems].find((i) => (i.example.softPromptAt ?? 0) > 0);
  if (placed) {
    throw new UserError(`${params.template}: the soft prompt sits inside the prompt (after ${placed.example.softPromptAt} tokens), but PEFT's prompt tuning always puts the virtual tokens first; use soft_prompt: prefix to export`, params.template);
  }
  const { config } = p;
  const train = items.map((i) => i.example);
  const dev = devItems.map((i) => i.example);
  const { totalSteps, evalEvery } = runLength(config, train.length);
  const nextBatch = batchStream(train, { batchSize: config.batchSize, shuffle: config.shuffle, stratify: config.stratify, seed: config.seed });
  const steps = Array.from({ length: totalSteps }, () => nextBatch().batch);
  const devKind = devLossKind(dev);
  const info = p.engine.info;
  const method = p.setup.method;
  const soft = initialSoftPrompt(method);
  const job: ExportedJob = {
    format: EXPORT_FORMAT,
    formatVersion: EXPORT_FORMAT_VERSION,
    model: { dir: info.dir, nameOrPath: info.nameOrPath, modelType: info.modelType, hiddenSize: info.hiddenSize, numLayers: info.numLayers, numHeads: info.numHeads, vocabSize: info.vocabSize },
    loss: p.loss,
    devKind: devKind ?? null,
    numVirtualTokens: soft.numVirtual,
    init: { peft: method.origin.init, text: method.origin.initText ?? null, description: method.description },
    optimizer: { name: config.optimizer.name, weightDecay: config.optimizer.weightDecay ?? 0 },
    lr: config.lr,
    schedule: config.schedule,
    warmupSteps: config.warmupSteps,
    totalSteps,
    batchSize: config.batchSize,
    clip: config.clip ?? null,
    evalEvery,
    patience: config.patience ?? null,
    keepBest: config.keepBest ?? 'loss',
    seed: config.seed,
    files: { train: EXPORT_FILES.train, eval: devItems.length > 0 ? EXPORT_FILES.eval : null, batches: EXPORT_FILES.batches, initPrompt: EXPORT_FILES.initPrompt },
    record: { ...baseRecord(params, p, new Date().toISOString(), 'ptune export-peft (train.py)'), training: { ...config, totalSteps } },
  };
  const written: string[] = [];
  replaceFolderAtomic(out, (temp) => {
    const write = (rel: string, contents: string | Uint8Array) => {
      fs.mkdirSync(path.dirname(path.join(temp, rel)), { recursive: true });
      fs.writeFileSync(path.join(temp, rel), contents);
      written.push(rel);
    };
    write(EXPORT_FILES.script, fs.readFileSync(path.join(__dirname, 'python', 'train.py')));
    write(EXPORT_FILES.job, JSON.stringify(job, null, 2) + '\n');
    write(EXPORT_FILES.initPrompt, encodeSafetensors({ [PROMPT_TENSOR_NAME]: { shape: [soft.numVirtual, soft.hiddenSize], data: soft.data } }, { format: 'pt' }));
    write(EXPORT_FILES.train, jsonl(items));
    if (devItems.length > 0) write(EXPORT_FILES.eval, jsonl(devItems));
    write(EXPORT_FILES.batches, `{"steps": [\n${steps.map((b) => JSON.stringify(b)).join(',\n')}\n]}\n`);
    write(EXPORT_FILES.requirements, Object.entries(PYTHON_REQUIREMENTS).map(([name, version]) => `${name}==${version}`).join('\n') + '\n');
    write(EXPORT_FILES.accelerateConfig, ACCELERATE_SINGLE_GPU);
    write(EXPORT_FILES.readme, readme(job, train.length, dev.length));
  });
  return written;
}

function jsonl(items: readonly LoadedExample[]): string {
  return items
    .map((i): ExportedRow => ({ line: i.line, prompt: i.text, prompt_ids: i.example.promptIds, continuations: i.example.continuations, labels: i.labels, gold: i.example.gold! }))
    .map((row) => JSON.stringify(row) + '\n')
    .join('');
}

/** accelerate's config file (accelerate/commands/config/config_args.py ClusterConfig) for one process on one GPU. */
const ACCELERATE_SINGLE_GPU = `compute_environment: LOCAL_MACHINE
distributed_type: 'NO'
num_machines: 1
machine_rank: 0
num_processes: 1
gpu_ids: '0'
mixed_precision: 'no'
use_cpu: false
debug: false
downcast_bf16: false
rdzv_backend: static
same_network: true
main_training_function: main
enable_cpu_affinity: false
`;

function readme(job: ExportedJob, trainRows: number, devRows: number): string {
  return `# Soft-prompt training exported by ptune

The run \`ptune train\` would do on ${job.model.nameOrPath}: ${job.numVirtualTokens} virtual tokens (init ${job.init.description}),
the ${job.loss} loss, ${job.optimizer.name} at lr ${job.lr} (${job.schedule}, ${job.warmupSteps} warmup steps), ${job.totalSteps} steps of
${job.batchSize} rows over ${trainRows} training rows${devRows > 0 ? `, evaluated on ${devRows} dev rows every ${job.evalEvery} steps, keeping the best by ${job.keepBest}` : ''}.

## Run it

\`\`\`
pip install -r requirements.txt
accelerate launch --config_file accelerate_config.yaml train.py --model ${job.model.dir} --out adapter
\`\`\`

\`--model\` is the base model folder (or its Hugging Face Hub id, e.g. \`${job.model.nameOrPath}\`). Each step prints one
JSON line (\`{"event": "step", "loss": …}\`). The adapter folder (\`adapter_config.json\`, \`adapter_model.safetensors\`,
\`ptune_training.json\`) is PEFT's prompt-tuning layout: copy it back and use it as it is —
\`ptune eval --soft adapter …\`, the Soft Prompts view, or \`PeftModel.from_pretrained(model, "adapter")\`.

## More GPUs, more nodes

- Several GPUs on one machine: \`accelerate launch --multi_gpu --num_processes 8 train.py --out adapter\`.
  Every step's batch is split across the processes and the soft prompt's gradients are summed, so the
  result is the one-GPU run's (the batch order is fixed in \`data/batches.json\`).
- Several machines: run on each node
  \`accelerate launch --multi_gpu --num_machines 2 --machine_rank <0|1> --num_processes 16 --main_process_ip <node0> --main_process_port 29500 train.py --out adapter\`
  (or \`accelerate config\` once per node); under SLURM, \`srun\` the same command with \`--machine_rank $SLURM_NODEID\`.
- A model too large for one GPU: \`python train.py --device-map auto --dtype bfloat16 --out adapter\` spreads it over
  the GPUs of one node (the soft prompt stays float32).
- \`--micro-batch N\` splits each process's share of a step into forward passes of N rows (same result, less memory).

The model runs in eval mode (no dropout), as in ptune; \`--max-steps N\` stops early for a smoke test.
`;
}
