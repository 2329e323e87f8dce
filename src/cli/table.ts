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
