import assert from 'node:assert/strict'
import {mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {ConnectionRegistry} from '../../../src/connect/connection-registry.js'

describe('ConnectionRegistry (what draft status shows while connected)', () => {
  let dir: string
  const target = {release: 'app', namespace: 'dev', context: 'kind-x'}
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'draft-connections-'))))
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('knows the URLs of running sessions of a release, and forgets them when they end', async () => {
    const registry = new ConnectionRegistry(dir, () => true)
    assert.deepEqual(await registry.urls(target), [])
    const first = registry.record(target, ['http://localhost:3000'], 101)
    const second = registry.record(target, ['http://localhost:3001', 'http://localhost:9090'], 102)
    registry.record({...target, namespace: 'other'}, ['http://localhost:4000'], 103)
    assert.deepEqual(await registry.urls(target), ['http://localhost:3000', 'http://localhost:3001', 'http://localhost:9090'])
    first()
    second()
    assert.deepEqual(await registry.urls(target), [])
  })

  it('ignores and removes the file of a session whose process is gone', async () => {
    new ConnectionRegistry(dir, () => true).record(target, ['http://localhost:3000'], 4242)
    assert.deepEqual(await new ConnectionRegistry(dir, pid => pid !== 4242).urls(target), [])
    assert.deepEqual(readdirSync(dir), [])
  })
})
