import assert from 'node:assert/strict'

import type {UpEvent} from '../../../src/core/events.js'
import {type DashboardInput, LIMITS, type PageState, failingLines, initialState, reduce} from '../../../src/dashboard/state.js'
import type {UpResult} from '../../../src/up/up-engine.js'

const start = (): PageState =>
  initialState({mode: 'watch', app: {name: 'api', root: '/apps/api', env: 'development', context: 'kind'}, startedAt: 1_700_000_000_000, watching: true, services: [{name: 'api', release: 'api', namespace: 'dev'}]})

const run = (events: DashboardInput[], state = start()): PageState => events.reduce(reduce, state)
const stage = (cycle: number, event: UpEvent): DashboardInput => ({type: 'stage', at: event.at, cycle, event})
const result = (over: Partial<UpResult> = {}): UpResult =>
  ({release: 'api', namespace: 'dev', kubeContext: '', revision: 3, image: 'reg/api:t1', tag: 't1', context: {files: 1, bytes: 1}, delivery: 'registry', cluster: 'other', built: true, pushed: true, upToDate: false, fingerprint: 'f', timings: {}, totalMs: 10, ...over}) as UpResult

/** A cycle that builds, pushes, deploys and rolls out. */
const goodCycle = (cycle: number, at: number, changes: string[] = ['src/a.js']): DashboardInput[] => [
  {type: 'cycle-started', at, cycle, route: 'build', changes},
  stage(cycle, {type: 'stage-started', stage: 'build', at: 5, message: 'building'}),
  stage(cycle, {type: 'stage-finished', stage: 'build', at: 905, ms: 900, message: 'built'}),
  stage(cycle, {type: 'stage-started', stage: 'push', at: 905, message: 'pushing'}),
  stage(cycle, {type: 'stage-finished', stage: 'push', at: 1005, ms: 100, message: 'pushed'}),
  stage(cycle, {type: 'stage-skipped', stage: 'load', at: 1005, message: 'n/a'}),
  stage(cycle, {type: 'stage-started', stage: 'rollout', at: 1100, message: 'waiting'}),
  stage(cycle, {type: 'stage-finished', stage: 'rollout', at: 2100, ms: 1000, message: 'available', phases: {scheduling: 100, pull: 0, start: 400, readiness: 500, handover: 0}}),
  {type: 'cycle-finished', at: at + 2200, cycle, result: result({revision: cycle + 1, tag: `t${cycle}`})},
]

describe('dashboard state', () => {
  it('a good cycle: a row with each stage timed (rollout phases kept), the service running with the new tag, a point of the chart', () => {
    const s = run(goodCycle(1, 100))
    const c = s.cycles[0]!
    assert.equal(c.result, 'deployed')
    assert.equal(c.totalMs, 2200)
    assert.deepEqual(c.changes, ['src/a.js'])
    assert.deepEqual(c.stages.api!.map(b => [b.stage, b.state, b.ms]), [['build', 'done', 900], ['push', 'done', 100], ['load', 'skipped', 0], ['rollout', 'done', 1000]])
    assert.equal(c.stages.api![3]!.phases?.readiness, 500)
    const service = s.services[0]!
    assert.equal(service.state, 'running')
    assert.equal(service.tag, 't1')
    assert.equal(service.revision, 2)
    assert.deepEqual(s.series, [{cycle: 1, at: 100, ms: 2200, result: 'deployed'}])
  })

  it('the service state follows the stage: building, pushing, deploying', () => {
    let s = run([{type: 'cycle-started', at: 0, cycle: 1, route: 'build', changes: []}])
    assert.equal(s.services[0]!.state, 'building')
    s = run([stage(1, {type: 'stage-started', stage: 'push', at: 1, message: 'p'})], s)
    assert.equal(s.services[0]!.state, 'pushing')
    s = run([stage(1, {type: 'stage-started', stage: 'deploy', at: 2, message: 'helm'}), stage(1, {type: 'stage-progress', stage: 'deploy', at: 3, message: 'created namespace'})], s)
    assert.equal(s.services[0]!.state, 'deploying')
    assert.equal(s.services[0]!.detail, 'created namespace')
    assert.equal(run([{type: 'cycle-started', at: 0, cycle: 1, route: 'deploy', changes: ['draft.toml']}]).services[0]!.state, 'deploying')
  })

  it('a failed build: the cycle says why, and the lines of the failing step are marked', () => {
    const lines = ['DONE [1/3] FROM node', '[2/3] RUN npm ci: added 3 packages', '[3/3] RUN exit 3: about to fail', 'ERROR process did not complete']
    const s = run([
      {type: 'cycle-started', at: 0, cycle: 1, route: 'build', changes: ['Dockerfile']},
      stage(1, {type: 'stage-started', stage: 'build', at: 1, message: 'building'}),
      ...lines.map((line, i): DashboardInput => ({type: 'build-line', at: 10 + i, cycle: 1, line})),
      stage(1, {type: 'stage-failed', stage: 'build', at: 500, ms: 499, error: {code: 'BUILD_FAILED', message: 'the image build failed at [3/3] RUN exit 3', fix: 'fix it', step: '[3/3] RUN exit 3'}}),
      {type: 'cycle-failed', at: 600, cycle: 1, error: {code: 'BUILD_FAILED', message: 'the image build failed at [3/3] RUN exit 3', fix: 'fix it', step: '[3/3] RUN exit 3'}},
    ])
    const c = s.cycles[0]!
    assert.equal(c.result, 'failed')
    assert.equal(c.build.failedStep, '[3/3] RUN exit 3')
    assert.deepEqual(c.build.failedLines, [c.build.lines[2]!.seq, c.build.lines[3]!.seq])
    assert.equal(c.stages.api![0]!.state, 'failed')
    assert.equal(s.services[0]!.state, 'failed')
    assert.equal(s.services[0]!.error?.code, 'BUILD_FAILED')
    // The next good cycle clears the failure.
    assert.equal(run(goodCycle(2, 1000), s).services[0]!.state, 'running')
    assert.equal(run(goodCycle(2, 1000), s).services[0]!.error, undefined)
  })

  it('finds the failing step of the classic builder too', () => {
    assert.deepEqual(failingLines(['Step 1/2 : FROM x', ' ---> abc', 'Step 2/2 : RUN exit 3', ' ---> Running in 1', 'ERROR exit 3'], 'RUN exit 3'), [2, 3, 4])
  })

  it('a cancelled cycle says why and leaves the service as it was', () => {
    let s = run(goodCycle(1, 0))
    s = run([{type: 'cycle-started', at: 3000, cycle: 2, route: 'build', changes: ['a']}, stage(2, {type: 'stage-started', stage: 'build', at: 1, message: 'b'}), {type: 'cycle-cancelled', at: 3500, cycle: 2, reason: 'a newer change arrived during the build'}], s)
    assert.equal(s.cycles[1]!.result, 'cancelled')
    assert.equal(s.cycles[1]!.reason, 'a newer change arrived during the build')
    assert.equal(s.cycles[1]!.stages.api![0]!.state, 'failed', 'the stopped build shows as stopped')
    assert.equal(s.services[0]!.state, 'running')
  })

  it('a rebuild asked for by hand is marked as such', () => {
    const s = run([{type: 'cycle-started', at: 0, cycle: 1, route: 'build', changes: [], rebuild: true}])
    assert.equal(s.cycles[0]!.rebuild, true)
  })

  it('caps cycles (the chart keeps more), build logs of old cycles, and runtime lines, and counts what it left out', () => {
    let s = start()
    const cycles = LIMITS.cycles + 5
    for (let i = 1; i <= cycles; i++) {
      s = run([{type: 'cycle-started', at: i * 10, cycle: i, route: 'build', changes: []}, {type: 'build-line', at: i * 10, cycle: i, line: `step of ${i}`}, {type: 'cycle-finished', at: i * 10 + 5, cycle: i, result: result()}], s)
    }
    assert.equal(s.cycles.length, LIMITS.cycles)
    assert.equal(s.cycles[0]!.cycle, 6)
    assert.equal(s.series.length, cycles)
    assert.equal(s.dropped.cycles, 5)
    assert.equal(s.cycles.filter(c => c.build.lines.length > 0).length, LIMITS.buildLogCycles)
    for (let i = 0; i < LIMITS.runtimeLines + 10; i++) s = reduce(s, {type: 'log-line', at: i, pod: 'p', container: 'c', prefix: 'p', time: '', line: `line ${i}`})
    assert.equal(s.logs.length, LIMITS.runtimeLines)
    assert.equal(s.logs.at(-1)!.text, `line ${LIMITS.runtimeLines + 9}`)
    assert.equal(s.dropped.logs, 10)
    const long = run([{type: 'cycle-started', at: 0, cycle: 1, route: 'build', changes: []}, ...Array.from({length: LIMITS.buildLogLines + 3}, (_, i): DashboardInput => ({type: 'build-line', at: i, cycle: 1, line: `l${i}`}))])
    assert.equal(long.cycles[0]!.build.lines.length, LIMITS.buildLogLines)
    assert.equal(long.cycles[0]!.build.dropped, 3)
  })

  it('sync mode: a synced cycle ends as synced with its plan, copy and reload, counts the files on the service, and a deploy clears them', () => {
    const synced = (cycle: number, at: number, sinceImage: number): DashboardInput[] => [
      {type: 'cycle-started', at, cycle, route: 'sync', changes: ['src/a.js']},
      stage(cycle, {type: 'stage-started', stage: 'plan', at: 1, message: 'planning'}),
      stage(cycle, {type: 'stage-finished', stage: 'plan', at: 11, ms: 10, message: '1 file'}),
      stage(cycle, {type: 'stage-started', stage: 'copy', at: 11, message: 'copying'}),
      stage(cycle, {type: 'stage-finished', stage: 'copy', at: 61, ms: 50, message: 'copied'}),
      stage(cycle, {type: 'stage-started', stage: 'reload', at: 61, message: 'restarting'}),
      stage(cycle, {type: 'stage-finished', stage: 'reload', at: 161, ms: 100, message: 'listening'}),
      {type: 'cycle-synced', at: at + 170, cycle, result: {copied: 1, removed: 0, bytes: 10, pods: ['api-1'], reload: 'restart', restarted: true, sinceImage, tag: 't1', timings: {plan: 10, copy: 50, reload: 100}, totalMs: 170}},
    ]
    let s = run([...goodCycle(1, 0), {type: 'cycle-started', at: 3000, cycle: 2, route: 'sync', changes: ['src/a.js']}])
    assert.equal(s.services[0]!.state, 'syncing')
    s = run([stage(2, {type: 'stage-started', stage: 'copy', at: 1, message: 'copying'})], s)
    assert.equal(s.services[0]!.state, 'syncing')
    s = run([...synced(2, 3000, 1), ...synced(3, 4000, 2)], start())
    const c = s.cycles[1]!
    assert.deepEqual([c.result, c.totalMs, c.synced], ['synced', 170, {copied: 1, removed: 0}])
    assert.deepEqual(c.stages.api!.map(b => [b.stage, b.state, b.ms]), [['plan', 'done', 10], ['copy', 'done', 50], ['reload', 'done', 100]])
    assert.deepEqual([s.services[0]!.state, s.services[0]!.synced], ['running', 2])
    assert.deepEqual(s.series.map(p => p.result), ['synced', 'synced'])
    assert.equal(run(goodCycle(4, 5000), s).services[0]!.synced, undefined, 'new pods from the image hold no synced file')
  })

  it('sync mode: a sync that falls back is built in the same cycle and says why; a burst built rather than synced says why too', () => {
    let s = run([
      {type: 'cycle-started', at: 0, cycle: 2, route: 'sync', changes: ['src/a.js']},
      {type: 'sync-fallback', at: 50, cycle: 2, error: {code: 'SYNC_NOT_APPLIED', message: 'the sync could not apply: pod api-1 restarted', fix: 'nothing to do'}},
    ])
    assert.deepEqual([s.cycles[0]!.route, s.cycles[0]!.result, s.services[0]!.state], ['build', 'running', 'building'])
    assert.match(s.cycles[0]!.why!, /pod api-1 restarted; built and deployed instead/)
    s = run([{type: 'cycle-finished', at: 2000, cycle: 2, result: result()}], s)
    assert.equal(s.cycles[0]!.result, 'deployed')
    const built = run([{type: 'cycle-started', at: 0, cycle: 3, route: 'build', changes: ['package.json'], why: 'package.json needs a new image (rebuild rule "package.json")'}])
    assert.equal(built.cycles[0]!.why, 'package.json needs a new image (rebuild rule "package.json")')
  })

  it('pause and resume, with the saves that wait', () => {
    let s = run([{type: 'paused', at: 1, pending: 0}, {type: 'change', at: 2, path: 'a', route: 'build'}, {type: 'change', at: 3, path: 'b', route: 'build'}])
    assert.deepEqual([s.watching.paused, s.watching.pending], [true, 2])
    s = reduce(s, {type: 'resumed', at: 4, pending: 2})
    assert.deepEqual([s.watching.paused, s.watching.pending], [false, 0])
  })

  it('a rollback: its stages, then the service at the revision it made; the history sets what is live', () => {
    let s = run(goodCycle(1, 0))
    s = run([
      {type: 'rollback-started', at: 5000, revision: 1},
      {type: 'rollback-stage', at: 5001, event: {type: 'stage-started', stage: 'rollback', at: 0, message: 'helm rollback'}},
      {type: 'rollback-stage', at: 5500, event: {type: 'stage-finished', stage: 'rollback', at: 500, ms: 500, message: 'revision 3 runs what revision 1 ran'}},
    ], s)
    assert.equal(s.services[0]!.state, 'deploying')
    s = reduce(s, {type: 'rollback-finished', at: 6000, result: {changed: true, revision: 3, target: 1, tag: 't0', totalMs: 900}})
    assert.equal(s.rollbacks[0]!.state, 'done')
    assert.deepEqual(s.rollbacks[0]!.stages.map(b => b.stage), ['rollback'])
    assert.deepEqual([s.services[0]!.state, s.services[0]!.revision, s.services[0]!.tag], ['running', 3, 't0'])
    s = reduce(s, {type: 'history', at: 6100, service: 'api', revisions: [{revision: 1, updated: '', status: 'superseded', live: false, byDraft: true, tag: 't0'}, {revision: 3, updated: '', status: 'deployed', live: true, byDraft: false, rollbackOf: 1, tag: 't0', commit: 'abc'}]})
    assert.equal(s.services[0]!.commit, 'abc')
    const failed = reduce(run([{type: 'rollback-started', at: 1}], start()), {type: 'rollback-failed', at: 2, error: {code: 'NO_PREVIOUS_REVISION', message: 'nothing to go back to', fix: 'deploy twice'}})
    assert.equal(failed.rollbacks[0]!.state, 'failed')
    assert.match(failed.notices[0]!.message, /nothing to go back to/)
  })

  it('pods, their events, connect URLs, outages, and an idle app that the history shows deployed', () => {
    let s = reduce(start(), {type: 'history', at: 1, service: 'api', revisions: [{revision: 4, updated: '', status: 'deployed', live: true, byDraft: true, tag: 't4'}], urls: ['http://localhost:3000']})
    assert.deepEqual([s.services[0]!.state, s.services[0]!.tag, s.services[0]!.urls], ['running', 't4', ['http://localhost:3000']])
    s = run([
      {type: 'pods', at: 2, service: 'api', pods: [{name: 'api-1', ready: '0/1', state: 'CrashLoopBackOff', restarts: 3, lastTermination: 'Error (exit code 1)', newest: true}]},
      {type: 'pod-events', at: 3, service: 'api', events: [{object: 'Pod/api-1', type: 'Warning', reason: 'BackOff', message: 'Back-off restarting', count: 4}]},
      {type: 'connection-lost', at: 4, what: 'the API server', reason: 'ECONNREFUSED'},
    ], s)
    assert.equal(s.services[0]!.pods[0]!.restarts, 3)
    assert.equal(s.services[0]!.events[0]!.reason, 'BackOff')
    assert.equal(s.connection?.what, 'the API server')
    s = reduce(s, {type: 'connection-restored', at: 5, ms: 1})
    assert.equal(s.connection, undefined)
    assert.equal(s.at, 5)
  })

  it('changes nothing (the same object) for events it does not show', () => {
    const s = start()
    assert.equal(reduce(s, {type: 'change', at: 1, path: 'a', route: 'build'}), s)
    assert.equal(reduce(s, {type: 'connect-stopped', at: 1, connections: 0, failed: 0}), s)
    assert.equal(reduce(s, {type: 'stage', at: 1, cycle: 99, event: {type: 'stage-started', stage: 'build', at: 1, message: 'x'}}).cycles, s.cycles)
  })

  it('a failure outside any cycle (the watcher) is a notice', () => {
    const s = reduce(start(), {type: 'cycle-failed', at: 1, cycle: 0, error: {code: 'WATCH_FAILED', message: 'too many files', fix: 'raise the limit'}})
    assert.equal(s.notices[0]!.message, 'too many files')
    assert.equal(s.cycles.length, 0)
  })
})
