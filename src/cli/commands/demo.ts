/**
 * `ptune demo` (`npm run demo`): the main job in one command. Evaluates the hard prompt, trains a soft prompt
 * for a short while, evaluates it on the same rows, and prints the two side by side. The soft prompt is
 * trained without looking at the evaluation rows (no keep-best on them), so the comparison is fair.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Command } from 'commander';
import { UserError } from '../../engine/errors';
import { checkOutputFolder } from '../../tuning/adapter';
import type { EvalJobResult, TrainParams, TrainResult } from '../../worker/protocol';
import { numberFlag } from '../options';
import { line, runCancellable, warn, withClient, type CliIo } from '../io';
import { packageRoot } from '../package-root';
import { duration, trainProgressReporter } from '../progress';
import { textTable } from '../table';
import { runEval } from './eval';
import { resolveModelForCli } from '../hub-progress';
import { addRunFlags, addSkipInvalidFlag, runFrom } from './shared-flags';

export const DEMO_STEPS = 60;
/** The demo set is small and easy: a few dozen steps at a higher rate than the general default show the effect quickly. */
export const DEMO_LR = 0.03;
export const DEFAULT_DEMO_MODEL = path.join('..', 'shared', 'models', 'imdb-gpt2-small');

/** Downloaded when there is no --model, no $PTUNE_MODEL and no ../shared model: small (135 M parameters, 270 MB), not gated, a llama. */
export const DEFAULT_HUB_DEMO_MODEL = 'HuggingFaceTB/SmolLM2-135M';

/** --model, else $PTUNE_MODEL, else ../shared/models/imdb-gpt2-small beside the package when it exists, else the hub default. */
export function resolveDemoModel(given: string | undefined, env: Record<string, string | undefined>, root: string): string {
  if (given) return given;
  if (env.PTUNE_MODEL) return env.PTUNE_MODEL;
  const shared = path.resolve(root, DEFAULT_DEMO_MODEL);
  if (fs.existsSync(path.join(shared, 'config.json'))) return shared;
  return DEFAULT_HUB_DEMO_MODEL;
}

export function registerDemo(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program
    .command('demo')
    .description('train a soft prompt on the example reviews and compare it with the hand-written prompt')
    .option('--model <dir|id>', `model folder or Hugging Face id owner/name[@revision] (default: $PTUNE_MODEL, else ${DEFAULT_DEMO_MODEL} when it exists, else ${DEFAULT_HUB_DEMO_MODEL})`)
    .option('--train <file>', 'training data (default examples/data/reviews-train.jsonl)')
    .option('--eval <file>', 'evaluation data (default examples/data/reviews-dev.jsonl)')
    .option('--template <file>', 'prompt file (default examples/reviews.prompt)')
    .option('--steps <n>', `training steps (default ${DEMO_STEPS})`)
    .option('--lr <x>', `learning rate (default ${DEMO_LR}, AdamW)`)
    .option('--seed <n>', 'seed (default 0)')
    .option('--out <dir>', 'where to save the soft prompt (default: a folder in the system temp dir)');
  addRunFlags(addSkipInvalidFlag(cmd))
    .action(async (o: Record<string, unknown>) => {
      const root = packageRoot();
      const modelArg = resolveDemoModel(o.model as string | undefined, io.env, root);
      const train = (o.train as string | undefined) ?? path.join(root, 'examples', 'data', 'reviews-train.jsonl');
      const evalFile = (o.eval as string | undefined) ?? path.join(root, 'examples', 'data', 'reviews-dev.jsonl');
      const template = (o.template as string | undefined) ?? path.join(root, 'examples', 'reviews.prompt');
      const out = (o.out as string | undefined) ?? path.join(os.tmpdir(), 'ptune-demo-soft-prompt');
      if (o.out !== undefined) checkOutputFolder(out, false);
      const skipInvalid = o.skipInvalid === true;
      const numbers = {
        steps: numberFlag('--steps', o.steps as string | undefined, { integer: true, positive: true }) ?? DEMO_STEPS,
        lr: numberFlag('--lr', o.lr as string | undefined, { positive: true }) ?? DEMO_LR,
        seed: numberFlag('--seed', o.seed as string | undefined, { integer: true, min: 0 }),
      };
      // After the flags are checked, so that a mistake costs no download: a hub id (--model, $PTUNE_MODEL or the default) becomes its cached folder.
      const settings = runFrom(o); // --threads and --device are flags too: checked before any download
      const model = await resolveModelForCli(modelArg, io, o.model ? '--model' : io.env.PTUNE_MODEL ? 'PTUNE_MODEL' : 'the demo model');
      const trainParams: TrainParams = {
        model,
        train,
        template,
        out,
        ...numbers,
        // The default folder is the demo's own scratch space.
        overwrite: o.out === undefined,
        skipInvalid,
      };
      const { hard, trained, soft } = await withClient(io, settings, async (client) => {
        line(io.stderr, `model: ${model}`);
        const hard = await runEval(client, { model, data: evalFile, template, skipInvalid }, io, 'hard prompt');
        for (const w of hard.warnings) warn(io, w);
        const progress = trainProgressReporter(io.stderr, 'soft prompt');
        let trained: TrainResult;
        try {
          trained = await runCancellable(io, client, 'train', trainParams, { onProgress: (p) => progress.onProgress(p) });
        } finally {
          progress.close();
        }
        for (const w of trained.warnings) warn(io, w);
        if (!trained.saved) throw new UserError(trained.stopMessage ?? 'training saved nothing');
        if (trained.stopMessage) line(io.stderr, `ptune: ${trained.stopMessage}`);
        const soft = await runEval(client, { model, data: evalFile, template, soft: out, skipInvalid }, io, 'soft prompt');
        // The same rows as the hard prompt's evaluation: only the soft prompt's own warnings are new.
        for (const w of soft.warnings) if (!hard.warnings.includes(w)) warn(io, w);
        return { hard, trained, soft };
      });
      printDemo(io, { model, train, evalFile, template, out, hard, trained, soft }, o.json === true);
      setExit(trained.stopReason === 'cancelled' ? 130 : 0);
    });
}

interface DemoOutcome {
  model: string;
  train: string;
  evalFile: string;
  template: string;
  out: string;
  hard: EvalJobResult;
  trained: TrainResult;
  soft: EvalJobResult;
}

function printDemo(io: CliIo, d: DemoOutcome, json: boolean): void {
  if (json) {
    const metrics = (r: EvalJobResult) => ({ accuracy: r.accuracy, macroF1: r.macroF1, ece: r.ece, n: r.n, evalSeconds: r.seconds });
    line(io.stdout, JSON.stringify({
      model: d.model,
      hard: metrics(d.hard),
      soft: { ...metrics(d.soft), trainSeconds: d.trained.seconds, steps: d.trained.steps, initialLoss: d.trained.initialLoss, finalLoss: d.trained.finalLoss, out: d.out },
    }));
    return;
  }
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  line(io.stdout);
  line(io.stdout, `Hard prompt vs soft prompt on ${path.basename(d.evalFile)} (${d.hard.n} rows), model ${d.model}`);
  line(io.stdout);
  const rows = [
    ['hard prompt', pct(d.hard.accuracy), d.hard.macroF1.toFixed(3), '—', duration(d.hard.seconds)],
    [`soft prompt (${d.trained.steps} steps)`, pct(d.soft.accuracy), d.soft.macroF1.toFixed(3), duration(d.trained.seconds), duration(d.soft.seconds)],
  ];
  for (const l of textTable(['prompt', 'accuracy', 'macro-F1', 'training', 'evaluation'], rows, ['left', 'right', 'right', 'right', 'right'])) line(io.stdout, l);
  line(io.stdout);
  line(io.stdout, `The soft prompt (${d.template} with trained virtual tokens) is saved in ${d.out}, a PEFT prompt-tuning adapter.`);
}
