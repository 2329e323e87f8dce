/**
 * `ptune`: the headless CLI. Every model job runs in the worker thread through WorkerClient, exactly as
 * the VS Code extension runs them.
 *
 * Errors: a UserError prints `ptune: <message>` on stderr and exits 1, no stack trace; anything else is a
 * bug: its message and a hint, with the stack only when PTUNE_DEBUG=1.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command, CommanderError } from 'commander';
import { isUserError } from '../engine/errors';
import { JobCancelledError } from '../worker/client';
import { registerBench } from './commands/bench';
import { registerDemo } from './commands/demo';
import { registerDiscover } from './commands/discover';
import { registerEval } from './commands/eval';
import { registerExportPeft } from './commands/export-peft';
import { registerGenerate } from './commands/generate';
import { registerModels } from './commands/models';
import { registerProject } from './commands/project';
import { registerTest } from './commands/test';
import { registerTrain } from './commands/train';
import { DownloadCancelledError } from '../hub/http';
import { line, type CliIo } from './io';
import { terminalSafe } from '../common/terminal';
import { packageRoot } from './package-root';

function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

export function buildProgram(io: CliIo, argv: readonly string[], setExit: (code: number) => void): Command {
  const program = new Command('ptune')
    .description('Prompt Tuning Studio: hard prompts, soft prompts (prompt tuning) and benchmarks on local models')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(terminalSafe(text)),
      writeErr: (text) => io.stderr.write(terminalSafe(text)),
      outputError: (text, write) => write(text.replace(/^error: /, 'ptune: ')),
    })
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError('(run ptune --help, or ptune <command> --help)');
  registerTrain(program, io, setExit);
  registerEval(program, io);
  registerBench(program, io, argv);
  registerProject(program, io);
  registerGenerate(program, io);
  registerDemo(program, io, setExit);
  registerExportPeft(program, io);
  registerDiscover(program, io, setExit);
  registerModels(program, io);
  registerTest(program, io, setExit);
  for (const command of program.commands) command.exitOverride().configureOutput(program.configureOutput()).showHelpAfterError(`(run ptune ${command.name()} --help)`);
  return program;
}

/** Runs the CLI; resolves to the exit code. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, argv, (code) => (exitCode = code));
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 1;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (e) {
    return reportError(e, io);
  }
}

export function reportError(e: unknown, io: CliIo): number {
  if (e instanceof CommanderError) return e.exitCode;
  if (e instanceof JobCancelledError || e instanceof DownloadCancelledError) {
    line(io.stderr, 'ptune: cancelled');
    return 130;
  }
  if (isUserError(e)) {
    line(io.stderr, `ptune: ${(e as Error).message}`);
    return 1;
  }
  const error = e instanceof Error ? e : new Error(String(e));
  line(io.stderr, `ptune: internal error: ${error.message}`);
  if (io.env.PTUNE_DEBUG === '1') line(io.stderr, error.stack ?? '(no stack)');
  else line(io.stderr, 'This is a bug in ptune. Run again with PTUNE_DEBUG=1 to see the stack trace, and please report it.');
  return 2;
}

/** The entry point bin/ptune.js calls: real streams, Ctrl-C cancels the running job, a second one quits. */
export function main(argv: readonly string[]): void {
  const io: CliIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    trapInterrupt(onInterrupt) {
      let interrupted = false;
      const handler = () => {
        if (interrupted) process.exit(130);
        interrupted = true;
        onInterrupt();
      };
      process.on('SIGINT', handler);
      return () => process.off('SIGINT', handler);
    },
  };
  void run(argv, io).then((code) => {
    process.exitCode = code;
  });
}
