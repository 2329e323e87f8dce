/** The message of the UserError `f` throws; fails the test when it throws nothing or something else. */
import { strict as assert } from 'node:assert';
import { isUserError } from '../../src/engine/errors';

export function userErrorMessage(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(isUserError(e), String(e));
    return (e as Error).message;
  }
  assert.fail('expected a UserError');
}
