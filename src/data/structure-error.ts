/** A defect in a file's overall structure (header, array brackets, encoding) that no row skipping can get past. */
export class StructureError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'StructureError';
  }
}
