/** The webview's side of the channel to the extension host: typed posts and guarded receives. */
import { isHostMessage, type HostMessage, type WebviewMessage } from '../../src/extension/views/protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();

export function post(message: WebviewMessage): void {
  api.postMessage(message);
}

export function onHostMessage(handler: (message: HostMessage) => void): void {
  window.addEventListener('message', (event: MessageEvent) => {
    if (isHostMessage(event.data)) handler(event.data);
  });
}

/** Small per-webview UI state (e.g. the selected tab) that VS Code keeps across hide/show and reloads. */
export function loadUiState<T extends object>(fallback: T): T {
  const saved = api.getState();
  return typeof saved === 'object' && saved !== null ? { ...fallback, ...(saved as Partial<T>) } : fallback;
}

export function saveUiState(state: object): void {
  api.setState(state);
}
