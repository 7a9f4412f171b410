import assert from 'node:assert/strict'

describe('toolchain', () => {
  it('runs compiled TypeScript tests under mocha', () => {
    assert.equal(typeof describe, 'function')
  })
})
