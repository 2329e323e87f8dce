/**
 * The worker's job registry: one handler per job kind. Handlers load their modules on first use, so a
 * worker that only previews prompts never loads the benchmark or projection code.
 */
import type { JobHandlers } from './context';

export const jobHandlers: JobHandlers = {
  train: async (params, ctx) => (await import('./train')).runTrainJob(params, ctx),
  eval: async (params, ctx) => (await import('./eval')).runEvalJob(params, ctx),
  bench: async (params, ctx) => (await import('./bench')).runBenchJob(params, ctx),
  project: async (params, ctx) => (await import('./project')).runProjectJob(params, ctx),
  preview: async (params, ctx) => (await import('./interactive')).runPreviewJob(params, ctx),
  testPrompt: async (params, ctx) => (await import('./interactive')).runTestPromptJob(params, ctx),
  generate: async (params, ctx) => (await import('./generate')).runGenerateJob(params, ctx),
  discover: async (params, ctx) => (await import('./discover')).runDiscoverJob(params, ctx),
  playground: async (params, ctx) => (await import('./playground')).runPlaygroundJob(params, ctx),
  exportPeft: async (params, ctx) => (await import('../../export/peft-export')).runExportPeftJob(params, ctx),
};
