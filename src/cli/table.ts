/** Plain-text tables for the terminal: columns padded to their widest cell. */
export type Align = 'left' | 'right';

export function textTable(header: string[], rows: string[][], align: Align[] = []): string[] {
  const widths = header.map((h, c) => Math.max(width(h), ...rows.map((r) => width(r[c] ?? ''))));
  const render = (cells: string[]) =>
    cells
      .map((cell, c) => (align[c] === 'right' ? pad(cell, widths[c], true) : pad(cell, widths[c], false)))
      .join('  ')
      .trimEnd();
  return [render(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(render)];
}

function width(text: string): number {
  return [...text].length;
}

function pad(text: string, to: number, left: boolean): string {
  const fill = ' '.repeat(Math.max(0, to - width(text)));
  return left ? fill + text : text + fill;
}

/**
 * `textTable` within `maxWidth` characters where it can be: the columns marked `secondary` are left out, last first,
 * until the table fits (the rest may still be wider). Returns the lines and the headers left out.
 */
export function fittedTextTable(header: string[], rows: string[][], align: Align[], secondary: boolean[], maxWidth: number | undefined): { lines: string[]; omitted: string[] } {
  let keep = header.map((_, c) => c);
  const render = () => textTable(keep.map((c) => header[c]), rows.map((r) => keep.map((c) => r[c] ?? '')), keep.map((c) => align[c]));
  let lines = render();
  for (let c = header.length - 1; maxWidth !== undefined && c >= 0 && Math.max(...lines.map(width)) > maxWidth; c--) {
    if (!secondary[c]) continue;
    keep = keep.filter((k) => k !== c);
    lines = render();
  }
  return { lines, omitted: header.filter((_, c) => !keep.includes(c)) };
}
