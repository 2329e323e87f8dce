/**
 * `ptune test`: the prompt tests of prompt files (their `expect:` entries): each evaluates the prompt on its
 * dataset and passes when every condition holds. Exit code 0 when all pass, 1 when any fails (for CI).
 */
import type { Command } from 'commander';
import { UserError, isUserError } from '../../engine/errors';
import { checkExpectation, describeExpectation, expectationData, expectationTrain, loadPromptFile, type Expectation, type PromptFile } from '../../prompts';
import { JobCancelledError } from '../../worker/client';
import { resolveModelForCli } from '../hub-progress';
import { line, withClient, type CliIo } from '../io';
import { runEval } from './eval';
import { addRunFlags, MODEL_FLAG, MODEL_HELP, modelFrom, runFrom } from './shared-flags';

interface TestOutcome {
  prompt: string;
  test: string;
  passed: boolean;
  /** Each condition's measured value, or the error that stopped the evaluation. */
  details: string[];
  n?: number;
}

export function registerTest(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program
    .command('test')
    .description('run the prompt tests (the expect: setting) of .prompt files; exits 1 when any fails')
    .argument('<prompts...>', '.prompt files with an expect: setting')
    .option(MODEL_FLAG, MODEL_HELP);
  addRunFlags(cmd).action(async (files: string[], o: Record<string, unknown>) => {
    const prompts: PromptFile[] = [];
    for (const file of files) prompts.push(await loadPromptFile(file));
    const tests = prompts.flatMap((prompt) => (prompt.expectations ?? []).map((expectation) => ({ prompt, expectation })));
    if (tests.length === 0) {
      throw new UserError(`no prompt tests: ${files.length === 1 ? `${files[0]} has no` : 'none of the files has an'} expect: setting (see docs/prompt-format.md, "Prompt tests")`);
    }
    const model = modelFrom(o, io);
    const settings = runFrom(o);
    const modelDir = await resolveModelForCli(model, io);
    const outcomes = await withClient(io, settings, async (client) => {
      const done: TestOutcome[] = [];
      for (const { prompt, expectation } of tests) {
        const outcome = await runOne(prompt, expectation, (data) => runEval(client, { model: modelDir, data, template: prompt.file, limit: expectation.limit, shotsFrom: expectationTrain(prompt.file, expectation) }, io, 'test'));
        done.push(outcome);
        line(io.stdout, `${outcome.passed ? 'PASS' : 'FAIL'} ${outcome.prompt}: ${outcome.test}${outcome.n !== undefined ? ` · n ${outcome.n}` : ''}`);
        for (const detail of outcome.details) line(io.stdout, `     ${detail}`);
      }
      return done;
    });
    const failed = outcomes.filter((t) => !t.passed).length;
    line(io.stdout, `${outcomes.length - failed} passed, ${failed} failed`);
    if (o.json === true) line(io.stdout, JSON.stringify({ passed: outcomes.length - failed, failed, tests: outcomes }));
    setExit(failed > 0 ? 1 : 0);
  });
}

/** One test: an evaluation that cannot run (a missing dataset, a bad row) fails the test with its message. */
async function runOne(prompt: PromptFile, expectation: Expectation, evaluate: (data: string) => ReturnType<typeof runEval>): Promise<TestOutcome> {
  const test = describeExpectation(expectation);
  try {
    const result = await evaluate(expectationData(prompt.file, expectation));
    const outcome = checkExpectation(expectation, result);
    return { prompt: prompt.file, test, passed: outcome.passed, details: outcome.lines, n: result.n };
  } catch (error) {
    if (error instanceof JobCancelledError || !isUserError(error)) throw error;
    return { prompt: prompt.file, test, passed: false, details: [(error as Error).message] };
  }
}
