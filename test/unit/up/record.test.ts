import assert from 'node:assert/strict'

import {formatRecord, parseRecord, rollbackSource} from '../../../src/up/record.js'

describe('the deploy record on a helm revision', () => {
  const fingerprint = 'draft 0123456789abcdef01234567'

  it('round-trips fingerprint, tag, repository and commit', () => {
    const record = {fingerprint, tag: 'draft-0123456789abcdef', repository: '127.0.0.1:45000/app', commit: `${'a'.repeat(40)}+dirty`}
    const text = formatRecord(record)
    assert.equal(text, `${fingerprint} tag=draft-0123456789abcdef repo=127.0.0.1:45000/app commit=${'a'.repeat(40)}+dirty`)
    assert.deepEqual(parseRecord(text), record)
  })

  it('reads the fingerprint-only descriptions of earlier drafts, and skips keys it does not know', () => {
    assert.deepEqual(parseRecord(fingerprint), {fingerprint})
    assert.deepEqual(parseRecord(`${fingerprint} tag=t future=1`), {fingerprint, tag: 't'})
  })

  it('is not a record when draft did not write it', () => {
    for (const text of ['Install complete', 'Upgrade complete', 'Rollback to 2', 'draft notahash', `${fingerprint} some words`, '']) assert.equal(parseRecord(text), undefined, text)
  })

  it('reads which revision a helm rollback copied', () => {
    assert.equal(rollbackSource('Rollback to 12'), 12)
    assert.equal(rollbackSource('Upgrade complete'), undefined)
  })
})
