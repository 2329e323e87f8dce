/**
 * DOM construction that never interprets strings as markup: every string child becomes a Text node and
 * attributes are set with setAttribute. Token strings and dataset text can therefore hold "<img onerror=…>"
 * and still show literally. No innerHTML anywhere in the webview.
 */
export type Child = Node | string | number | null | undefined | false;

export interface ElementOptions {
  class?: string;
  attrs?: Record<string, string | number | boolean | undefined>;
  title?: string;
  on?: { [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void } & Record<string, (event: Event) => void>;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, options?: ElementOptions, ...children: Child[]): HTMLElementTagNameMap[K];
export function el(tag: string, options?: ElementOptions, ...children: Child[]): HTMLElement;
export function el(tag: string, options: ElementOptions = {}, ...children: Child[]): HTMLElement {
  const node = document.createElement(tag);
  if (options.class) node.className = options.class;
  if (options.title !== undefined) node.title = options.title;
  for (const [name, value] of Object.entries(options.attrs ?? {})) {
    if (value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const [name, handler] of Object.entries(options.on ?? {})) {
    if (handler) node.addEventListener(name, handler as EventListener);
  }
  append(node, ...children);
  return node;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/**
 * Replaces all children of `parent`, keeping what the user had there: the focused control (with its caret,
 * selection and typed text), open <details>, and scroll positions — matched in the new children by id, else
 * data-key, else tag + aria-label + text (the n-th such element). Every view re-renders through here, so a
 * host update (a training step, a streamed token, a dataset count) never takes focus away.
 */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  const kept = parent.firstChild ? keepState(parent) : undefined;
  parent.replaceChildren();
  append(parent, ...children);
  if (kept) restoreState(parent, kept);
}

/** Where an element sits, in a form that finds its counterpart after a re-render. */
interface Place {
  tag: string;
  key: string;
  nth: number;
}

interface KeptFocus {
  at: Place;
  /** What the user typed, when they typed since the control was rendered (a host update does not undo it). */
  value?: string;
  selection?: [number, number, 'forward' | 'backward' | 'none'];
  scroll: [number, number];
}

interface KeptState {
  focus?: KeptFocus;
  open: Place[];
  scrolls: { at: Place; top: number; left: number }[];
  page?: [number, number];
}

/** Text controls typed in since their last `change` (input events reach the document retargeted to the host). */
const edited = new WeakSet<EventTarget>();
document.addEventListener('input', (event) => { if (event.target) edited.add(event.target); }, true);
document.addEventListener('change', (event) => { if (event.target) edited.delete(event.target); }, true);

function keyOf(node: Element): string {
  if (node.id) return `#${node.id}`;
  const key = node.getAttribute('data-key');
  if (key !== null) return `[${key}]`;
  return `${node.getAttribute('aria-label') ?? ''}|${(node.textContent ?? '').trim().slice(0, 80)}`;
}

function placeOf(parent: Element, node: Element): Place {
  const tag = node.localName;
  const key = keyOf(node);
  const nth = node.id ? 0 : [...parent.querySelectorAll(tag)].filter((e) => keyOf(e) === key).indexOf(node);
  return { tag, key, nth: Math.max(0, nth) };
}

function find(parent: Element, place: Place): HTMLElement | undefined {
  if (place.key.startsWith('#')) {
    const byId = parent.querySelector(`#${CSS.escape(place.key.slice(1))}`);
    return byId instanceof HTMLElement ? byId : undefined;
  }
  const matches = [...parent.querySelectorAll(place.tag)].filter((e) => keyOf(e) === place.key);
  const match = matches[Math.min(place.nth, matches.length - 1)];
  return match instanceof HTMLElement ? match : undefined;
}

/** The <input>/<textarea> that holds a control's text: itself, or inside a vscode-elements shadow root. */
function textControl(node: Element): HTMLInputElement | HTMLTextAreaElement | undefined {
  const inner = node instanceof HTMLInputElement || node instanceof HTMLTextAreaElement ? node : node.shadowRoot?.querySelector('input, textarea');
  return inner instanceof HTMLInputElement || inner instanceof HTMLTextAreaElement ? inner : undefined;
}

function keepState(parent: Element): KeptState {
  const state: KeptState = { open: [], scrolls: [] };
  const active = document.activeElement;
  if (active && active !== parent && parent.contains(active)) {
    const control = textControl(active);
    let selection: KeptFocus['selection'];
    try {
      // null for inputs without a caret API (type=number); reading it then is harmless.
      if (control && control.selectionStart !== null && control.selectionEnd !== null) selection = [control.selectionStart, control.selectionEnd, control.selectionDirection ?? 'none'];
    } catch { /* no selection API for this input type */ }
    const value = edited.has(active) ? (active as unknown as { value?: unknown }).value : undefined;
    state.focus = {
      at: placeOf(parent, active),
      value: typeof value === 'string' ? value : undefined,
      selection,
      scroll: control ? [control.scrollTop, control.scrollLeft] : [0, 0],
    };
  }
  for (const details of parent.querySelectorAll('details[open]')) state.open.push(placeOf(parent, details));
  for (const node of parent.querySelectorAll('*')) {
    if (node.scrollTop > 0 || node.scrollLeft > 0) state.scrolls.push({ at: placeOf(parent, node), top: node.scrollTop, left: node.scrollLeft });
  }
  const page = document.scrollingElement;
  if (page && (page.scrollTop > 0 || page.scrollLeft > 0)) state.page = [page.scrollTop, page.scrollLeft];
  return state;
}

function restoreState(parent: Element, state: KeptState): void {
  for (const place of state.open) {
    const details = find(parent, place);
    if (details instanceof HTMLDetailsElement) details.open = true;
  }
  for (const { at, top, left } of state.scrolls) {
    const node = find(parent, at);
    if (node) {
      node.scrollTop = top;
      node.scrollLeft = left;
    }
  }
  if (state.page && document.scrollingElement) {
    document.scrollingElement.scrollTop = state.page[0];
    document.scrollingElement.scrollLeft = state.page[1];
  }
  if (state.focus) restoreFocus(parent, state.focus);
}

function restoreFocus(parent: Element, kept: KeptFocus): void {
  const target = find(parent, kept.at);
  if (!target) return;
  if (kept.value !== undefined && 'value' in target) {
    (target as unknown as { value: string }).value = kept.value;
    edited.add(target);
  }
  target.focus({ preventScroll: true });
  // vscode-elements render their shadow <input> asynchronously: the caret goes back once it exists.
  const finish = () => {
    if (!target.isConnected) return;
    const active = document.activeElement;
    if (active !== target) {
      if (active && active !== document.body) return; // the user has moved on meanwhile
      target.focus({ preventScroll: true });
    }
    const control = textControl(target);
    if (!control) return;
    try {
      if (kept.selection) control.setSelectionRange(...kept.selection);
    } catch { /* no selection API for this input type */ }
    [control.scrollTop, control.scrollLeft] = kept.scroll;
  };
  const pending = (target as { updateComplete?: Promise<unknown> }).updateComplete;
  if (pending) void pending.then(finish);
  else finish();
}

/**
 * A `vscode-button` that runs `onClick`; `ariaLabel` names a button whose label is only a symbol (◀, ▶)
 * (test/extension/webviewA11y.test.ts checks every such button has one). A symbol in front of words
 * ("▶ Test") is hidden from screen readers, which would read it as "black right-pointing triangle".
 */
export function button(label: string, onClick: () => void, options: { secondary?: boolean; id?: string; disabled?: boolean; ariaLabel?: string } = {}): HTMLElement {
  const decorated = /^([^\p{L}\p{N}\s]+)\s+(.*[\p{L}\p{N}].*)$/u.exec(label);
  return el('vscode-button', {
    attrs: { secondary: options.secondary, id: options.id, disabled: options.disabled, 'aria-label': options.ariaLabel, title: options.ariaLabel },
    on: { click: () => onClick() },
  }, ...(decorated ? [el('span', { attrs: { 'aria-hidden': 'true' } }, decorated[1]), ` ${decorated[2]}`] : [label]));
}
