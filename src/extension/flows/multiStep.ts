/**
 * Multi-step quick inputs (after VS Code's quickinput-sample `multiStepInput.ts`): each question shows
 * "k/n" in its title, a Back button re-shows the previous question with its earlier answer selected, and
 * Escape ends the whole flow. Steps left out for the answers so far count in neither k nor n.
 */
import * as vscode from 'vscode';

/** Thrown inside a step (or by the input) to leave the flow: Back, or cancel (Escape, a declined warning). */
class FlowAction {
  private constructor(readonly kind: 'back' | 'cancel') {}
  static readonly back = new FlowAction('back');
  static readonly cancel = new FlowAction('cancel');
}

/** Ends the flow from inside a step, as Escape does (e.g. a modal warning the user declined). */
export function cancelFlow(): never {
  throw FlowAction.cancel;
}

export interface Step<S> {
  /** Whether the answers so far leave this question out (a remembered dataset, no soft prompts to pick from). */
  skip?: (state: S) => boolean;
  /**
   * Asks no quick input (a check, a modal warning): it counts in no step number, and Back passes over it
   * to the question before.
   */
  quiet?: boolean;
  /** Asks through `input` and stores the answer in `state`; it reads its earlier answer there after a Back. */
  run: (input: StepInput, state: S) => Promise<void>;
}

interface Common {
  title: string;
  placeholder?: string;
  ignoreFocusOut?: boolean;
}

export interface PickOptions<T extends vscode.QuickPickItem> extends Common {
  items: readonly T[];
  matchOnDescription?: boolean;
  /** The item to highlight (single choice); default: the first. */
  active?: T;
}

export interface PickManyOptions<T extends vscode.QuickPickItem> extends Common {
  items: readonly T[];
  matchOnDescription?: boolean;
  /** The items ticked at first; default: those with `picked`. */
  selected?: readonly T[];
}

export interface InputOptions extends Common {
  value?: string;
  prompt?: string;
  /** A message when the text is not acceptable (Enter is then refused), undefined when it is. */
  validate?: (text: string) => string | undefined;
}

/** One question of a flow: its position and the quick input to ask it with. */
export class StepInput {
  constructor(
    /** 1-based position among the steps asked, or undefined when the flow has a single question. */
    readonly step: number | undefined,
    readonly totalSteps: number | undefined,
    private readonly canGoBack: boolean,
  ) {}

  /** One item; throws Back or cancel through the flow. */
  pick<T extends vscode.QuickPickItem>(options: PickOptions<T>): Promise<T> {
    return this.showPick(options, false).then((items) => items[0]);
  }

  /** Any number of items (none is an answer too: the caller decides whether it is acceptable). */
  pickMany<T extends vscode.QuickPickItem>(options: PickManyOptions<T>): Promise<T[]> {
    return this.showPick(options, true);
  }

  private showPick<T extends vscode.QuickPickItem>(options: PickOptions<T> | PickManyOptions<T>, many: boolean): Promise<T[]> {
    const pick = vscode.window.createQuickPick<T>();
    this.configure(pick, options);
    pick.items = options.items;
    pick.matchOnDescription = options.matchOnDescription ?? false;
    pick.canSelectMany = many;
    if (many) {
      const selected = (options as PickManyOptions<T>).selected ?? options.items.filter((item) => item.picked);
      pick.selectedItems = selected;
    } else {
      const active = (options as PickOptions<T>).active;
      if (active) pick.activeItems = [active];
    }
    return this.settle(pick, (resolve) => pick.onDidAccept(() => {
      const chosen = many ? [...pick.selectedItems] : [...pick.selectedItems.length > 0 ? pick.selectedItems : pick.activeItems].slice(0, 1);
      if (!many && chosen.length === 0) return; // Enter on an empty filter result: nothing to take
      resolve(chosen);
    }));
  }

  /** Free text; Enter is refused while `validate` has a message. */
  input(options: InputOptions): Promise<string> {
    const box = vscode.window.createInputBox();
    this.configure(box, options);
    box.value = options.value ?? '';
    box.prompt = options.prompt;
    const check = (text: string) => { box.validationMessage = options.validate?.(text); };
    check(box.value);
    return this.settle(box, (resolve) => vscode.Disposable.from(
      box.onDidChangeValue(check),
      box.onDidAccept(() => {
        check(box.value);
        if (box.validationMessage === undefined) resolve(box.value);
      }),
    ));
  }

  private configure(input: vscode.QuickPick<vscode.QuickPickItem> | vscode.InputBox, options: Common): void {
    input.title = options.title;
    input.step = this.step;
    input.totalSteps = this.totalSteps;
    input.placeholder = options.placeholder;
    input.ignoreFocusOut = options.ignoreFocusOut ?? false;
    input.buttons = this.canGoBack ? [vscode.QuickInputButtons.Back] : [];
  }

  /** Shows `input` until it is accepted (`listen` resolves), Back is pressed or it is hidden (Escape, focus lost). */
  private settle<R>(input: vscode.QuickInput & { onDidTriggerButton: vscode.Event<vscode.QuickInputButton> },
    listen: (resolve: (value: R) => void) => vscode.Disposable): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const disposables: vscode.Disposable[] = [];
      const finish = (settle: () => void) => {
        for (const d of disposables) d.dispose();
        input.dispose();
        settle();
      };
      disposables.push(
        listen((value) => finish(() => resolve(value))),
        input.onDidTriggerButton((button) => { if (button === vscode.QuickInputButtons.Back) finish(() => reject(FlowAction.back)); }),
        input.onDidHide(() => finish(() => reject(FlowAction.cancel))),
      );
      input.show();
    });
  }
}

/**
 * Runs `steps` in order on `state`; true when the last one answered, false when the user cancelled. Back
 * returns to the last step that was asked (skipped ones are passed over again) and re-runs it.
 */
export async function runSteps<S>(state: S, steps: readonly Step<S>[]): Promise<boolean> {
  const asked: number[] = [];
  let index = 0;
  while (index < steps.length) {
    const step = steps[index];
    if (step.skip?.(state)) {
      index++;
      continue;
    }
    const remaining = steps.slice(index).filter((s) => !s.quiet && !s.skip?.(state)).length;
    const total = asked.length + remaining;
    const input = total > 1 && !step.quiet ? new StepInput(asked.length + 1, total, asked.length > 0) : new StepInput(undefined, undefined, asked.length > 0);
    try {
      await step.run(input, state);
      if (!step.quiet) asked.push(index);
      index++;
    } catch (error) {
      if (error === FlowAction.cancel) return false;
      if (error !== FlowAction.back) throw error;
      // No Back button on the first step, but a step's own code may throw it: it then ends the flow.
      const previous = asked.pop();
      if (previous === undefined) return false;
      index = previous;
    }
  }
  return true;
}

/** One question on its own (no step numbers, no Back): the answer, or undefined when dismissed. */
export async function askOne<R>(ask: (input: StepInput) => Promise<R>): Promise<R | undefined> {
  const state: { answer?: R } = {};
  const done = await runSteps(state, [{ run: async (input, s) => { s.answer = await ask(input); } }]);
  return done ? state.answer : undefined;
}
