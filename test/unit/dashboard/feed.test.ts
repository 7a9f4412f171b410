import assert from 'node:assert/strict'

import type {DeployConfig} from '../../../src/config/draft-toml.js'
import {DraftError} from '../../../src/core/errors.js'
import {FakeDashboard} from '../../../src/dashboard/fake-dashboard.js'
import {DashboardFeed} from '../../../src/dashboard/feed.js'
import {MASK} from '../../../src/dashboard/redact.js'
import {initialState} from '../../../src/dashboard/state.js'
import {FakeKube} from '../../../src/kube/fake-kube.js'
import {FakePodStreams} from '../../../src/pod-streams/fake-pod-streams.js'
import {FakeCredentialStore} from '../../../src/registry/fake-registry.js'
import type {HistoryReport} from '../../../src/release/release-ops.js'
import {deployment, pod, waitFor} from '../connect/helpers.js'

const config = {release: 'app', namespace: 'dev', registry: '127.0.0.1:45001', appDir: '/apps/app', env: 'development', kubeContext: ''} as DeployConfig

describe('DashboardFeed (fake cluster)', function () {
  this.timeout(10_000)
  let kube: FakeKube
  let streams: FakePodStreams
  let dashboard: FakeDashboard
  let feed: DashboardFeed
  let history: () => Promise<HistoryReport>

  beforeEach(() => {
    kube = new FakeKube()
    kube.newestHash = 'aaa111'
    kube.podList = []
    streams = new FakePodStreams()
    dashboard = new FakeDashboard({state: initialState({mode: 'watch', app: {name: 'app', root: '/apps/app', env: 'development', context: 'fake'}, startedAt: 0, watching: true, services: [{name: 'app', release: 'app', namespace: 'dev'}]})})
    history = async () => ({release: 'app', namespace: 'dev', context: 'fake', revisions: [{revision: 2, updated: '2025-01-01T00:00:00Z', status: 'deployed', chart: 'app-0.1.0', description: '', byDraft: true, live: true, tag: 'draft-1', commit: 'abc+dirty'}]})
  })
  afterEach(async () => {
    await feed?.close()
  })

  const open = (followLogs = true): DashboardFeed => {
    feed = new DashboardFeed(
      config,
      {kube, streams, credentials: new FakeCredentialStore({'127.0.0.1:45001': {kind: 'basic', username: 'draft', password: 'registry-pw-1'}}), history: () => history()},
      {service: 'app', publish: e => dashboard.publish(e), hide: v => dashboard.hide(v), followLogs},
    )
    return feed
  }

  it('shows the pods, their history and their logs, and keeps registry credentials and Secret-sourced values off the page', async () => {
    kube.deploymentList = [deployment()]
    kube.setPods([pod('app-aaa111-x1')])
    kube.secretEnv = {values: ['env-secret-value'], unreadable: []}
    streams.write('app-aaa111-x1', 'app', 'starting with env-secret-value and registry-pw-1')
    await open().start()
    assert.ok(dashboard.hidden.has('registry-pw-1'))
    assert.ok(dashboard.hidden.has('draft:registry-pw-1'))
    assert.ok(dashboard.hidden.has('env-secret-value'))
    await waitFor(() => dashboard.state().services[0]!.pods.length === 1 && dashboard.state().logs.length === 1, 'pods and a log line')
    const s = dashboard.state()
    assert.deepEqual(s.services[0]!.pods.map(p => [p.name, p.ready, p.newest]), [['app-aaa111-x1', '1/1', true]])
    assert.equal(s.logs[0]!.text, `starting with ${MASK} and ${MASK}`)
    assert.deepEqual([s.services[0]!.revision, s.services[0]!.tag, s.services[0]!.state], [2, 'draft-1', 'running'])
    assert.doesNotMatch(JSON.stringify(dashboard.events), /registry-pw-1|env-secret-value/)
  })

  it('reads the Secrets again for pods of a new template before their lines show', async () => {
    kube.deploymentList = [deployment()]
    kube.setPods([pod('app-aaa111-x1')])
    await open().start()
    await waitFor(() => dashboard.state().services[0]!.pods.length === 1, 'the pods')
    const reads = kube.secretEnvReads
    kube.secretEnv = {values: ['rotated-secret'], unreadable: ['other-secret']}
    kube.setPods([pod('app-aaa111-x1'), pod('app-bbb222-y1', {hash: 'bbb222'})])
    streams.write('app-bbb222-y1', 'app', 'new pod says rotated-secret')
    await waitFor(() => dashboard.state().logs.some(l => l.pod === 'app-bbb222-y1'), 'the new pod\'s line')
    assert.ok(kube.secretEnvReads > reads)
    assert.equal(dashboard.state().logs.find(l => l.pod === 'app-bbb222-y1')!.text, `new pod says ${MASK}`)
    assert.match(dashboard.state().notices.map(n => n.message).join('\n'), /cannot read Secret other-secret/)
  })

  it('shows the events of pods that are not ready', async () => {
    kube.deploymentList = [deployment({available: 0})]
    kube.events_ = [{object: 'Pod/app-aaa111-x1', type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container', count: 3, lastSeen: ''}]
    kube.setPods([pod('app-aaa111-x1', {ready: false, waiting: 'CrashLoopBackOff', restarts: 3})])
    await open(false).start()
    await waitFor(() => dashboard.state().services[0]!.events.length === 1, 'the events')
    assert.equal(dashboard.state().services[0]!.pods[0]!.state, 'CrashLoopBackOff')
    assert.equal(dashboard.state().services[0]!.events[0]!.reason, 'BackOff')
  })

  it('a synced cycle ends the busy time (what waited for an idle loop is read) without reading the history again', async () => {
    kube.deploymentList = [deployment({available: 0})]
    kube.setPods([pod('app-aaa111-x1', {ready: false, waiting: 'CrashLoopBackOff', restarts: 1})])
    let reads = 0
    const first = history
    history = async () => {
      reads += 1
      return first()
    }
    await open(false).start()
    await waitFor(() => dashboard.state().services[0]!.history.length === 1 && dashboard.state().services[0]!.events.length === 0, 'the history')
    const before = reads
    feed.event({type: 'cycle-started', at: 1, cycle: 2, route: 'sync', changes: ['src/a.js']})
    kube.events_ = [{object: 'Pod/app-aaa111-x1', type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container', count: 1, lastSeen: ''}]
    feed.event({type: 'cycle-synced', at: 2, cycle: 2, result: {} as never})
    await waitFor(() => dashboard.state().services[0]!.events.length === 1, 'the pod events after the sync')
    assert.equal(reads, before, 'a sync makes no revision')
  })

  it('nothing deployed yet: an empty history, and the pods followed after the first good cycle', async () => {
    history = async () => {
      throw new DraftError('NOTHING_DEPLOYED', {release: 'app', namespace: 'dev', context: 'fake'})
    }
    await open().start()
    assert.deepEqual(dashboard.state().services[0]!.history, [])
    assert.equal(dashboard.state().notices.length, 0, 'nothing deployed is not a problem')
    await new Promise(resolve => setTimeout(resolve, 30))
    kube.deploymentList = [deployment()]
    kube.setPods([pod('app-aaa111-x1')])
    feed.event({type: 'cycle-finished', at: 1, cycle: 1, result: {} as never})
    await waitFor(() => dashboard.state().services[0]!.pods.length === 1, 'the pods after the first cycle')
  })
})
