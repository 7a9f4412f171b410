import assert from 'node:assert/strict'

import {DraftError} from '../../../src/core/errors.js'

/** Fails if the secret shows anywhere a user, a log or a JSON event could see it. */
export function assertNoSecret(error: unknown, ...secrets: string[]): void {
  assert.ok(error instanceof DraftError, `expected a DraftError, got ${String(error)}`)
  const visible = [error.message, error.fix, error.stack ?? '', JSON.stringify(error), JSON.stringify(error.context), String(error.cause ?? '')]
  for (const secret of secrets) {
    for (const text of visible) {
      assert.ok(!text.includes(secret), `a secret leaked into: ${text.slice(0, 200)}`)
      assert.ok(!text.includes(Buffer.from(secret).toString('base64')), 'a base64 secret leaked')
    }
  }
}

/** Runs fn, expects a DraftError with that code, and returns it. */
export async function rejectsWith(fn: () => Promise<unknown>, code: string): Promise<DraftError> {
  try {
    await fn()
  } catch (error) {
    assert.ok(error instanceof DraftError, `expected DraftError ${code}, got ${String(error)}`)
    assert.equal(error.code, code, error.message)
    return error
  }
  assert.fail(`expected DraftError ${code}, but nothing was thrown`)
}
