/**
 * Errors a user can act on. The CLI prints `message` alone (no stack trace); the extension shows it in a
 * notification. Anything that is not a UserError is a bug and keeps its stack.
 */
export class UserError extends Error {
  constructor(message: string, readonly file?: string) {
    super(message);
    this.name = 'UserError';
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof Error && e.name === 'UserError';
}
