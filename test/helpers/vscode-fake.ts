/**
 * A fake `vscode` module for unit tests of the extension's flows: just the API they use, with the user's
 * answers scripted. Importing this file makes `require('vscode')` (and so `import * as vscode from 'vscode'`)
 * resolve to the fake, for modules loaded after it; import it first in a test file.
 *
 * The script is a queue of actions; each quick pick, input box or message takes the next one when it shows.
 * Every quick input shown is recorded (title, step/total, items, what was selected, its buttons), as are the
 * messages and executed commands, so tests assert what the user saw.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Module from 'node:module';

/** One thing the user does on the quick input or message on screen. */
export type Action =
  /** Quick pick: accept the item with this label (single), or exactly these items ticked (many). */
  | { pick: string | string[] }
  /** Quick pick: accept as it shows (the highlighted item, or the ticked items). */
  | { accept: true }
  /** Input box: type this text (replacing what is there) and press Enter. */
  | { type: string }
  | { back: true }
  | { escape: true }
  /** Message: click this button (a modal without one is dismissed). */
  | { button: string | undefined };

export interface ShownInput {
  kind: 'quickPick' | 'inputBox';
  title: string | undefined;
  step: number | undefined;
  totalSteps: number | undefined;
  /** Item labels (quick pick). */
  items: string[];
  /** Labels ticked (many) or highlighted (single) when it showed. */
  selected: string[];
  canSelectMany: boolean;
  hasBack: boolean;
  /** The text it showed with (input box). */
  value: string;
  /** The input box's validation message after the typed text. */
  validationMessage?: string;
}

export interface ShownMessage {
  severity: 'info' | 'warning' | 'error';
  message: string;
  modal: boolean;
  buttons: string[];
}

type Listener<T> = (e: T) => unknown;

export class EventEmitter<T> {
  private listeners = new Set<Listener<T>>();
  readonly event = (listener: Listener<T>) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };
  fire(value: T): void {
    for (const l of [...this.listeners]) l(value);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

export class Disposable {
  constructor(private readonly fn: () => void) {}
  static from(...items: Array<{ dispose(): unknown }>): Disposable {
    return new Disposable(() => { for (const i of items) i.dispose(); });
  }
  dispose(): void {
    this.fn();
  }
}

export class Uri {
  private constructor(readonly scheme: string, readonly fsPath: string) {}
  static file(p: string): Uri {
    return new Uri('file', path.resolve(p));
  }
  get path(): string {
    return this.fsPath;
  }
  toString(): string {
    return `${this.scheme}://${this.fsPath}`;
  }
}

export const QuickInputButtons = { Back: { iconPath: 'back', tooltip: 'Back' } };
export enum QuickPickItemKind { Separator = -1, Default = 0 }
export enum ProgressLocation { SourceControl = 1, Window = 10, Notification = 15 }
export enum ConfigurationTarget { Global = 1, Workspace = 2, WorkspaceFolder = 3 }

interface Item { label: string; kind?: number }

/** The state the fake keeps: the script, what was shown, the workspace folder. */
class Fake {
  actions: Action[] = [];
  inputs: ShownInput[] = [];
  messages: ShownMessage[] = [];
  commands: Array<{ command: string; args: unknown[] }> = [];
  openDialogs = 0;
  /** Quick inputs that showed with no action left (the fake pressed Escape on them). */
  unscripted: string[] = [];
  workspaceFolder: string | undefined;
  isTrusted = true;

  reset(workspaceFolder?: string): void {
    this.actions = [];
    this.inputs = [];
    this.messages = [];
    this.commands = [];
    this.openDialogs = 0;
    this.unscripted = [];
    this.workspaceFolder = workspaceFolder;
    this.isTrusted = true;
  }

  /** Queues the user's next actions. */
  script(...actions: Action[]): void {
    this.actions.push(...actions);
  }

  next(what: string): Action | undefined {
    const action = this.actions.shift();
    if (!action) this.unscripted.push(what);
    return action;
  }
}

export const fake = new Fake();

abstract class FakeQuickInput {
  title: string | undefined;
  step: number | undefined;
  totalSteps: number | undefined;
  placeholder: string | undefined;
  ignoreFocusOut = false;
  buttons: Array<{ tooltip?: string }> = [];
  readonly hideEmitter = new EventEmitter<void>();
  readonly acceptEmitter = new EventEmitter<void>();
  readonly buttonEmitter = new EventEmitter<unknown>();
  readonly onDidHide = this.hideEmitter.event;
  readonly onDidAccept = this.acceptEmitter.event;
  readonly onDidTriggerButton = this.buttonEmitter.event;
  visible = false;
  disposed = false;

  show(): void {
    if (this.visible) return;
    this.visible = true;
    // The user acts after the input is on screen, as in VS Code (never inside show()).
    setImmediate(() => this.act());
  }

  hide(): void {
    if (!this.visible) return;
    this.visible = false;
    this.hideEmitter.fire();
  }

  dispose(): void {
    this.hide();
    this.disposed = true;
  }

  protected hasBack(): boolean {
    return this.buttons.includes(QuickInputButtons.Back);
  }

  private act(): void {
    if (!this.visible) return;
    const shown = this.record();
    fake.inputs.push(shown);
    const action = fake.next(`${shown.kind} "${this.title}"`);
    if (!action || 'escape' in action) return this.hide();
    if ('back' in action) {
      if (!this.hasBack()) throw new Error(`Back pressed on "${this.title}", which has no Back button`);
      return this.buttonEmitter.fire(QuickInputButtons.Back);
    }
    this.apply(action, shown);
  }

  protected abstract record(): ShownInput;
  protected abstract apply(action: Action, shown: ShownInput): void;
}

class FakeQuickPick<T extends Item> extends FakeQuickInput {
  items: readonly T[] = [];
  canSelectMany = false;
  matchOnDescription = false;
  selectedItems: readonly T[] = [];
  activeItems: readonly T[] = [];
  value = '';

  protected record(): ShownInput {
    const highlighted = this.canSelectMany ? this.selectedItems : this.activeItems.length > 0 ? this.activeItems : this.items.filter((i) => i.kind !== QuickPickItemKind.Separator).slice(0, 1);
    return {
      kind: 'quickPick', title: this.title, step: this.step, totalSteps: this.totalSteps, items: this.items.map((i) => i.label),
      selected: highlighted.map((i) => i.label), canSelectMany: this.canSelectMany, hasBack: this.hasBack(), value: this.value,
    };
  }

  protected apply(action: Action, shown: ShownInput): void {
    if ('pick' in action) {
      const labels = Array.isArray(action.pick) ? action.pick : [action.pick];
      const chosen = labels.map((label) => {
        const item = this.items.find((i) => i.label === label || i.label.includes(label));
        if (!item) throw new Error(`no item "${label}" in "${this.title}" (items: ${shown.items.join(' | ')})`);
        return item;
      });
      if (this.canSelectMany) this.selectedItems = chosen;
      else {
        this.activeItems = chosen.slice(0, 1);
        this.selectedItems = chosen.slice(0, 1);
      }
    } else if ('accept' in action) {
      if (!this.canSelectMany) {
        const active = this.activeItems.length > 0 ? this.activeItems : this.items.filter((i) => i.kind !== QuickPickItemKind.Separator).slice(0, 1);
        this.selectedItems = active;
      }
    } else {
      throw new Error(`cannot ${JSON.stringify(action)} on the quick pick "${this.title}"`);
    }
    this.acceptEmitter.fire();
  }
}

class FakeInputBox extends FakeQuickInput {
  value = '';
  prompt: string | undefined;
  password = false;
  validationMessage: string | undefined;
  readonly changeEmitter = new EventEmitter<string>();
  readonly onDidChangeValue = this.changeEmitter.event;

  protected record(): ShownInput {
    return { kind: 'inputBox', title: this.title, step: this.step, totalSteps: this.totalSteps, items: [], selected: [], canSelectMany: false, hasBack: this.hasBack(), value: this.value };
  }

  protected apply(action: Action, shown: ShownInput): void {
    if (!('type' in action)) throw new Error(`cannot ${JSON.stringify(action)} on the input box "${this.title}"`);
    this.value = action.type;
    this.changeEmitter.fire(action.type);
    this.acceptEmitter.fire();
    shown.validationMessage = this.validationMessage;
    // A refused Enter leaves the box open: the script's next action answers it again.
    if (this.visible) {
      this.visible = false;
      this.show();
    }
  }
}

/** `showQuickPick` / `showInputBox` as VS Code implements them: on top of the created inputs. */
function showQuickPick<T extends Item>(items: readonly T[] | Promise<readonly T[]>, options: { title?: string; placeHolder?: string; canPickMany?: boolean } = {}): Promise<T | T[] | undefined> {
  return Promise.resolve(items).then((list) => new Promise((resolve) => {
    const pick = new FakeQuickPick<T>();
    pick.title = options.title;
    pick.placeholder = options.placeHolder;
    pick.items = list;
    pick.canSelectMany = options.canPickMany ?? false;
    if (pick.canSelectMany) pick.selectedItems = list.filter((i) => (i as { picked?: boolean }).picked);
    let done = false;
    pick.onDidAccept(() => {
      done = true;
      resolve(pick.canSelectMany ? [...pick.selectedItems] : pick.selectedItems[0]);
      pick.hide();
    });
    pick.onDidHide(() => { if (!done) resolve(undefined); });
    pick.show();
  }));
}

function showInputBox(options: { title?: string; value?: string; prompt?: string; validateInput?: (v: string) => string | undefined } = {}): Promise<string | undefined> {
  return new Promise((resolve) => {
    const box = new FakeInputBox();
    box.title = options.title;
    box.value = options.value ?? '';
    let done = false;
    box.onDidAccept(() => {
      box.validationMessage = options.validateInput?.(box.value) ?? undefined;
      if (box.validationMessage) return;
      done = true;
      resolve(box.value);
      box.hide();
    });
    box.onDidHide(() => { if (!done) resolve(undefined); });
    box.show();
  });
}

function showMessage(severity: ShownMessage['severity']) {
  return (message: string, ...rest: unknown[]): Promise<string | undefined> => {
    const options = typeof rest[0] === 'object' && rest[0] !== null ? rest.shift() as { modal?: boolean } : {};
    const buttons = rest.map((b) => typeof b === 'string' ? b : (b as { title: string }).title);
    fake.messages.push({ severity, message, modal: options.modal === true, buttons });
    // A message without buttons takes no action: the user need not answer it.
    if (buttons.length === 0) return Promise.resolve(undefined);
    const next = fake.actions[0];
    if (!next || !('button' in next)) return Promise.resolve(undefined); // not answered: dismissed (or left alone)
    fake.actions.shift();
    if (next.button !== undefined && !buttons.includes(next.button)) throw new Error(`no button "${next.button}" on "${message}" (${buttons.join(', ')})`);
    return Promise.resolve(next.button);
  };
}

/** A glob of VS Code's findFiles (`**`, `*`, `?`, `{a,b}`) as a regular expression over '/'-separated relative paths. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '{') re += '(?:';
    else if (c === '}') re += ')';
    else if (c === ',') re += '|';
    else re += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

async function findFiles(include: string, exclude?: string | null, maxResults?: number): Promise<Uri[]> {
  const root = fake.workspaceFolder;
  if (!root) return [];
  const inc = globToRegExp(include);
  const exc = exclude ? globToRegExp(exclude) : undefined;
  const found: Uri[] = [];
  for (const entry of fs.readdirSync(root, { recursive: true }) as string[]) {
    const relative = entry.split(path.sep).join('/');
    if (!inc.test(relative) || exc?.test(relative) || !fs.statSync(path.join(root, entry)).isFile()) continue;
    found.push(Uri.file(path.join(root, entry)));
    if (maxResults !== undefined && found.length >= maxResults) break;
  }
  return found;
}

export const window = {
  activeTextEditor: undefined as unknown,
  createQuickPick: <T extends Item>() => new FakeQuickPick<T>(),
  createInputBox: () => new FakeInputBox(),
  showQuickPick,
  showInputBox,
  showInformationMessage: showMessage('info'),
  showWarningMessage: showMessage('warning'),
  showErrorMessage: showMessage('error'),
  showOpenDialog: async () => {
    fake.openDialogs++;
    return undefined;
  },
  withProgress: async <R>(_options: unknown, task: (progress: { report(): void }, token: { isCancellationRequested: boolean; onCancellationRequested(): Disposable }) => Promise<R>) =>
    task({ report: () => undefined }, { isCancellationRequested: false, onCancellationRequested: () => new Disposable(() => undefined) }),
  createOutputChannel: () => ({ info() {}, warn() {}, error() {}, appendLine() {}, show() {}, dispose() {} }),
};

export const workspace = {
  findFiles,
  get workspaceFolders() {
    return fake.workspaceFolder ? [{ uri: Uri.file(fake.workspaceFolder), name: path.basename(fake.workspaceFolder), index: 0 }] : undefined;
  },
  get isTrusted() {
    return fake.isTrusted;
  },
  getWorkspaceFolder: (uri: Uri) => {
    const root = fake.workspaceFolder;
    if (!root || path.relative(root, uri.fsPath).startsWith('..')) return undefined;
    return { uri: Uri.file(root), name: path.basename(root), index: 0 };
  },
  openTextDocument: async (target: Uri | string) => {
    const file = typeof target === 'string' ? target : target.fsPath;
    const text = fs.readFileSync(file, 'utf8');
    return { uri: Uri.file(file), fileName: file, languageId: file.endsWith('.prompt') ? 'ptune-prompt' : 'plaintext', isDirty: false, getText: () => text, save: async () => true };
  },
  getConfiguration: () => ({ get: <T>(_key: string, fallback?: T) => fallback }),
};

export const commands = {
  executeCommand: async (command: string, ...args: unknown[]) => {
    fake.commands.push({ command, args });
    return undefined;
  },
  registerCommand: () => new Disposable(() => undefined),
};

export const l10n = {
  /** The message with its {0}-style (or {name}) arguments put in, as vscode.l10n.t does without a bundle. */
  t(message: string | { message: string; args?: unknown[] | Record<string, unknown>; comment?: string | string[] }, ...args: unknown[]): string {
    const text = typeof message === 'string' ? message : message.message;
    const values: unknown[] | Record<string, unknown> = typeof message === 'string'
      ? (args.length === 1 && typeof args[0] === 'object' && args[0] !== null && !Array.isArray(args[0]) ? args[0] as Record<string, unknown> : args)
      : message.args ?? [];
    return text.replace(/\{([^}]+)\}/g, (whole, key: string) => {
      const value = (values as Record<string, unknown>)[key];
      return value === undefined ? whole : String(value);
    });
  },
};

export const env = { language: 'en' };

const vscodeFake = {
  EventEmitter, Disposable, Uri, QuickInputButtons, QuickPickItemKind, ProgressLocation, ConfigurationTarget,
  window, workspace, commands, l10n, env,
};

// `require('vscode')` from here on gets the fake.
const FAKE_ID = '\0vscode-fake';
const moduleWithResolve = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const resolve = moduleWithResolve._resolveFilename;
moduleWithResolve._resolveFilename = function (request: string, ...rest: unknown[]) {
  return request === 'vscode' ? FAKE_ID : resolve.call(this, request, ...rest);
};
const cached = new Module(FAKE_ID);
cached.exports = vscodeFake;
cached.loaded = true;
(require.cache as Record<string, unknown>)[FAKE_ID] = cached;
