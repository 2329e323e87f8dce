/** Pieces both layouts show: the selected model and the running jobs (updated in place, keyed by job id). */
import * as l10n from '@vscode/l10n';
import type { JobSummary, ModelSummary } from '../../src/extension/views/protocol';
import { button, el } from './dom';
import { post } from './host';

export class ModelLine {
  private readonly name = el('span', { class: 'value', attrs: { id: 'model-name' } });
  readonly root = el('div', { class: 'model-line' },
    el('span', { class: 'label' }, l10n.t('Model')), this.name,
    button(l10n.t('Select…'), () => post({ type: 'runCommand', command: 'promptTuning.selectModel' }), { secondary: true }));

  render(model: ModelSummary): void {
    this.name.textContent = model.name ?? l10n.t('none selected');
    this.name.className = model.name ? 'value' : 'value muted';
  }
}

interface JobRow {
  li: HTMLElement;
  message: HTMLElement;
  bar: HTMLElement & { value?: number; max: number; indeterminate: boolean };
}

export class JobList {
  readonly root = el('ul', { class: 'jobs', attrs: { id: 'jobs' } });
  private readonly rows = new Map<string, JobRow>();

  render(jobs: JobSummary[]): void {
    const live = new Set(jobs.map((j) => j.id));
    for (const [id, row] of this.rows) {
      if (!live.has(id)) {
        row.li.remove();
        this.rows.delete(id);
      }
    }
    for (const job of jobs) {
      let row = this.rows.get(job.id);
      if (!row) {
        const message = el('span', { class: 'muted' });
        const bar = el('vscode-progress-bar', { attrs: { 'aria-label': job.title, max: 1000 } }) as JobRow['bar'];
        const li = el('li', { class: 'job' }, el('div', { class: 'job-title' }, job.title, message), bar,
          button(l10n.t('Cancel'), () => post({ type: 'cancelJob', id: job.id }), { secondary: true }));
        row = { li, message, bar };
        this.rows.set(job.id, row);
        this.root.appendChild(li);
      }
      row.message.textContent = job.message ? ` — ${job.message}` : '';
      row.bar.indeterminate = job.fraction === undefined;
      if (job.fraction !== undefined) row.bar.value = Math.round(job.fraction * 1000);
    }
    this.root.hidden = jobs.length === 0;
  }
}

/**
 * Every state message carries the whole UI state; a view re-renders only when its own slice changed, so a
 * streaming training run does not rebuild (and steal focus from) the prompt view.
 */
export class SliceMemo {
  private readonly last = new Map<string, string>();

  changed(name: string, value: unknown): boolean {
    const json = JSON.stringify(value) ?? 'undefined';
    if (this.last.get(name) === json) return false;
    this.last.set(name, json);
    return true;
  }
}
