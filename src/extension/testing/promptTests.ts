/**
 * Prompt tests in VS Code's Test Explorer: every `.prompt` file with an `expect:` setting is a test item,
 * each of its entries a child test (at its line). Running one evaluates the prompt on the entry's dataset in
 * the worker, like `ptune test`, and passes or fails with the measured metrics in the message.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { checkExpectation, describeExpectation, expectationData, expectationTrain, parsePromptFile, type Expectation, type PromptFile } from '../../prompts';
import type { Ctx } from '../ctx';
import { requireModel } from '../flows/pickers';
import { CancelledError, errorMessage } from '../jobs';
import { isPromptDocument } from '../language/promptDocuments';
import { displayPath } from '../paths';
import { requireTrust } from '../trust';

export const PROMPT_TESTS_CONTROLLER_ID = 'promptTuning.promptTests';

export function registerPromptTests(ctx: Ctx): vscode.Disposable[] {
  const controller = vscode.tests.createTestController(PROMPT_TESTS_CONTROLLER_ID, vscode.l10n.t('Prompt Tests'));
  /** Each test (an expect: entry) and where it comes from. */
  const entries = new WeakMap<vscode.TestItem, { file: vscode.Uri; index: number }>();

  /** (Re)creates a file's items from its text; a file without tests (or that does not parse) has none. */
  const update = (uri: vscode.Uri, text: string): void => {
    let prompt: PromptFile | undefined;
    try {
      prompt = parsePromptFile(text, displayPath(uri.fsPath));
    } catch {
      // The editor's diagnostics say why; its tests come back when it parses again.
    }
    const id = uri.toString();
    if (!prompt?.expectations?.length) {
      controller.items.delete(id);
      return;
    }
    const fileItem = controller.items.get(id) ?? controller.createTestItem(id, path.basename(uri.fsPath), uri);
    fileItem.children.replace(prompt.expectations.map((expectation, index) => {
      const item = controller.createTestItem(`${id}#${index}`, describeExpectation(expectation), uri);
      item.range = new vscode.Range(expectation.line - 1, 0, expectation.line - 1, 0);
      entries.set(item, { file: uri, index });
      return item;
    }));
    controller.items.add(fileItem);
  };
  const updateFromDisk = async (uri: vscode.Uri): Promise<void> => {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open) return update(uri, open.getText());
    try {
      update(uri, await fs.readFile(uri.fsPath, 'utf8'));
    } catch {
      controller.items.delete(uri.toString());
    }
  };

  controller.resolveHandler = async (item) => {
    if (item) return;
    for (const uri of await vscode.workspace.findFiles('**/*.prompt', '**/node_modules/**', 2000)) await updateFromDisk(uri);
  };
  controller.refreshHandler = async () => {
    controller.items.replace([]);
    for (const uri of await vscode.workspace.findFiles('**/*.prompt', '**/node_modules/**', 2000)) await updateFromDisk(uri);
  };

  controller.createRunProfile(vscode.l10n.t({ message: 'Run', comment: ['the run profile of prompt tests in the Test Explorer'] }), vscode.TestRunProfileKind.Run, async (request, token) => {
    if (!(await requireTrust())) return;
    const model = await requireModel(ctx);
    if (!model) return;
    const tests: vscode.TestItem[] = [];
    const collect = (item: vscode.TestItem) => {
      if (request.exclude?.includes(item)) return;
      if (entries.has(item)) tests.push(item);
      else item.children.forEach(collect);
    };
    if (request.include) request.include.forEach(collect);
    else controller.items.forEach(collect);
    const run = controller.createTestRun(request);
    for (const test of tests) run.enqueued(test);
    for (const test of tests) {
      if (token.isCancellationRequested) {
        run.skipped(test);
        continue;
      }
      await runTest(ctx, model, test, entries.get(test)!, run, token);
    }
    run.end();
  }, true);

  const watcher = vscode.workspace.createFileSystemWatcher('**/*.prompt');
  return [
    controller,
    watcher,
    watcher.onDidCreate((uri) => void updateFromDisk(uri)),
    watcher.onDidChange((uri) => void updateFromDisk(uri)),
    watcher.onDidDelete((uri) => controller.items.delete(uri.toString())),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (isPromptDocument(e.document) && e.document.uri.scheme === 'file') update(e.document.uri, e.document.getText());
    }),
  ];
}

/** One test: the prompt file as saved now, its entry evaluated in the worker, the conditions judged. */
async function runTest(ctx: Ctx, model: string, test: vscode.TestItem, entry: { file: vscode.Uri; index: number },
  run: vscode.TestRun, token: vscode.CancellationToken): Promise<void> {
  run.started(test);
  const started = Date.now();
  const location = test.range ? new vscode.Location(entry.file, test.range) : undefined;
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === entry.file.toString());
  // The worker reads the file: it must be what the editor shows.
  if (open?.isDirty && !(await open.save())) {
    run.skipped(test);
    return;
  }
  let expectation: Expectation | undefined;
  try {
    const prompt = parsePromptFile(await fs.readFile(entry.file.fsPath, 'utf8'), entry.file.fsPath);
    expectation = prompt.expectations?.[entry.index];
    if (!expectation) throw new Error(vscode.l10n.t('this test is no longer in the file'));
    let jobId: string | undefined;
    const cancel = token.onCancellationRequested(() => jobId && ctx.jobs.cancel(jobId));
    try {
      const result = await ctx.jobs.run('eval', { model, data: expectationData(entry.file.fsPath, expectation), template: entry.file.fsPath, limit: expectation.limit, shotsFrom: expectationTrain(entry.file.fsPath, expectation) }, {
        title: vscode.l10n.t('Prompt test: {0}', path.basename(entry.file.fsPath)),
        long: false,
        onStart: (id) => { jobId = id; },
      });
      const outcome = checkExpectation(expectation, result);
      const text = `${outcome.lines.join('\n')}\n(${vscode.l10n.t('{0} rows of {1}', result.n, expectation.data)})`;
      run.appendOutput(`${test.label}\r\n${text.replace(/\n/g, '\r\n')}\r\n`, undefined, test);
      if (outcome.passed) run.passed(test, Date.now() - started);
      else {
        const message = new vscode.TestMessage(text);
        if (location) message.location = location;
        run.failed(test, message, Date.now() - started);
      }
    } finally {
      cancel.dispose();
    }
  } catch (error) {
    if (error instanceof CancelledError) {
      run.skipped(test);
      return;
    }
    const message = new vscode.TestMessage(errorMessage(error));
    if (location) message.location = location;
    run.errored(test, message, Date.now() - started);
  }
}
