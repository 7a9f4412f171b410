import assert from 'node:assert/strict'

import type {UpEvent} from '../../../src/core/events.js'
import {type DashboardInput, type PageState, initialState, reduce} from '../../../src/dashboard/state.js'
import type {ProjectEvent, ServiceRow} from '../../../src/project/project-up.js'

const SERVICES = ['web', 'api', 'worker', 'redis']
const start = (): PageState =>
  initialState({mode: 'watch', app: {name: 'shop', root: '/apps/shop', env: 'development', context: 'kind'}, startedAt: 0, watching: true, services: SERVICES.map(name => ({name, release: name, namespace: 'dev'}))})
const run = (events: DashboardInput[], state = start()): PageState => events.reduce(reduce, state)
const svc = (cycle: number, event: ProjectEvent): DashboardInput => ({type: 'service', at: 0, cycle, event})
const st = (service: string, event: UpEvent): ProjectEvent => ({...event, service})
const row = (service: string, over: Partial<ServiceRow> = {}): ServiceRow => ({service, release: service, state: 'deployed', built: true, tag: `t-${service}`, revision: 2, timings: {}, totalMs: 10, ...over})
const byName = (s: PageState, name: string) => s.services.find(x => x.name === name)!

describe('dashboard state of a project (several services)', () => {
  it('a cycle of two services: only they start, each has its own stages, rows end each one, the others keep their state', () => {
    const s = run([
      {type: 'cycle-started', at: 100, cycle: 1, services: {api: 'build', worker: 'build'}, changes: ['shared/greeting.js']},
      svc(1, st('api', {type: 'stage-started', stage: 'build', at: 1, message: 'building api'})),
      svc(1, st('worker', {type: 'stage-started', stage: 'build', at: 2, message: 'building worker'})),
    ])
    assert.deepEqual(s.services.map(x => [x.name, x.state]), [['web', 'idle'], ['api', 'building'], ['worker', 'building'], ['redis', 'idle']])
    assert.deepEqual(s.cycles[0]!.services, {api: 'build', worker: 'build'})
    const done = run(
      [
        svc(1, st('api', {type: 'stage-finished', stage: 'build', at: 900, ms: 899, message: 'built'})),
        svc(1, st('worker', {type: 'stage-finished', stage: 'build', at: 700, ms: 698, message: 'built'})),
        svc(1, st('api', {type: 'stage-started', stage: 'push', at: 901, message: 'pushing'})),
        svc(1, {type: 'service-waiting', service: 'worker', at: 701, dependencies: ['redis']}),
      ],
      s,
    )
    assert.equal(byName(done, 'api').state, 'pushing')
    assert.equal(byName(done, 'worker').detail, 'waiting for redis to be ready')
    assert.deepEqual(done.cycles[0]!.stages.api!.map(b => [b.stage, b.state]), [['build', 'done'], ['push', 'running']])
    assert.deepEqual(done.cycles[0]!.stages.worker!.map(b => [b.stage, b.ms]), [['build', 698]])
    const ended = run(
      [
        svc(1, {type: 'service-done', service: 'api', at: 2000, row: row('api', {revision: 3})}),
        svc(1, {type: 'service-done', service: 'worker', at: 2100, row: row('worker', {state: 'unchanged', built: false})}),
        {type: 'cycle-finished', at: 2200, cycle: 1, rows: [row('api', {revision: 3}), row('worker', {state: 'unchanged', built: false})], ms: 2100},
      ],
      done,
    )
    const c = ended.cycles[0]!
    assert.equal(c.result, 'deployed')
    assert.equal(c.revision, undefined, 'a project cycle has no one revision')
    assert.deepEqual(c.results, {api: {state: 'deployed', revision: 3, tag: 't-api'}, worker: {state: 'unchanged', revision: 2, tag: 't-worker'}})
    assert.deepEqual(ended.services.map(x => [x.name, x.state, x.tag ?? null, x.revision ?? null]), [['web', 'idle', null, null], ['api', 'running', 't-api', 3], ['worker', 'running', 't-worker', 2], ['redis', 'idle', null, null]])
    assert.deepEqual(ended.series.map(p => [p.cycle, p.result, p.ms]), [[1, 'deployed', 2100]])
  })

  it('one service failing: the cycle failed with its error and its build lines marked; a blocked dependent failed too; the others ran', () => {
    const error = {code: 'BUILD_FAILED', message: 'the build of api failed at RUN exit 3', fix: 'fix it', step: 'RUN exit 3'}
    const s = run([
      {type: 'cycle-started', at: 0, cycle: 4, services: {web: 'build', api: 'build', worker: 'deploy'}, changes: []},
      {type: 'build-line', at: 1, cycle: 4, service: 'web', line: 'RUN exit 3: not this one (web)'},
      {type: 'build-line', at: 2, cycle: 4, service: 'api', line: 'RUN npm ci: ok'},
      {type: 'build-line', at: 3, cycle: 4, service: 'api', line: 'RUN exit 3: failing'},
      {type: 'cycle-finished', at: 50, cycle: 4, ms: 50, rows: [row('api', {state: 'failed', built: false, error}), row('web', {state: 'blocked', built: false, error: {code: 'DEPENDENCY_FAILED', message: 'web waits for api, which failed', fix: 'fix api'}}), row('worker', {state: 'deployed'})]},
    ])
    assert.equal(s.services.find(x => x.name === 'worker')!.state, 'running', 'a redeploy-only service ran')
    const c = s.cycles[0]!
    assert.equal(c.result, 'failed')
    assert.equal(c.error?.code, 'BUILD_FAILED', 'the cause, not the blocked dependent')
    assert.equal(c.build.failedStep, 'RUN exit 3')
    assert.deepEqual(c.build.failedLines, [c.build.lines[2]!.seq], 'only api\'s own line of that step')
    assert.deepEqual(c.build.lines.map(l => l.service), ['web', 'api', 'api'])
    assert.deepEqual(s.services.map(x => [x.name, x.state, x.error?.code ?? null]), [['web', 'failed', 'DEPENDENCY_FAILED'], ['api', 'failed', 'BUILD_FAILED'], ['worker', 'running', null], ['redis', 'idle', null]])
  })

  it('a service\'s build cancelled by a newer change goes back to what it was; a cycle of only cancelled builds is cancelled', () => {
    const s = run([
      {type: 'cycle-started', at: 0, cycle: 1, services: {web: 'build'}, changes: ['web/index.html']},
      {type: 'build-cancelled', at: 5, cycle: 1, service: 'web', path: 'web/index.html'},
    ])
    assert.match(byName(s, 'web').detail ?? '', /build cancelled: web\/index.html changed/)
    const e = run([{type: 'cycle-finished', at: 9, cycle: 1, ms: 9, rows: [row('web', {state: 'cancelled', built: false})]}], s)
    assert.equal(e.cycles[0]!.result, 'cancelled')
    assert.equal(byName(e, 'web').state, 'idle')
  })

  it('a cycle that fails as a whole fails its services only; a rollback, a log line and a forward are each one service\'s', () => {
    let s = run([
      {type: 'cycle-started', at: 0, cycle: 1, services: {api: 'build'}, changes: []},
      {type: 'cycle-failed', at: 5, cycle: 1, error: {code: 'CONFIG_INVALID', message: 'draft.toml', fix: 'fix it'}},
    ])
    assert.deepEqual(s.services.map(x => x.state), ['idle', 'failed', 'idle', 'idle'])
    s = run(
      [
        {type: 'rollback-started', at: 10, service: 'worker', revision: 1},
        {type: 'rollback-stage', at: 11, service: 'worker', event: {type: 'stage-started', stage: 'rollback', at: 0, message: 'helm rollback'}},
      ],
      s,
    )
    assert.deepEqual(s.services.map(x => x.state), ['idle', 'failed', 'deploying', 'idle'])
    assert.equal(s.rollbacks[0]!.service, 'worker')
    s = run([{type: 'rollback-finished', at: 20, service: 'worker', result: {changed: true, revision: 4, target: 1, tag: 't1', totalMs: 9}}], s)
    assert.deepEqual([byName(s, 'worker').state, byName(s, 'worker').revision, byName(s, 'worker').tag], ['running', 4, 't1'])
    assert.equal(byName(s, 'api').state, 'failed', 'the other services are untouched')
    s = run(
      [
        {type: 'rollback-started', at: 30, service: 'api'},
        {type: 'rollback-failed', at: 31, service: 'api', error: {code: 'NOTHING_DEPLOYED', message: 'no release api', fix: 'deploy it'}},
        {type: 'log-line', at: 40, service: 'redis', pod: 'redis-1', container: 'redis', prefix: 'redis redis-1', time: '', line: 'ready to accept connections'},
        {type: 'log-line', at: 41, service: 'api', pod: 'api-1', container: 'app', prefix: 'api api-1', time: '', line: 'listening'},
        {type: 'forward-listening', at: 42, service: 'api', local: 3000, remote: 3000, url: 'http://127.0.0.1:3000', choice: 'same-port'},
      ],
      s,
    )
    assert.match(s.notices.at(-1)!.message, /rollback of api failed/)
    assert.deepEqual(s.logs.map(l => [l.service, l.text]), [['redis', 'ready to accept connections'], ['api', 'listening']])
    assert.deepEqual(s.services.map(x => x.urls.length), [0, 1, 0, 0])
  })

  it('a Rebuild now of one service starts only it, in a cycle marked as asked for', () => {
    const s = run([{type: 'cycle-started', at: 0, cycle: 2, services: {redis: 'build'}, changes: [], rebuild: true}])
    assert.equal(s.cycles[0]!.rebuild, true)
    assert.deepEqual(s.services.map(x => x.state), ['idle', 'idle', 'idle', 'building'])
  })
})
