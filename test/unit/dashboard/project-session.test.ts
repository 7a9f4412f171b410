import assert from 'node:assert/strict'
import {rmSync} from 'node:fs'
import {dirname} from 'node:path'

import type {DeployConfig} from '../../../src/config/draft-toml.js'
import {type ProjectConfig, loadProject} from '../../../src/config/project-toml.js'
import type {DashboardOptions} from '../../../src/dashboard/dashboard.js'
import {FakeDashboard} from '../../../src/dashboard/fake-dashboard.js'
import {type ProjectDashboardSession, startProjectDashboardSession} from '../../../src/dashboard/session.js'
import {FakeKube} from '../../../src/kube/fake-kube.js'
import {FakePodStreams} from '../../../src/pod-streams/fake-pod-streams.js'
import {FakeCredentialStore} from '../../../src/registry/fake-registry.js'
import type {HistoryReport} from '../../../src/release/release-ops.js'
import {createdShop} from '../../support/project.js'
import {deployment, pod, waitFor} from '../connect/helpers.js'

/**
 * The dashboard of a project's watch, wired with fakes: one page whose state lists every service, a
 * feed per service reading that service's release (its pods, logs and history), and buttons that
 * reach the project's loop with the service they are about.
 */
describe('the dashboard session of a project (fakes)', function () {
  this.timeout(10_000)
  let dir: string
  let project: ProjectConfig
  let kube: FakeKube
  let streams: FakePodStreams
  let dashboard: FakeDashboard | undefined
  let session: ProjectDashboardSession | undefined
  let historyAsked: string[]
  let calls: string[]
  let credentials: FakeCredentialStore

  before(async () => {
    dir = (await createdShop()).dir
  })
  after(() => rmSync(dirname(dir), {recursive: true, force: true}))
  beforeEach(() => {
    project = loadProject(dir, {registry: '127.0.0.1:45001'}, {})
    kube = new FakeKube()
    kube.newestHash = 'aaa111'
    kube.deploymentList = [deployment()]
    // Each release has its own pod: the feed of a service asks for its release's pods only.
    kube.podList = (_namespace, selector) => {
      const release = /app\.kubernetes\.io\/instance=([^,]+)/.exec(selector)?.[1]
      return release ? [pod(`${release}-aaa111-x1`)] : []
    }
    streams = new FakePodStreams()
    historyAsked = []
    calls = []
    credentials = new FakeCredentialStore({'127.0.0.1:45001': {kind: 'basic', username: 'draft', password: 'registry-pw-1'}})
  })
  afterEach(async () => {
    await session?.close()
    session = undefined
  })

  const open = async (mode: 'watch' | 'dashboard' = 'watch'): Promise<ProjectDashboardSession> => {
    session = await startProjectDashboardSession({
      project,
      loop: {
        rebuild: service => void calls.push(`rebuild ${service ?? 'all'}`),
        pause: () => void calls.push('pause'),
        resume: () => void calls.push('resume'),
        rollback: async (service, revision) => {
          calls.push(`rollback ${service} ${revision ?? 'previous'}`)
          return {} as never
        },
      },
      mode,
      start: async (options: DashboardOptions) => (dashboard = new FakeDashboard(options)),
      feed: {
        kube,
        streams,
        credentials,
        history: async (config: DeployConfig): Promise<HistoryReport> => {
          historyAsked.push(config.release)
          return {release: config.release, namespace: config.namespace, context: 'fake', revisions: [{revision: 1, updated: '2025-01-01T00:00:00Z', status: 'deployed', chart: 'c', description: '', byDraft: true, live: true, tag: `draft-${config.release}`}]}
        },
      },
      origin: performance.now(),
      context: 'fake',
    })
    return session
  }

  it('lists every service from the start, and reads each one\'s pods, history and logs by its own release', async () => {
    for (const name of ['web', 'api', 'worker', 'redis']) streams.write(`${name}-aaa111-x1`, 'app', `hello from ${name}`)
    await open()
    const state = () => dashboard!.state()
    assert.deepEqual(state().services.map(s => [s.name, s.release, s.namespace]), project.services.map(s => [s.name, s.config.release, s.config.namespace]))
    assert.equal(state().app.name, 'shop')
    await waitFor(() => state().services.every(s => s.pods.length === 1 && s.history.length === 1) && state().logs.length === 4, 'every service\'s pods, history and a line each')
    assert.deepEqual(state().services.map(s => [s.name, s.pods[0]!.name, s.tag, s.state]), [
      ['web', 'web-aaa111-x1', 'draft-web', 'running'],
      ['api', 'api-aaa111-x1', 'draft-api', 'running'],
      ['worker', 'worker-aaa111-x1', 'draft-worker', 'running'],
      ['redis', 'redis-aaa111-x1', 'draft-redis', 'running'],
    ])
    assert.deepEqual(state().logs.map(l => [l.service, l.text]).sort(), [['api', 'hello from api'], ['redis', 'hello from redis'], ['web', 'hello from web'], ['worker', 'hello from worker']])
    assert.deepEqual(historyAsked.sort(), ['api', 'redis', 'web', 'worker'])
    assert.ok(dashboard!.hidden.has('registry-pw-1'), 'the registry password is kept off the page')
  })

  it('after a cycle reads the history again only of the services it ran, once the loop is idle; build lines carry their service', async () => {
    await open()
    await waitFor(() => historyAsked.length === 4, 'the first reads')
    historyAsked = []
    const asked = credentials.asked.length
    session!.event({type: 'cycle-started', at: 1, cycle: 1, services: {api: 'build', worker: 'build'}, changes: ['shared/greeting.js']})
    session!.buildLine(1, 'api', '#5 RUN npm ci')
    session!.event({type: 'service', at: 2, cycle: 1, event: {type: 'stage-started', stage: 'build', at: 0, message: 'building', service: 'api'}})
    assert.equal(dashboard!.state().services.find(s => s.name === 'api')!.state, 'building')
    session!.event({
      type: 'cycle-finished',
      at: 9,
      cycle: 1,
      ms: 8,
      rows: [
        {service: 'api', release: 'api', state: 'deployed', built: true, revision: 2, tag: 't2', timings: {}, totalMs: 5},
        {service: 'worker', release: 'worker', state: 'failed', built: false, timings: {}, totalMs: 5, error: {code: 'BUILD_FAILED', message: 'x', fix: 'y'}},
      ],
    })
    await waitFor(() => historyAsked.length === 2, 'the history of the two services of the cycle')
    assert.equal(credentials.asked.length, asked + 1, 'the registry\'s credentials read again once, not once per service')
    await new Promise(resolve => setTimeout(resolve, 30))
    assert.deepEqual(historyAsked.sort(), ['api', 'worker'])
    const cycle = dashboard!.state().cycles[0]!
    assert.deepEqual(cycle.build.lines.map(l => [l.service, l.text]), [['api', '#5 RUN npm ci']])
    assert.equal(cycle.result, 'failed')
  })

  it('a rollback reads only its service\'s history afterwards', async () => {
    await open()
    await waitFor(() => historyAsked.length === 4, 'the first reads')
    historyAsked = []
    session!.event({type: 'rollback-started', at: 1, service: 'redis', revision: 1})
    session!.event({type: 'rollback-finished', at: 2, service: 'redis', result: {changed: true, revision: 2, target: 1, totalMs: 1}})
    await waitFor(() => historyAsked.length === 1, 'the history of redis')
    assert.deepEqual(historyAsked, ['redis'])
  })

  it('the buttons reach the loop with the service they are about; draft dashboard at a root has no pause', async () => {
    await open()
    const actions = dashboard!.options.actions!
    actions.rebuild()
    actions.rebuild('api')
    actions.pause!()
    actions.resume!()
    await actions.rollback(3, 'worker')
    assert.deepEqual(calls, ['rebuild all', 'rebuild api', 'pause', 'resume', 'rollback worker 3'])
    await session!.close()
    session = undefined
    await open('dashboard')
    assert.equal(dashboard!.options.actions!.pause, undefined)
    assert.equal(dashboard!.state().watching.on, false)
  })
})
