/** `ptune generate`: a prompt file rendered for one row (or typed inputs), decoded and streamed to stdout. */
import type { Command } from 'commander';
import { UserError } from '../../engine/errors';
import { FLAG_NAMES, checkSampling, type SamplingRequest } from '../../generation';
import type { GenerateParams, GenerateResult } from '../../worker/protocol';
import { numberFlag } from '../options';
import { line, runCancellable, warn, withClient, type CliIo } from '../io';
import { resolveModelForCli } from '../hub-progress';
import { addRunFlags, MODEL_FLAG, MODEL_HELP, modelFrom, runFrom } from './shared-flags';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `--input key=value` flags as a row. */
export function inputsToRow(inputs: readonly string[]): Record<string, string> {
  const row: Record<string, string> = {};
  for (const input of inputs) {
    const eq = input.indexOf('=');
    if (eq <= 0) throw new UserError(`--input must be key=value (a prompt input and its text), got ${JSON.stringify(input)}`);
    row[input.slice(0, eq)] = input.slice(eq + 1);
  }
  return row;
}

export function registerGenerate(program: Command, io: CliIo): void {
  const cmd = program
    .command('generate')
    .description('generate text from a prompt file for one row or typed inputs, streamed as it is produced')
    .option(MODEL_FLAG, MODEL_HELP)
    .requiredOption('--template <file>', '.prompt file')
    .option('--soft <dir>', 'soft prompt: a PEFT prompt-tuning, P-tuning or prefix-tuning adapter folder')
    .option('--input <key=value>', 'a value for one of the prompt\'s inputs (repeatable)', collect, [])
    .option('--row <n>', 'generate for data row N of --data (counting from 1)')
    .option('--data <file>', 'dataset to take --row from')
    .option('--train <file>', 'training data to draw the prompt\'s few-shot examples from')
    .option('--max-new-tokens <n>', 'most tokens to generate (default: the prompt file\'s max_new_tokens, 20)')
    .option('--temperature <t>', '0 is greedy (default: the model\'s generation_config.json, greedy unless it samples)')
    .option('--top-k <k>', 'sample from the k most likely tokens (0: off)')
    .option('--top-p <p>', 'nucleus sampling: the smallest set with probability > p, in (0, 1]')
    .option('--min-p <p>', 'drop tokens below p × the top probability, in [0, 1]')
    .option('--repetition-penalty <r>', 'divide seen tokens\' positive logits by r (1: off)')
    .option('--seed <n>', 'sampling seed (default 0; same seed, same text)')
    .option('--stop <text>', 'stop before this text (repeatable)', collect, []);
  addRunFlags(cmd).action(async (o: Record<string, unknown>) => {
    const inputs = o.input as string[];
    const num = (flag: string, key: string, integer = false) => numberFlag(flag, o[key] as string | undefined, integer ? { integer: true } : {});
    const sampling: SamplingRequest = {
      temperature: num(FLAG_NAMES.temperature, 'temperature'),
      topK: num(FLAG_NAMES.topK, 'topK', true),
      topP: num(FLAG_NAMES.topP, 'topP'),
      minP: num(FLAG_NAMES.minP, 'minP'),
      repetitionPenalty: num(FLAG_NAMES.repetitionPenalty, 'repetitionPenalty'),
      seed: num(FLAG_NAMES.seed, 'seed', true),
    };
    for (const key of Object.keys(sampling) as (keyof SamplingRequest)[]) if (sampling[key] === undefined) delete sampling[key];
    const params: GenerateParams = {
      model: modelFrom(o, io),
      template: o.template as string,
      soft: o.soft as string | undefined,
      maxNewTokens: num(FLAG_NAMES.maxNewTokens, 'maxNewTokens', true),
      sampling,
      stop: o.stop as string[],
      shotsFrom: o.train as string | undefined,
    };
    checkSampling({ ...sampling, maxNewTokens: params.maxNewTokens, stop: params.stop });
    if (o.row !== undefined || o.data !== undefined) {
      if (inputs.length > 0) throw new UserError('give --input or --row with --data, not both');
      params.data = o.data as string | undefined;
      params.rowNumber = numberFlag('--row', o.row as string | undefined, { integer: true, positive: true });
      if (params.data === undefined) throw new UserError('--row needs --data FILE');
      if (params.rowNumber === undefined) throw new UserError('--data needs --row N (which data row to generate for, counting from 1)');
    } else params.row = inputsToRow(inputs);

    let streamed = '';
    const settings = runFrom(o); // --threads and --device are flags too: checked before any download
    // After the flags are checked, so that a mistake costs no download: a hub id becomes its cached folder.
    params.model = await resolveModelForCli(params.model, io);
    const result: GenerateResult = await withClient(io, settings, (client) =>
      runCancellable(io, client, 'generate', params, {
        onProgress: (p) => {
          streamed += p.text;
          io.stdout.write(p.text);
        },
      }),
    );
    // Everything was streamed already; a last piece can only be missing if a progress event was lost.
    if (result.text.startsWith(streamed) && result.text.length > streamed.length) io.stdout.write(result.text.slice(streamed.length));
    line(io.stdout);
    for (const w of result.warnings) warn(io, w);
    if (o.json === true) {
      line(io.stdout, JSON.stringify({
        text: result.text,
        ids: result.ids,
        tokens: result.ids.length,
        finishReason: result.finishReason,
        tokensPerSecond: result.tokensPerSecond,
        timeToFirstTokenMs: result.timeToFirstTokenMs,
        promptTokens: result.promptTokens,
        maxNewTokens: result.maxNewTokens,
        sampling: result.sampling,
      }));
    } else {
      const how = result.sampling.temperature === 0 ? 'greedy' : `sampled, seed ${result.sampling.seed}`;
      line(io.stderr, `ptune: ${result.ids.length} tokens (${how}, ${result.finishReason}) · ${result.tokensPerSecond.toFixed(1)} tokens/s · first token ${result.timeToFirstTokenMs.toFixed(0)} ms`);
    }
  });
}
