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

/** Replaces all children of `parent`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** A `vscode-button` that runs `onClick`; `ariaLabel` names a button whose label is only a symbol (◀, ▶). */
export function button(label: string, onClick: () => void, options: { secondary?: boolean; id?: string; disabled?: boolean; ariaLabel?: string } = {}): HTMLElement {
  return el('vscode-button', {
    attrs: { secondary: options.secondary, id: options.id, disabled: options.disabled, 'aria-label': options.ariaLabel, title: options.ariaLabel },
    on: { click: () => onClick() },
  }, label);
}
