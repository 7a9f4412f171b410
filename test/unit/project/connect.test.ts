import assert from 'node:assert/strict'

import type {ConnectEvent} from '../../../src/core/events.js'
import {type ServiceConnectEvent, forService} from '../../../src/project/connect.js'

describe('connect and logs at a project root', () => {
  it('marks every event with its service, and starts each log label with it', () => {
    const seen: ServiceConnectEvent[] = []
    const emit = forService('api', e => seen.push(e))
    const line: ConnectEvent = {type: 'log-line', at: 1, pod: 'api-6857f8c9bd-gcl5c', container: 'api', prefix: 'gcl5c', time: '', line: 'listening'}
    emit(line)
    emit({type: 'forward-listening', at: 2, local: 3000, remote: 3000, url: 'http://localhost:3000', choice: 'same-port'})
    assert.deepEqual(seen[0], {...line, service: 'api', prefix: 'api gcl5c'})
    assert.equal(seen[1]!.service, 'api')
    assert.equal((seen[1] as {url: string}).url, 'http://localhost:3000')
  })
})
