/**
 * Prompt editor view: the rendered prompt for a chosen dataset row, its token boundaries and count, validation
 * messages, and the answer of ▶ Test on a generation prompt as it streams.
 */
import type { DatasetRoleView, DiagnosticItem, GenerationViewState, PromptViewState, TokenPiece } from '../../src/extension/views/protocol';
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
      replaceChildren(this.root, el('p', { class: 'empty' }, 'Open a .prompt file to preview it here.'));
      return;
    }
    replaceChildren(this.root,
      el('header', { class: 'view-header' }, el('h2', { class: 'file-name' }, state.file)),
      state.datasets ? datasetTable(state.datasets) : null,
      this.rowPicker(state),
      state.rowSource ? el('p', { class: 'muted', attrs: { id: 'row-source' } }, `Showing ${state.rowSource}.`) : null,
      state.shots ? shotsLine(state.shots) : null,
      rowFields(state),
      el('h3', {}, 'Rendered prompt'),
      state.rendered === undefined
        ? el('p', { class: 'note' }, state.note ?? 'The prompt could not be rendered.')
        : el('pre', { class: 'rendered', attrs: { id: 'rendered-prompt' } }, state.rendered),
      this.output.root,
      el('h3', {}, 'Tokens ', el('vscode-badge', { attrs: { id: 'token-count' } }, state.tokenCount ?? '–')),
      state.tokens ? tokenStrip(state.tokens) : el('p', { class: 'note' }, state.note ?? 'Select a model to see token boundaries.'),
      el('h3', {}, 'Validation'),
      diagnosticList(state.diagnostics),
      el('div', { class: 'actions' },
        button('▶ Test', () => post({ type: 'runCommand', command: 'promptTuning.testPrompt' })),
        button('▶ Run on dataset', () => post({ type: 'runCommand', command: 'promptTuning.runOnDataset' }), { secondary: true }),
        button('Playground', () => post({ type: 'runCommand', command: 'promptTuning.openPlayground' }), { secondary: true })),
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
      attrs: { type: 'number', min: 0, max: last, value: state.rowIndex, id: 'row-index', 'aria-label': 'Dataset row' },
    }) as HTMLElement & { value: string };
    field.addEventListener('change', () => {
      const index = Number.parseInt(field.value, 10);
      if (Number.isSafeInteger(index)) go(index);
    });
    return el('div', { class: 'row-picker' },
      el('span', {}, 'Row'),
      button('◀', () => go(state.rowIndex - 1), { secondary: true, disabled: state.rowIndex <= 0, ariaLabel: 'Previous row' }),
      field,
      button('▶', () => go(state.rowIndex + 1), { secondary: true, disabled: state.rowIndex >= last, ariaLabel: 'Next row' }),
      el('span', { class: 'muted' }, `of ${state.rowCount}`));
  }
}

/** The prompt's train / dev / test files with their row counts and label distributions, each changeable. */
function datasetTable(datasets: DatasetRoleView[]): HTMLElement {
  const distribution = (d: DatasetRoleView) => {
    if (d.error) return d.error;
    if (!d.file) return '';
    if (d.rows === undefined) return 'counting…';
    return d.summary ?? `${d.rows} rows`;
  };
  return el('div', { class: 'datasets' },
    el('h3', {}, 'Datasets'),
    el('ul', { class: 'dataset-roles', attrs: { id: 'dataset-roles' } },
      ...datasets.map((d) => el('li', { attrs: { 'data-role': d.role } },
        el('div', { class: 'dataset-role-line' },
          el('strong', { title: `For ${ROLE_DESCRIPTIONS[d.role].use}` }, ROLE_DESCRIPTIONS[d.role].name), ' ',
          d.file ? el('code', {}, d.file) : el('em', {}, 'not chosen'), ' ',
          button(d.file ? 'Change…' : 'Choose…', () => post({ type: 'selectDatasetRole', role: d.role }),
            { secondary: true, ariaLabel: `${d.file ? 'Change' : 'Choose'} the ${ROLE_DESCRIPTIONS[d.role].name} dataset` }),
          d.file ? ' ' : null,
          d.file ? button('Open', () => post({ type: 'openDatasetRole', role: d.role }),
            { secondary: true, ariaLabel: `Open the ${ROLE_DESCRIPTIONS[d.role].name} dataset as a grid` }) : null),
        d.file ? el('div', { class: 'muted dataset-summary' }, distribution(d)) : null))),
    el('div', { class: 'actions' },
      button('Split a dataset…', () => post({ type: 'runCommand', command: 'promptTuning.splitDataset' }), { secondary: true })));
}

/** Where a few-shot prompt's examples come from, with the way to change it. */
function shotsLine(shots: NonNullable<PromptViewState['shots']>): HTMLElement {
  const choose = () => post({ type: 'runCommand', command: 'promptTuning.chooseShotsFile' });
  return el('p', { class: 'shots-file', attrs: { id: 'shots-file' } },
    `${shots.count} few-shot example${shots.count === 1 ? '' : 's'} from `,
    shots.file ? el('code', {}, shots.file) : el('em', {}, 'a training file not chosen yet (▶ Test asks for it)'),
    ' ',
    button(shots.file ? 'Change…' : 'Choose…', choose, { secondary: true }));
}

function rowFields(state: PromptViewState): HTMLElement {
  const entries = Object.entries(state.row);
  if (entries.length === 0) return el('p', { class: 'note' }, 'No dataset row.');
  return el('dl', { class: 'row-fields' },
    ...entries.flatMap(([key, value]) => [el('dt', {}, key), el('dd', {}, value)]),
    state.gold !== undefined ? el('dt', {}, 'gold label') : null,
    state.gold !== undefined ? el('dd', { class: 'gold' }, state.gold) : null);
}

function tokenStrip(tokens: TokenPiece[]): HTMLElement {
  return el('div', { class: 'tokens', attrs: { id: 'token-strip' } },
    ...tokens.map((token, i) => el('span', {
      class: `token ${token.virtual ? 'virtual' : i % 2 === 0 ? 'even' : 'odd'}`,
      title: token.virtual ? 'virtual token (soft prompt)' : `id ${token.id}: ${JSON.stringify(token.text)}`,
    }, token.virtual ? token.text : visibleWhitespace(token.text))));
}

function diagnosticList(diagnostics: DiagnosticItem[]): HTMLElement {
  if (diagnostics.length === 0) return el('p', { class: 'ok', attrs: { id: 'diagnostics' } }, 'No problems.');
  return el('ul', { class: 'diagnostics', attrs: { id: 'diagnostics' } },
    ...diagnostics.map((d) => el('li', { class: d.severity },
      el('span', { class: 'where' }, `${d.line + 1}:${d.column + 1}`), ' ', d.message)));
}

/** The generated text (model output: set as textContent only), where it stands, and Cancel while it runs. */
class GenerationOutput {
  private readonly heading = el('h3', {}, 'Generated');
  private readonly status = el('span', { class: 'muted', attrs: { id: 'generation-status' } });
  /** The live region: announces the run's state when it changes, not the token count on every token. */
  private readonly announcer = el('span', { class: 'visually-hidden', attrs: { id: 'generation-announce', role: 'status' } });
  private readonly text = el('pre', { class: 'rendered generated', attrs: { id: 'generated-text' } });
  private readonly cancel = button('Cancel', () => {
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
    this.heading.textContent = `Generated for ${generation.source}`;
    const tokens = `${generation.tokens} token${generation.tokens === 1 ? '' : 's'}`;
    this.status.textContent = {
      running: `generating… ${tokens}`,
      done: generation.message ?? tokens,
      cancelled: `cancelled after ${tokens}`,
      failed: `failed${generation.message ? `: ${generation.message}` : ''}`,
    }[generation.status];
    const announcement = {
      running: 'Generating…',
      done: `Generated ${tokens}`,
      cancelled: 'Generation cancelled',
      failed: `Generation failed${generation.message ? `: ${generation.message}` : ''}`,
    }[generation.status];
    if (this.announcer.textContent !== announcement) this.announcer.textContent = announcement;
    this.root.dataset.status = generation.status;
    this.text.textContent = generation.text;
  }
}
