/**
 * Prompt editor view: the rendered prompt for a chosen dataset row, its token boundaries and count, validation
 * messages, and the answer of ▶ Test on a generation prompt as it streams.
 */
import type { DatasetRoleView, DiagnosticItem, GenerationViewState, PromptViewState, TokenPiece } from '../../src/extension/views/protocol';
import * as l10n from '@vscode/l10n';
import { ROLE_DESCRIPTIONS } from '../../src/extension/datasets/roles';
import { button, el, replaceChildren } from '../lib/dom';
import { visibleWhitespace } from '../lib/format';
import { post } from '../lib/host';

export class PromptView {
  readonly root = el('section', { class: 'view prompt-view', attrs: { 'data-view': 'prompt' } });
  private readonly output = new GenerationOutput();
  private file: string | undefined;

  render(state: PromptViewState | undefined): void {
    this.file = state?.file;
    if (!state?.file) {
      replaceChildren(this.root, el('p', { class: 'empty' }, l10n.t('Open a .prompt file to preview it here.')));
      return;
    }
    replaceChildren(this.root,
      el('header', { class: 'view-header' }, el('h2', { class: 'file-name' }, state.file)),
      state.datasets ? datasetTable(state.datasets) : null,
      this.rowPicker(state),
      state.rowSource ? el('p', { class: 'muted', attrs: { id: 'row-source' } }, l10n.t({ message: 'Showing {0}.', args: [state.rowSource], comment: ['{0} says which dataset row is shown, e.g. "row 3 of dev.jsonl".'] })) : null,
      state.shots ? shotsLine(state.shots) : null,
      rowFields(state),
      el('h3', {}, l10n.t('Rendered prompt')),
      state.rendered === undefined
        ? el('p', { class: 'note' }, state.note ?? l10n.t('The prompt could not be rendered.'))
        : el('pre', { class: 'rendered', attrs: { id: 'rendered-prompt' } }, state.rendered),
      this.output.root,
      el('h3', {}, l10n.t('Tokens'), ' ', el('vscode-badge', { attrs: { id: 'token-count' } }, state.tokenCount ?? '–')),
      state.tokens ? tokenStrip(state.tokens) : el('p', { class: 'note' }, state.note ?? l10n.t('Select a model to see token boundaries.')),
      el('h3', {}, l10n.t('Validation')),
      diagnosticList(state.diagnostics),
      el('div', { class: 'actions' },
        button(`▶ ${l10n.t('Test')}`, () => post({ type: 'runCommand', command: 'promptTuning.testPrompt' })),
        button(`▶ ${l10n.t('Run on dataset')}`, () => post({ type: 'runCommand', command: 'promptTuning.runOnDataset' }), { secondary: true }),
        button(l10n.t('Playground'), () => post({ type: 'runCommand', command: 'promptTuning.openPlayground' }), { secondary: true })),
    );
  }

  /** Updates the streamed answer in place (the rest of the view is not rebuilt for each new piece of text). */
  renderGeneration(generation: GenerationViewState | undefined): void {
    this.output.render(generation?.file === this.file ? generation : undefined);
  }

  private rowPicker(state: PromptViewState): HTMLElement {
    const last = Math.max(0, state.rowCount - 1);
    const go = (index: number) => post({ type: 'selectRow', index: Math.min(last, Math.max(0, index)) });
    const field = el('vscode-textfield', {
      attrs: { type: 'number', min: 0, max: last, value: state.rowIndex, id: 'row-index', 'aria-label': l10n.t('Dataset row') },
    }) as HTMLElement & { value: string };
    field.addEventListener('change', () => {
      const index = Number.parseInt(field.value, 10);
      if (Number.isSafeInteger(index)) go(index);
    });
    return el('div', { class: 'row-picker' },
      el('span', {}, l10n.t('Row')),
      button('◀', () => go(state.rowIndex - 1), { secondary: true, disabled: state.rowIndex <= 0, ariaLabel: l10n.t('Previous row') }),
      field,
      button('▶', () => go(state.rowIndex + 1), { secondary: true, disabled: state.rowIndex >= last, ariaLabel: l10n.t('Next row') }),
      el('span', { class: 'muted' }, l10n.t({ message: 'of {0}', args: [state.rowCount], comment: ['After a row number field: "Row [3] of 120".'] })));
  }
}

/** The prompt's train / dev / test files with their row counts and label distributions, each changeable. */
function datasetTable(datasets: DatasetRoleView[]): HTMLElement {
  const distribution = (d: DatasetRoleView) => {
    if (d.error) return d.error;
    if (!d.file) return '';
    if (d.rows === undefined) return l10n.t('counting…');
    return d.summary ?? l10n.t('{0} rows', d.rows);
  };
  return el('div', { class: 'datasets' },
    el('h3', {}, l10n.t('Datasets')),
    el('ul', { class: 'dataset-roles', attrs: { id: 'dataset-roles' } },
      ...datasets.map((d) => el('li', { attrs: { 'data-role': d.role } },
        el('div', { class: 'dataset-role-line' },
          el('strong', { title: l10n.t({ message: 'For {0}', args: [ROLE_DESCRIPTIONS[d.role].use], comment: ['{0}: what a dataset role is used for.'] }) }, ROLE_DESCRIPTIONS[d.role].name), ' ',
          d.file ? el('code', {}, d.file) : el('em', {}, l10n.t('not chosen')), ' ',
          button(d.file ? l10n.t('Change…') : l10n.t('Choose…'), () => post({ type: 'selectDatasetRole', role: d.role }), {
            secondary: true,
            ariaLabel: d.file
              ? l10n.t({ message: 'Change the {0} dataset', args: [ROLE_DESCRIPTIONS[d.role].name], comment: ['{0}: a dataset role (training, dev, test).'] })
              : l10n.t({ message: 'Choose the {0} dataset', args: [ROLE_DESCRIPTIONS[d.role].name], comment: ['{0}: a dataset role (training, dev, test).'] }),
          }),
          d.file ? ' ' : null,
          d.file ? button(l10n.t({ message: 'Open', comment: ['Opens a dataset file as a grid.'] }), () => post({ type: 'openDatasetRole', role: d.role }), {
            secondary: true,
            ariaLabel: l10n.t({ message: 'Open the {0} dataset as a grid', args: [ROLE_DESCRIPTIONS[d.role].name], comment: ['{0}: a dataset role (training, dev, test).'] }),
          }) : null),
        d.file ? el('div', { class: 'muted dataset-summary' }, distribution(d)) : null))),
    el('div', { class: 'actions' },
      button(l10n.t('Split a dataset…'), () => post({ type: 'runCommand', command: 'promptTuning.splitDataset' }), { secondary: true })));
}

/** Where a few-shot prompt's examples come from, with the way to change it. */
function shotsLine(shots: NonNullable<PromptViewState['shots']>): HTMLElement {
  const choose = () => post({ type: 'runCommand', command: 'promptTuning.chooseShotsFile' });
  return el('p', { class: 'shots-file', attrs: { id: 'shots-file' } },
    shots.count === 1 ? l10n.t('1 few-shot example from') : l10n.t('{0} few-shot examples from', shots.count), ' ',
    shots.file ? el('code', {}, shots.file) : el('em', {}, l10n.t('a training file not chosen yet (▶ Test asks for it)')),
    ' ',
    button(shots.file ? l10n.t('Change…') : l10n.t('Choose…'), choose, { secondary: true }));
}

function rowFields(state: PromptViewState): HTMLElement {
  const entries = Object.entries(state.row);
  if (entries.length === 0) return el('p', { class: 'note' }, l10n.t('No dataset row.'));
  return el('dl', { class: 'row-fields' },
    ...entries.flatMap(([key, value]) => [el('dt', {}, key), el('dd', {}, value)]),
    state.gold !== undefined ? el('dt', {}, l10n.t('gold label')) : null,
    state.gold !== undefined ? el('dd', { class: 'gold' }, state.gold) : null);
}

function tokenStrip(tokens: TokenPiece[]): HTMLElement {
  return el('div', { class: 'tokens', attrs: { id: 'token-strip' } },
    ...tokens.map((token, i) => el('span', {
      class: `token ${token.virtual ? 'virtual' : i % 2 === 0 ? 'even' : 'odd'}`,
      title: token.virtual ? l10n.t('virtual token (soft prompt)') : l10n.t({ message: 'id {0}: {1}', args: [token.id, JSON.stringify(token.text)], comment: ['A token\'s tooltip: {0} its id in the vocabulary, {1} its text in quotes.'] }),
    }, token.virtual ? token.text : visibleWhitespace(token.text))));
}

function diagnosticList(diagnostics: DiagnosticItem[]): HTMLElement {
  if (diagnostics.length === 0) return el('p', { class: 'ok', attrs: { id: 'diagnostics' } }, l10n.t('No problems.'));
  return el('ul', { class: 'diagnostics', attrs: { id: 'diagnostics' } },
    ...diagnostics.map((d) => el('li', { class: d.severity },
      el('span', { class: 'where' }, `${d.line + 1}:${d.column + 1}`), ' ', d.message)));
}

/** The generated text (model output: set as textContent only), where it stands, and Cancel while it runs. */
class GenerationOutput {
  private readonly heading = el('h3', {}, l10n.t('Generated'));
  private readonly status = el('span', { class: 'muted', attrs: { id: 'generation-status' } });
  /** The live region: announces the run's state when it changes, not the token count on every token. */
  private readonly announcer = el('span', { class: 'visually-hidden', attrs: { id: 'generation-announce', role: 'status' } });
  private readonly text = el('pre', { class: 'rendered generated', attrs: { id: 'generated-text' } });
  private readonly cancel = button(l10n.t('Cancel'), () => {
    if (this.jobId) post({ type: 'cancelJob', id: this.jobId });
  }, { secondary: true, id: 'cancel-generation' });
  private jobId: string | undefined;
  readonly root = el('div', { class: 'generation', attrs: { id: 'generation' } },
    this.heading, el('div', { class: 'generation-status' }, this.status, this.announcer, this.cancel), this.text);

  constructor() {
    this.root.hidden = true;
  }

  render(generation: GenerationViewState | undefined): void {
    this.root.hidden = generation === undefined;
    if (!generation) return;
    this.jobId = generation.status === 'running' ? generation.jobId : undefined;
    this.cancel.hidden = generation.status !== 'running';
    this.heading.textContent = l10n.t({ message: 'Generated for {0}', args: [generation.source], comment: ['{0}: the input the text was generated for, e.g. "row 3 of dev.jsonl".'] });
    const tokens = generation.tokens === 1 ? l10n.t('1 token') : l10n.t('{0} tokens', generation.tokens);
    const status = generation.status;
    this.status.textContent = status === 'running' ? l10n.t({ message: 'generating… {0}', args: [tokens], comment: ['{0}: a token count, e.g. "12 tokens".'] })
      : status === 'done' ? generation.message ?? tokens
        : status === 'cancelled' ? l10n.t({ message: 'cancelled after {0}', args: [tokens], comment: ['{0}: a token count, e.g. "12 tokens".'] })
          : generation.message ? l10n.t('failed: {0}', generation.message) : l10n.t('failed');
    const announcement = status === 'running' ? l10n.t('Generating…')
      : status === 'done' ? l10n.t({ message: 'Generated {0}', args: [tokens], comment: ['{0}: a token count, e.g. "12 tokens".'] })
        : status === 'cancelled' ? l10n.t('Generation cancelled')
          : generation.message ? l10n.t('Generation failed: {0}', generation.message) : l10n.t('Generation failed');
    if (this.announcer.textContent !== announcement) this.announcer.textContent = announcement;
    this.root.dataset.status = generation.status;
    this.text.textContent = generation.text;
  }
}
