/**
 * Playground view: the prompt's inputs (editable, or loaded from a dataset row), sampling settings and a seed,
 * and three columns side by side — the hard prompt alone, the hard prompt + a soft prompt, the projected hard
 * prompt — streamed as the `playground` job runs, with Cancel. Model output is set as text only.
 */
import * as l10n from '@vscode/l10n';
import type { PlaygroundColumnId } from '../../src/common/playground';
import { PLAYGROUND_LIMITS, isPlaygroundSettings, type PlaygroundColumnView, type PlaygroundSettings, type PlaygroundViewState } from '../../src/extension/views/protocol';
import { button, el, replaceChildren } from '../lib/dom';
import { post } from '../lib/host';

type Field = HTMLElement & { value: string };

/** A column's state in words, without its token count (which changes on every token). */
function columnState(status: PlaygroundColumnView['status']): string {
  switch (status) {
    case 'waiting': return l10n.t({ message: 'waiting', comment: ['A Playground column\'s state.'] });
    case 'running': return l10n.t({ message: 'generating', comment: ['A Playground column\'s state.'] });
    case 'done': return l10n.t({ message: 'done', comment: ['A Playground column\'s state.'] });
    case 'cancelled': return l10n.t({ message: 'cancelled', comment: ['A Playground column\'s state.'] });
    case 'failed': return l10n.t({ message: 'failed', comment: ['A Playground column\'s state.'] });
    case 'skipped': return l10n.t({ message: 'not run', comment: ['A Playground column\'s state.'] });
  }
}

/** A column's heading (the only place column headings are defined). */
function columnTitle(id: PlaygroundColumnId): string {
  switch (id) {
    case 'hard': return l10n.t('Hard prompt');
    case 'soft': return l10n.t('Hard + soft prompt');
    case 'projected': return l10n.t('Projected hard prompt');
  }
}

const SETTING_KEYS: (keyof PlaygroundSettings)[] = ['temperature', 'topP', 'maxNewTokens', 'seed'];

function settingLabel(key: keyof PlaygroundSettings): string {
  switch (key) {
    case 'temperature': return l10n.t('Temperature');
    case 'topP': return l10n.t('Top-p');
    case 'maxNewTokens': return l10n.t('Max new tokens');
    case 'seed': return l10n.t('Seed');
  }
}

export class PlaygroundView {
  readonly root = el('section', { class: 'view playground-view', attrs: { 'data-view': 'playground' } });
  private inputs = new Map<string, Field>();
  private settings = new Map<keyof PlaygroundSettings, Field>();
  private readonly problem = el('p', { class: 'error', attrs: { id: 'playground-problem', role: 'alert' } });
  private readonly runButton = button(`▶ ${l10n.t('Run')}`, () => this.run(), { id: 'playground-run' });
  private readonly cancelButton = button(l10n.t('Cancel'), () => {
    if (this.jobId) post({ type: 'cancelJob', id: this.jobId });
  }, { secondary: true, id: 'playground-cancel' });
  private readonly columns = el('div', { class: 'playground-columns', attrs: { id: 'playground-columns' } });
  private readonly message = el('p', { class: 'note', attrs: { id: 'playground-message' } });
  /** The only live region here: each column's state as it changes (not every streamed token, not the text). */
  private readonly announcer = el('span', { class: 'visually-hidden', attrs: { id: 'playground-announce', role: 'status' } });
  private jobId = '';
  private task: PlaygroundViewState['task'] = 'generation';

  /** Rebuilds the form: when the prompt, its inputs, the loaded values, the soft prompt or the settings change. */
  renderForm(state: PlaygroundViewState | undefined): void {
    this.inputs.clear();
    this.settings.clear();
    if (!state) {
      replaceChildren(this.root, el('p', { class: 'empty' }, l10n.t('Open a .prompt file and run Prompt Tuning: Open Playground (or the Playground lens above its body).')),
        el('div', { class: 'actions' }, button(l10n.t('Open Playground…'), () => post({ type: 'runCommand', command: 'promptTuning.openPlayground' }))));
      return;
    }
    this.task = state.task;
    this.problem.textContent = '';
    const inputFields = state.inputs.map((name) => {
      const field = el('vscode-textarea', { attrs: { id: `playground-input-${name}`, 'aria-label': name, rows: 3, resize: 'vertical' } }) as Field;
      field.value = state.values[name] ?? '';
      this.inputs.set(name, field);
      return el('label', { class: 'playground-input' }, el('span', { class: 'label' }, `{{ ${name} }}`), field);
    });
    const settingFields = SETTING_KEYS
      .filter(() => state.task === 'generation') // classification scores labels: nothing is sampled
      .map((key) => {
        const limits = PLAYGROUND_LIMITS[key];
        const field = el('vscode-textfield', { attrs: { type: 'number', id: `playground-${key}`, min: limits.min, max: limits.max, step: key === 'temperature' || key === 'topP' ? 0.01 : 1, 'aria-label': settingLabel(key) } }) as Field;
        field.value = String(state.settings[key]);
        this.settings.set(key, field);
        return el('label', { class: 'playground-setting' }, el('span', { class: 'label' }, settingLabel(key)), field);
      });
    const rowField = el('vscode-textfield', { attrs: { type: 'number', min: 0, max: Math.max(0, state.rowCount - 1), value: 0, id: 'playground-row', 'aria-label': l10n.t('Dataset row') } }) as Field;
    replaceChildren(this.root,
      el('header', { class: 'view-header' },
        el('h2', {}, l10n.t('Playground'), ' ', el('code', {}, state.file)),
        el('p', { class: 'muted' }, state.task === 'generation'
          ? l10n.t('The same input through the hard prompt, the hard prompt with a soft prompt, and the soft prompt\'s projection, with the same sampling settings and seed.')
          : l10n.t('The label probabilities of the same input through the hard prompt, the hard prompt with a soft prompt, and the soft prompt\'s projection.'))),
      el('div', { class: 'playground-soft' },
        el('span', { class: 'label' }, l10n.t('Soft prompt')), ' ',
        state.softPrompt ? el('code', { attrs: { id: 'playground-soft-prompt' } }, state.softPrompt) : el('em', {}, l10n.t('none chosen')),
        ' ',
        button(state.softPrompt ? l10n.t('Change…') : l10n.t('Choose…'), () => post({ type: 'playgroundSoftPrompt' }), { secondary: true, id: 'playground-choose-soft' })),
      el('div', { class: 'playground-inputs' }, ...inputFields),
      state.rowCount > 0
        ? el('div', { class: 'row-picker' }, el('span', {}, l10n.t('Load dataset row')), rowField,
          button(l10n.t('Load'), () => {
            const index = Number.parseInt(rowField.value, 10);
            if (Number.isSafeInteger(index) && index >= 0) post({ type: 'playgroundRow', index });
          }, { secondary: true, id: 'playground-load-row' }),
          el('span', { class: 'muted' }, l10n.t({ message: 'of {0}', args: [state.rowCount], comment: ['After a row number field: "Row [3] of 120".'] })))
        : null,
      settingFields.length > 0 ? el('div', { class: 'playground-settings' }, ...settingFields) : null,
      el('div', { class: 'actions' }, this.runButton, this.cancelButton),
      this.problem,
      this.columns,
      this.message,
      this.announcer);
    this.renderRun(state);
  }

  /** Updates the columns in place (the form keeps what the user typed while text streams). */
  renderRun(state: PlaygroundViewState | undefined): void {
    if (!state) return;
    this.jobId = state.jobId;
    this.cancelButton.hidden = state.jobId === '';
    this.runButton.toggleAttribute('disabled', state.jobId !== '');
    this.root.dataset.running = String(state.jobId !== '');
    replaceChildren(this.columns, ...state.columns.map((c) => column(c, state)));
    this.message.textContent = state.message ?? '';
    const announcement = state.jobId === '' && state.columns.every((c) => c.status === 'waiting') ? ''
      : state.columns.map((c) => l10n.t({ message: '{0}: {1}', args: [columnTitle(c.id), columnState(c.status)], comment: ['A Playground column and its state, e.g. "Hard prompt: done".'] })).join('; ');
    if (this.announcer.textContent !== announcement) this.announcer.textContent = announcement;
  }

  private run(): void {
    const values = Object.fromEntries([...this.inputs].map(([name, field]) => [name, field.value]));
    const number = (key: keyof PlaygroundSettings, fallback: number) => {
      const field = this.settings.get(key);
      return field ? Number(field.value) : fallback;
    };
    // Classification has no sampling: the settings travel unchanged (they are valid by construction).
    const settings: PlaygroundSettings = {
      temperature: number('temperature', 0),
      topP: number('topP', 1),
      maxNewTokens: number('maxNewTokens', 1),
      seed: number('seed', 0),
    };
    if (this.task === 'generation' && !isPlaygroundSettings(settings)) {
      const l = PLAYGROUND_LIMITS;
      this.problem.textContent = l10n.t({
        message: 'Settings out of range: temperature {0}–{1}, top-p {2}–{3}, max new tokens a whole number {4}–{5}, seed a whole number ≥ 0.',
        args: [l.temperature.min, l.temperature.max, l.topP.min, l.topP.max, l.maxNewTokens.min, l.maxNewTokens.max],
        comment: ['{0}–{5}: the lowest and highest allowed values of each setting.'],
      });
      return;
    }
    this.problem.textContent = '';
    post({ type: 'playgroundRun', values, settings: this.task === 'generation' ? settings : { temperature: 0, topP: 1, maxNewTokens: 1, seed: 0 } });
  }
}

function column(c: PlaygroundColumnView, state: PlaygroundViewState): HTMLElement {
  const tokens = c.tokens === 1 ? l10n.t('1 token') : l10n.t('{0} tokens', c.tokens);
  const status = c.status === 'running' ? l10n.t({ message: 'generating… {0}', args: [tokens], comment: ['{0}: a token count, e.g. "12 tokens".'] })
    : c.status === 'done' ? c.message ?? (c.predicted !== undefined ? l10n.t({ message: 'predicted: {0}', args: [c.predicted], comment: ['{0}: the label the model chose.'] }) : columnState('done'))
      : c.status === 'cancelled' ? (c.tokens ? l10n.t({ message: 'cancelled after {0}', args: [tokens], comment: ['{0}: a token count, e.g. "12 tokens".'] }) : columnState('cancelled'))
        : c.status === 'skipped' ? c.message ?? columnState('skipped')
          : columnState(c.status);
  const body = c.labels
    ? labelTable(c)
    : el('pre', { class: 'rendered generated playground-text' }, c.text);
  return el('article', { class: `playground-column ${c.status}`, attrs: { 'data-column': c.id, 'data-status': c.status } },
    el('h3', {}, columnTitle(c.id)),
    c.id === 'projected' && state.projectedText !== undefined
      ? el('p', { class: 'projected-text' }, el('span', { class: 'muted' }, l10n.t('Projected text:'), ' '), el('code', {}, state.projectedText))
      : null,
    el('p', { class: 'muted playground-status' }, status),
    c.status === 'skipped' ? null : body);
}

function labelTable(c: PlaygroundColumnView): HTMLElement {
  return el('table', { class: 'data playground-labels' },
    el('tbody', {}, ...(c.labels ?? []).map((l) => {
      const bar = el('div', { class: 'bar' });
      bar.style.width = `${Math.max(0, Math.min(1, l.probability)) * 100}%`;
      return el('tr', { class: l.label === c.predicted ? 'predicted' : '' },
        el('td', {}, l.label === c.predicted ? el('strong', {}, l.label) : l.label),
        el('td', { class: 'num' }, `${(100 * l.probability).toFixed(1)}%`),
        el('td', { class: 'bar-cell' }, el('div', { class: 'bar-track' }, bar)));
    })));
}
