/**
 * The Playground's three ways through a prompt, left to right: the hard prompt alone, the hard prompt with a
 * soft prompt, and the hard prompt with that soft prompt's nearest-token projection in its place. Shared by
 * the worker's job and the webview protocol (no imports, so the webview bundle can take it).
 */
export const PLAYGROUND_COLUMNS = ['hard', 'soft', 'projected'] as const;
export type PlaygroundColumnId = (typeof PLAYGROUND_COLUMNS)[number];

// Their headings, translated, are in webview/views/playground.ts (columnTitle), the one place that shows them.

