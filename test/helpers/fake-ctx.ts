/**
 * A Ctx for the flows' unit tests (with test/helpers/vscode-fake.ts loaded first): the real PersistentState on
 * an in-memory memento, a model folder that exists, and jobs / runs / views that record what they were asked.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Ctx } from '../../src/extension/ctx';
import { PersistentState } from '../../src/extension/state';
import { parsePromptFile } from '../../src/prompts';

export interface JobCall {
  kind: string;
  params: Record<string, unknown>;
  title: string;
}

export interface FakeCtx {
  ctx: Ctx;
  /** The workspace folder (temporary; removed by cleanup()). */
  root: string;
  jobs: JobCall[];
  runs: Array<Record<string, unknown>>;
  /** What the job returns (or throws) for each call; by default it throws "job refused by the test". */
  jobResult: (call: JobCall) => Promise<unknown>;
  studioShown: string[];
  output: string[];
  cleanup(): void;
}

/** A workspace folder with `files` (relative path → text) and a Ctx over it. */
export function fakeCtx(files: Record<string, string>, options: { softPrompts?: string[] } = {}): FakeCtx {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-flows-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  // Outside the workspace: its config.json is no dataset.
  const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptune-flows-model-'));
  fs.mkdirSync(modelDir, { recursive: true });
  fs.writeFileSync(path.join(modelDir, 'config.json'), '{}');
  const memory = new Map<string, unknown>();
  const memento = {
    get: <T>(key: string, fallback?: T) => (memory.has(key) ? memory.get(key) as T : fallback),
    update: async (key: string, value: unknown) => { memory.set(key, value); },
    keys: () => [...memory.keys()],
  };
  const result: FakeCtx = {
    ctx: undefined as unknown as Ctx,
    root,
    jobs: [],
    runs: [],
    jobResult: async () => { throw new Error('job refused by the test'); },
    studioShown: [],
    output: [],
    cleanup: () => {
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(modelDir, { recursive: true, force: true });
    },
  };
  const log = (level: string) => (message: unknown) => { result.output.push(`${level}: ${message instanceof Error ? message.message : String(message)}`); };
  const ctx = {
    state: new PersistentState(memento as never),
    config: {
      modelDir, modelSetting: modelDir, modelHubId: undefined, cacheDirectory: path.join(root, '.cache'),
      training: { virtualTokens: 8, init: 'text', optimizer: 'adamw', lr: undefined, epochs: 3, steps: undefined, batchSize: 4, evalEvery: undefined, evalLimit: undefined, seed: 0 },
    },
    outputRoot: root,
    output: { info: log('info'), warn: log('warn'), error: log('error'), show: () => undefined },
    diagnostics: {
      refreshAll: () => undefined,
      analysis: async (document: { uri: { fsPath: string }; getText(): string }) => {
        try {
          return { prompt: parsePromptFile(document.getText(), document.uri.fsPath), diagnostics: [] };
        } catch (error) {
          return { diagnostics: [{ severity: 'error', message: (error as Error).message }] };
        }
      },
    },
    preview: { current: undefined, refresh: () => undefined, follow: () => undefined },
    softPrompts: {
      selected: undefined,
      list: () => (options.softPrompts ?? []).map((dir) => ({ dir })),
      touch: () => undefined,
      addTrained: async () => undefined,
    },
    runs: {
      closing: false,
      begin: (record: Record<string, unknown>) => {
        result.runs.push({ ...record, status: 'running' });
        const entry = result.runs[result.runs.length - 1];
        return {
          id: `run-${result.runs.length}`,
          update: () => undefined,
          done: async (patch: Record<string, unknown>) => { Object.assign(entry, patch, { status: patch.status ?? 'done' }); },
          failed: async (error: unknown) => { Object.assign(entry, { status: 'failed', error: (error as Error).message }); },
        };
      },
    },
    jobs: {
      run: (kind: string, params: Record<string, unknown>, options: { title: string }) => {
        const call = { kind, params, title: options.title };
        result.jobs.push(call);
        return result.jobResult(call);
      },
    },
    store: { update: () => undefined },
    studio: { show: (tab: string) => { result.studioShown.push(tab); } },
  };
  result.ctx = ctx as unknown as Ctx;
  return result;
}
