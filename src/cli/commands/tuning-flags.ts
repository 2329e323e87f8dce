/** The tuning flags `ptune train`, `ptune bench --tune` and `ptune demo` share, and their conversion to TrainParams. */
import type { Command } from 'commander';
import type { LossKind } from '../../engine/api';
import type { TrainParams, TuningParams } from '../../tuning/train-params';
import { DEFAULT_METHOD, METHOD_CHOICES, TUNING_METHODS } from '../../tuning/methods/index';
import { DEFAULT_ENCODER_HIDDEN_SIZE } from '../../tuning/methods/p-tuning';
import { DEFAULT_LEARNING_RATES } from '../../tuning/optimizers';
import type { CliIo } from '../io';
import { modelFrom } from './shared-flags';
import { choiceFlag, numberFlag } from '../options';

/** `limitFlag`: the name of the training-sample flag (`ptune bench` keeps --limit for the evaluation rows). */
export function addTuningFlags(cmd: Command, limitFlag: '--limit' | '--train-limit' = '--limit'): Command {
  return cmd
    .option('--eval <file>', 'dev set: evaluated every --eval-every steps; the best prompt is kept')
    .option('--method <name>', `${METHOD_CHOICES.join(' | ')} (default ${DEFAULT_METHOD})`)
    .option('--virtual-tokens <n>', `virtual tokens, the prefix length for prefix-tuning (default ${METHOD_CHOICES.map((m) => `${m} ${TUNING_METHODS[m].defaults.virtualTokens}`).join(', ')}; the adapter's with --init adapter:DIR)`)
    .option('--encoder-hidden-size <n>', `p-tuning: hidden size of the prompt encoder's MLP (default ${DEFAULT_ENCODER_HIDDEN_SIZE})`)
    .option('--no-encoder-residual', 'p-tuning: virtual tokens = MLP(inputs), as PEFT trains them, instead of inputs + MLP(inputs)')
    .option('--init <how>', 'text | vocab | random | adapter:DIR (default text: the prompt\'s instruction)')
    .option('--init-text <text>', 'text for --init text')
    .option('--loss <kind>', 'lm | verbalizer (default: verbalizer for classification, lm for generation)')
    .option('--optimizer <name>', 'adamw | adafactor | sgd (default adamw)')
    .option('--lr <x>', `peak learning rate (default: ${METHOD_CHOICES.map((m) => `${m} adamw ${TUNING_METHODS[m].defaults.lr.adamw}`).join(', ')}; adafactor ${DEFAULT_LEARNING_RATES.adafactor}, sgd ${DEFAULT_LEARNING_RATES.sgd})`)
    .option('--weight-decay <x>', 'AdamW decoupled weight decay (default 0)')
    .option('--epochs <n>', 'passes over the training set (default 3)')
    .option('--steps <n>', 'optimizer steps (instead of --epochs)')
    .option('--batch-size <n>', 'examples per step (default 8)')
    .option('--warmup <n>', 'linear warmup steps (default 0)')
    .option('--schedule <name>', 'constant | linear | cosine after warmup (default constant)')
    .option('--clip <x>', 'clip the gradient to this global L2 norm (default: off)')
    .option('--seed <n>', 'seed for init, shuffling and sampling (default 0)')
    .option('--no-shuffle', 'keep file order (no shuffling, no length bucketing)')
    .option('--no-stratify', 'shuffle classification rows freely instead of keeping the label proportions in every batch')
    .option('--max-length <n>', 'longest sequence in tokens, virtual tokens included (default: the model\'s)')
    .option('--eval-every <n>', 'steps between dev evaluations / checkpoints (default: once per epoch, at most 100)')
    .option('--patience <n>', 'stop after N dev evaluations without improvement (default: off)')
    .option('--keep-best <by>', 'loss | accuracy: which dev evaluation is the best checkpoint (default loss)')
    .option(`${limitFlag} <n>`, 'train on a seeded sample of at most N rows')
    .option('--eval-limit <n>', 'evaluate during training on a seeded sample of at most N dev rows');
}

export function tuningFrom(o: Record<string, unknown>, limitFlag: '--limit' | '--train-limit' = '--limit'): TuningParams {
  const s = (key: string) => o[key] as string | undefined;
  return {
    eval: s('eval'),
    method: choiceFlag('--method', s('method'), METHOD_CHOICES),
    encoderHiddenSize: numberFlag('--encoder-hidden-size', s('encoderHiddenSize'), { integer: true, positive: true }),
    // commander sets it true by default; only an explicit --no-encoder-residual is passed on.
    encoderResidual: o.encoderResidual === false ? false : undefined,
    virtualTokens: numberFlag('--virtual-tokens', s('virtualTokens'), { integer: true, positive: true }),
    init: s('init'),
    initText: s('initText'),
    loss: choiceFlag<LossKind>('--loss', s('loss'), ['lm', 'verbalizer']),
    optimizer: s('optimizer'),
    lr: numberFlag('--lr', s('lr'), { positive: true }),
    weightDecay: numberFlag('--weight-decay', s('weightDecay'), { min: 0 }),
    epochs: numberFlag('--epochs', s('epochs'), { integer: true, positive: true }),
    steps: numberFlag('--steps', s('steps'), { integer: true, positive: true }),
    batchSize: numberFlag('--batch-size', s('batchSize'), { integer: true, positive: true }),
    warmup: numberFlag('--warmup', s('warmup'), { integer: true, min: 0 }),
    schedule: s('schedule'),
    clip: numberFlag('--clip', s('clip'), { positive: true }),
    seed: numberFlag('--seed', s('seed'), { integer: true, min: 0 }),
    shuffle: o.shuffle as boolean | undefined,
    stratify: o.stratify as boolean | undefined,
    maxLength: numberFlag('--max-length', s('maxLength'), { integer: true, positive: true }),
    evalEvery: numberFlag('--eval-every', s('evalEvery'), { integer: true, positive: true }),
    patience: numberFlag('--patience', s('patience'), { integer: true, positive: true }),
    keepBest: s('keepBest'),
    limit: numberFlag(limitFlag, s(limitFlag === '--limit' ? 'limit' : 'trainLimit'), { integer: true, positive: true }),
    evalLimit: numberFlag('--eval-limit', s('evalLimit'), { integer: true, positive: true }),
  };
}

/** The parameters of a training run from `ptune train`'s flags; `ptune export-peft` takes the same run. */
export function trainParamsFrom(o: Record<string, unknown>, io: CliIo): TrainParams {
  return {
    ...tuningFrom(o),
    model: modelFrom(o, io),
    train: o.train as string,
    template: o.template as string,
    out: o.out as string,
    overwrite: o.overwrite === true,
    skipInvalid: o.skipInvalid === true,
  };
}
