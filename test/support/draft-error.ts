import assert from 'node:assert/strict'

import {DraftError} from '../../src/core/errors.js'

/** The DraftError a promise rejects with; any other outcome fails the test. */
export async function failure(promise: Promise<unknown>): Promise<DraftError> {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof DraftError, String(error))
    return error
  }
  assert.fail('expected a DraftError')
}
