import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {readBuildLog, readLogs} from '../../../src/connect/read-logs.js'
import {DraftError} from '../../../src/core/errors.js'
import type {ConnectEvent} from '../../../src/core/events.js'
import {FakeKube} from '../../../src/kube/fake-kube.js'
import {FakePodStreams} from '../../../src/pod-streams/fake-pod-streams.js'
import {deployment, pod} from './helpers.js'

const A = 'app-aaa111-aaaaa'
const B = 'app-aaa111-bbbbb'

describe('draft logs (fake cluster)', () => {
  let kube: FakeKube
  let streams: FakePodStreams
  let events: ConnectEvent[]
  const target = {release: 'app', namespace: 'dev'}
  const read = (request: Partial<Parameters<typeof readLogs>[1]> = {}) => readLogs(target, {previous: false, ...request}, {kube, streams}, e => events.push(e))
  const lines = (): string[] => events.filter(e => e.type === 'log-line').map(e => (e.type === 'log-line' ? `${e.prefix} ${e.line}` : ''))
  const code = async (promise: Promise<unknown>): Promise<string> => {
    try {
      await promise
    } catch (error) {
      assert.ok(error instanceof DraftError, String(error))
      return error.code
    }
    assert.fail('expected a DraftError')
  }

  beforeEach(() => {
    kube = new FakeKube()
    streams = new FakePodStreams()
    events = []
    kube.deploymentList = [deployment()]
    kube.setPods([pod(A), pod(B, {created: '2025-01-01T00:01:00Z'})])
  })

  it('prints every pod\'s lines in time order, labelled', async () => {
    streams.write(A, 'app', 'a1', '2025-01-01T00:00:01Z')
    streams.write(B, 'app', 'b1', '2025-01-01T00:00:02Z')
    streams.write(A, 'app', 'a2', '2025-01-01T00:00:03Z')
    const result = await read()
    assert.deepEqual(lines(), ['aaaaa a1', 'bbbbb b1', 'aaaaa a2'])
    assert.deepEqual(result, {containers: 2, lines: 3})
  })

  it('passes --tail and --since on per container', async () => {
    for (let i = 1; i <= 5; i++) streams.write(A, 'app', `a${i}`)
    await read({tail: 2})
    assert.deepEqual(lines(), ['aaaaa a4', 'aaaaa a5'])
    assert.ok(streams.opened.every(o => o.kind === 'logs'))
  })

  it('shows the crashed instance with --previous, and says so when nothing restarted', async () => {
    assert.equal(await code(read({previous: true})), 'NO_PREVIOUS_LOGS')
    streams.write(A, 'app', 'boom: cannot connect to the database')
    streams.restart(A, 'app')
    streams.write(A, 'app', 'starting again')
    kube.setPods([pod(A, {restarts: 1}), pod(B)])
    await read({previous: true})
    assert.deepEqual(lines(), ['aaaaa boom: cannot connect to the database'])
  })

  it('names the containers when --container matches none, and says which have not started', async () => {
    assert.equal(await code(read({container: 'sidecar'})), 'CONTAINER_NOT_FOUND')
    kube.setPods([pod(A, {id: '', waiting: 'ContainerCreating'})])
    await read()
    const note = events.find(e => e.type === 'log-note')
    assert.match(note?.type === 'log-note' ? note.message : '', /has not started yet \(ContainerCreating\)/)
  })

  it('says nothing is deployed, and that reading logs is forbidden', async () => {
    kube.deploymentList = []
    kube.setPods([])
    assert.equal(await code(read()), 'NOTHING_DEPLOYED')
    kube.deploymentList = [deployment()]
    kube.setPods([pod(A)])
    streams.forbidden = true
    assert.equal(await code(read()), 'STREAM_FORBIDDEN')
  })

  it('reads the last build log, or says there is none yet', () => {
    const dir = mkdtempSync(join(tmpdir(), 'draft-logs-'))
    try {
      assert.throws(() => readBuildLog(dir), (e: DraftError) => e.code === 'NO_BUILD_LOG' && /draft up/.test(e.fix))
      mkdirSync(join(dir, '.draft', 'logs'), {recursive: true})
      writeFileSync(join(dir, '.draft', 'logs', 'build.log'), '#1 [internal] load build definition\n')
      assert.equal(readBuildLog(dir).text, '#1 [internal] load build definition\n')
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
