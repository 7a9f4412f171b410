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

  /** A loop driven by the dashboard: records each run's services, which were rebuilt and what was trusted as deployed. */
  function driven(options: {watcher?: boolean; initialCycle?: boolean} = {}) {
    const watcher = options.watcher === false ? undefined : new FakeWatcher()
    const runs: {services: string[]; rebuild: string[]; previous: string[]}[] = []
    const events: ProjectLoopEvent[] = []
    const lines: string[] = []
    const rollbacks: string[] = []
    let release: (() => void) | undefined
    const stop = new AbortController()
    const instance = new ProjectLoop({
      ...(watcher ? {watcher} : {}),
      loadProject: () => loadProject(dir, {quiet: '20ms'}, {}),
      run: async (project, o: ProjectRunOptions) => {
        const names = o.services ?? project.services.map(s => s.name)
        runs.push({services: [...names], rebuild: [...(o.rebuild ?? [])].sort(), previous: [...(o.previous?.keys() ?? [])].sort()})
        for (const name of names) o.onBuildLine?.(name, `#1 building ${name}`)
        if (release === undefined && runs.length === 1) await new Promise<void>(resolve => (release = resolve))
        const rows = names.map((service): ServiceRow => ({service, release: service, state: 'deployed', built: true, revision: runs.length, timings: {}, totalMs: 1, result: {tag: `t${runs.length}`} as ServiceRow['result']}))
        return {rows, totalMs: 1}
      },
      rollback: async (config, o) => {
        rollbacks.push(`${config.release} ${o.revision ?? 'previous'}`)
        o.emit({type: 'stage-started', stage: 'rollback', at: 0, message: 'helm rollback'})
        return {changed: true, revision: 9, target: Number(o.revision ?? 1), totalMs: 3} as Awaited<ReturnType<NonNullable<ConstructorParameters<typeof ProjectLoop>[0]['rollback']>>>
      },
    })
    const done = instance.run({emit: e => events.push(e), signal: stop.signal, ...(options.initialCycle === false ? {initialCycle: false} : {}), onBuildLine: (cycle, service, line) => lines.push(`${cycle} ${service} ${line}`)})
    const finished = () => events.filter(e => e.type === 'cycle-finished').length
    const until = async (count: number): Promise<void> => {
      for (let i = 0; i < 400 && finished() < count; i++) await sleep(5)
      assert.equal(finished(), count, JSON.stringify(events.map(e => e.type)))
    }
    return {instance, watcher, runs, events, lines, rollbacks, until, finish: () => release?.(), stop: async () => (stop.abort(), await done)}
  }

  it('Rebuild now runs every service, or the one chosen, after the running cycle, without trusting its last deploy; build lines say whose they are', async () => {
    const l = driven()
    for (let i = 0; i < 100 && l.runs.length === 0; i++) await sleep(5)
    l.instance.rebuild('api')
    l.finish()
    await l.until(2)
    assert.deepEqual(l.runs[1], {services: ['api'], rebuild: ['api'], previous: ['redis', 'web', 'worker']})
    const started = l.events.filter(e => e.type === 'cycle-started').at(-1)
    assert.ok(started?.type === 'cycle-started' && started.rebuild)
    l.instance.rebuild()
    await l.until(3)
    assert.deepEqual(l.runs[2]!.rebuild, ['api', 'redis', 'web', 'worker'])
    assert.deepEqual(l.runs[2]!.previous, [])
    assert.ok(l.lines.includes('2 api #1 building api') && l.lines.includes('1 redis #1 building redis'), l.lines.join('\n'))
    assert.throws(() => l.instance.rebuild('nope'), /nope/)
    await l.stop()
  })

  it('Pause holds saves until Resume, which runs them as one cycle', async () => {
    const l = driven()
    l.finish()
    for (let i = 0; i < 100 && l.runs.length === 0; i++) await sleep(5)
    l.finish()
    await l.until(1)
    l.instance.pause()
    l.watcher!.emit('web/index.html')
    l.watcher!.emit('api/server.js')
    await sleep(80)
    assert.equal(l.runs.length, 1, 'no cycle while paused')
    l.instance.resume()
    await l.until(2)
    assert.deepEqual(l.runs[1]!.services.sort(), ['api', 'web'])
    assert.deepEqual(l.events.filter(e => e.type === 'paused' || e.type === 'resumed').map(e => [e.type, 'pending' in e ? e.pending : -1]), [['paused', 0], ['resumed', 2]])
    await l.stop()
  })

  it('a rollback of one service waits for the running cycle, and that service deploys its folder again next time', async () => {
    const l = driven()
    for (let i = 0; i < 100 && l.runs.length === 0; i++) await sleep(5)
    const rolled = l.instance.rollback('worker', 1)
    await sleep(20)
    assert.deepEqual(l.rollbacks, [], 'not during the cycle')
    l.finish()
    await rolled
    assert.deepEqual(l.rollbacks, ['worker 1'])
    assert.deepEqual(l.events.filter(e => e.type.startsWith('rollback')).map(e => [e.type, 'service' in e ? e.service : '']), [['rollback-started', 'worker'], ['rollback-stage', 'worker'], ['rollback-finished', 'worker']])
    l.instance.rebuild('api')
    await l.until(2)
    assert.deepEqual(l.runs[1]!.previous, ['redis', 'web'], 'worker\'s last deploy is forgotten')
    await assert.rejects(l.instance.rollback('nope'), /nope/)
    await l.stop()
  })

  it('without a watcher (draft dashboard at a root) runs no cycle until asked', async () => {
    const l = driven({watcher: false, initialCycle: false})
    await sleep(40)
    assert.equal(l.runs.length, 0)
    assert.ok(!l.events.some(e => e.type === 'watching'))
    l.finish()
    l.instance.rebuild()
    for (let i = 0; i < 100 && l.runs.length === 0; i++) await sleep(5)
    l.finish()
    await l.until(1)
    assert.deepEqual(l.runs[0]!.services, ['web', 'api', 'worker', 'redis'])
    await l.stop()
  })
})
