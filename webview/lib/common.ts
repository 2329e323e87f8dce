/** Pieces both layouts show: the selected model and the running jobs. */
import type { JobSummary, ModelSummary } from '../../src/extension/views/protocol';
import { button, el } from './dom';
import { post } from './host';

export function modelLine(model: ModelSummary): HTMLElement {
  return el('div', { class: 'model-line' },
    el('span', { class: 'label' }, 'Model'),
    el('span', { class: model.name ? 'value' : 'value muted', attrs: { id: 'model-name' } }, model.name ?? 'none selected'),
    button('Select…', () => post({ type: 'runCommand', command: 'promptTuning.selectModel' }), { secondary: true }));
}

export function jobList(jobs: JobSummary[]): HTMLElement | null {
  if (jobs.length === 0) return null;
  return el('ul', { class: 'jobs', attrs: { id: 'jobs' } }, ...jobs.map((job) => el('li', { class: 'job' },
    el('div', { class: 'job-title' }, job.title, job.message ? el('span', { class: 'muted' }, ` — ${job.message}`) : null),
    job.fraction === undefined
      ? el('vscode-progress-bar', { attrs: { indeterminate: true, 'aria-label': job.title } })
      : el('vscode-progress-bar', { attrs: { value: Math.round(job.fraction * 1000), max: 1000, 'aria-label': job.title } }),
    button('Cancel', () => post({ type: 'cancelJob', id: job.id }), { secondary: true }))));
}
