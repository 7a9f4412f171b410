import assert from 'node:assert/strict'
import {rmSync} from 'node:fs'
import {dirname} from 'node:path'

import {loadProject} from '../../../src/config/project-toml.js'
import {DraftError} from '../../../src/core/errors.js'
import {ProjectLoop, type ProjectLoopEvent} from '../../../src/loop/project-loop.js'
import type {ProjectRunOptions, ServiceRow} from '../../../src/project/project-up.js'
import {FakeWatcher} from '../../../src/watch/fake-watcher.js'
import {createdShop} from '../../support/project.js'

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

describe('up --watch at a project root', function () {
  this.timeout(30_000)
  let dir: string
  before(async () => {
    dir = (await createdShop()).dir
  })
  after(() => rmSync(dirname(dir), {recursive: true, force: true}))

  /** A loop over the shop whose runs are recorded; `hold` keeps a service's build going until released. */
  function loop() {
    const watcher = new FakeWatcher()
    const runs: string[][] = []
    const events: ProjectLoopEvent[] = []
    const held = new Map<string, () => void>()
    const hold = new Set<string>()
    const stop = new AbortController()
    const instance = new ProjectLoop({
      watcher,
      loadProject: () => loadProject(dir, {quiet: '30ms'}, {}),
      run: async (project, options: ProjectRunOptions) => {
        const names = options.services ?? project.services.map(s => s.name)
        runs.push([...names])
        const rows = await Promise.all(
          names.map(async (service): Promise<ServiceRow> => {
            const signal = options.buildSignals?.get(service)
            options.emit({type: 'stage-started', stage: 'build', at: 0, message: 'building', service})
            if (hold.has(service)) {
              hold.delete(service)
              await new Promise<void>(resolve => {
                held.set(service, resolve)
                signal?.addEventListener('abort', () => resolve(), {once: true})
              })
            }
            if (signal?.aborted) return {service, release: service, state: 'cancelled', built: false, timings: {}, totalMs: 1, error: {code: 'ABORTED', message: 'stopped', fix: ''}}
            return {service, release: service, state: 'deployed', built: true, revision: runs.length, timings: {}, totalMs: 1}
          }),
        )
        return {rows, totalMs: 1}
      },
    })
    const done = instance.run({emit: e => events.push(e), signal: stop.signal})
    const cycles = () => events.filter((e): e is Extract<ProjectLoopEvent, {type: 'cycle-finished'}> => e.type === 'cycle-finished')
    const until = async (count: number): Promise<void> => {
      for (let i = 0; i < 400 && cycles().length < count; i++) await sleep(5)
      assert.equal(cycles().length, count, JSON.stringify(events.map(e => e.type)))
    }
    return {watcher, runs, events, held, hold, until, cycles, stop: async () => (stop.abort(), await done)}
  }

  it('deploys everything, then only the services a change concerns: the shared folder\'s two users, or the web app alone', async () => {
    const l = loop()
    await l.until(1)
    assert.deepEqual(l.runs[0], ['web', 'api', 'worker', 'redis'])
    l.watcher.emit('shared/greeting.js')
    await l.until(2)
    assert.deepEqual(l.runs[1], ['api', 'worker'])
    l.watcher.emit('web/index.html')
    await l.until(3)
    assert.deepEqual(l.runs[2], ['web'])
    assert.equal(l.watcher.emit('node_modules/x.js'), false, 'not even watched')
    l.watcher.emit('compose.yaml')
    await sleep(80)
    assert.equal(l.runs.length, 3, 'a change no service needs starts no cycle')
    await l.stop()
  })

  it('makes one cycle of a burst across services', async () => {
    const l = loop()
    await l.until(1)
    l.watcher.emit('api/server.js')
    await sleep(5)
    l.watcher.emit('web/index.html')
    l.watcher.emit('charts/redis/values.yaml')
    await l.until(2)
    assert.deepEqual(l.runs[1], ['api', 'web', 'redis'])
    const started = l.events.filter(e => e.type === 'cycle-started').at(-1)
    assert.deepEqual(started?.type === 'cycle-started' && started.services, {api: 'build', web: 'build', redis: 'deploy'})
    await l.stop()
  })

  it('stops only the build a change makes stale; the service goes again next cycle, the others finish', async () => {
    const l = loop()
    await l.until(1)
    l.hold.add('api')
    l.hold.add('worker')
    l.watcher.emit('shared/greeting.js')
    for (let i = 0; i < 100 && l.held.size < 2; i++) await sleep(5)
    l.watcher.emit('api/server.js')
    assert.ok(l.events.some(e => e.type === 'build-cancelled' && e.service === 'api'))
    assert.ok(!l.events.some(e => e.type === 'build-cancelled' && e.service === 'worker'))
    l.held.get('worker')!()
    await l.until(2)
    assert.deepEqual(l.cycles()[1]!.rows.map(r => [r.service, r.state]), [['api', 'cancelled'], ['worker', 'deployed']])
    await l.until(3)
    assert.deepEqual(l.runs[2], ['api'])
    await l.stop()
  })

  it('keeps going after a failed cycle', async () => {
    let fail = true
    const watcher = new FakeWatcher()
    const events: ProjectLoopEvent[] = []
    const stop = new AbortController()
    const done = new ProjectLoop({
      watcher,
      loadProject: () => loadProject(dir, {quiet: '20ms'}, {}),
      run: async () => {
        if (fail) {
          fail = false
          throw new DraftError('KUBE_UNREACHABLE', {context: 'x', server: 'https://127.0.0.1:1', reason: 'refused'})
        }
        return {rows: [], totalMs: 1}
      },
    }).run({emit: e => events.push(e), signal: stop.signal})
    for (let i = 0; i < 100 && !events.some(e => e.type === 'cycle-failed'); i++) await sleep(5)
    watcher.emit('web/index.html')
    for (let i = 0; i < 100 && !events.some(e => e.type === 'cycle-finished'); i++) await sleep(5)
    assert.ok(events.some(e => e.type === 'cycle-finished'))
    stop.abort()
    await done
    assert.equal(events.at(-1)?.type, 'stopped')
  })
})
