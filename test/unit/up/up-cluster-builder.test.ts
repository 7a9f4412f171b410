import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Readable} from 'node:stream'

import {FakeClusterBuilder} from '../../../src/cluster-builder/fake-cluster-builder.js'
import {DEFAULT_BUILDER_SETTINGS} from '../../../src/cluster-builder/settings.js'
import type {DeployConfig} from '../../../src/config/draft-toml.js'
import {DraftError} from '../../../src/core/errors.js'
import type {UpEvent} from '../../../src/core/events.js'
import {FakeDocker} from '../../../src/docker/fake-docker.js'
import {FakeHelm} from '../../../src/helm/fake-helm.js'
import {FakeKube} from '../../../src/kube/fake-kube.js'
import {FakeRunner} from '../../../src/process/fake-runner.js'
import {FakeCredentialStore, FakeRegistry} from '../../../src/registry/fake-registry.js'
import type {ContextProvider} from '../../../src/up/context-provider.js'
import {UpEngine} from '../../../src/up/up-engine.js'
import {failure} from '../../support/draft-error.js'

class FakeContexts implements ContextProvider {
  tag = 'draft-00000000000000c1'
  async prepare() {
    return {tag: this.tag, files: 3, bytes: 300, dockerfile: 'Dockerfile', open: () => Readable.from([Buffer.from('tar bytes')])}
  }
}

const REGISTRY = '127.0.0.1:45000'

describe('UpEngine with the cluster builder', () => {
  let dir: string
  let config: DeployConfig
  let docker: FakeDocker
  let builder: FakeClusterBuilder
  let helm: FakeHelm
  let kube: FakeKube
  let registry: FakeRegistry
  let credentials: FakeCredentialStore
  let contexts: FakeContexts
  let events: UpEvent[]

  const engine = (): UpEngine =>
    new UpEngine({docker, clusterBuilder: builder, helm, kube, registry, credentials, contexts, runner: new FakeRunner(), env: {}, sleep: async () => {}, pollMs: 0})
  const run = (e = engine(), options: {signal?: AbortSignal; buildSignal?: AbortSignal} = {}) => e.run(config, {emit: ev => events.push(ev), ...options})
  const messages = (stage: string) => events.filter(e => e.type === 'stage-progress' && e.stage === stage).map(e => (e as {message: string}).message)

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'draft-up-cluster-'))
    mkdirSync(join(dir, 'charts', 'app', 'templates'), {recursive: true})
    writeFileSync(join(dir, 'charts', 'app', 'Chart.yaml'), 'apiVersion: v2\nname: app\nversion: 0.1.0\n')
    config = {
      appDir: dir, file: join(dir, 'draft.toml'), env: 'development', release: 'app', namespace: 'default', registry: REGISTRY, image: 'app',
      dockerfile: join(dir, 'Dockerfile'), context: dir, chart: join(dir, 'charts', 'app'), target: '', buildArgs: {A: '1'}, buildNetwork: '',
      values: [], set: {}, kubeContext: '', timeoutMs: 60_000, watch: {quietMs: 300, maxWaitMs: 5000}, connect: false, ui: false,
      builder: 'cluster', clusterBuilder: {...DEFAULT_BUILDER_SETTINGS},
    }
    // An engine that is not there: the cluster builder must never ask it anything.
    docker = new FakeDocker()
    docker.unavailable = true
    builder = new FakeClusterBuilder()
    helm = new FakeHelm()
    kube = new FakeKube()
    registry = new FakeRegistry()
    credentials = new FakeCredentialStore()
    contexts = new FakeContexts()
    events = []
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('builds and pushes in the cluster, with no Docker engine, and deploys what it pushed', async () => {
    const result = await run()
    assert.equal(result.builder, 'cluster')
    assert.ok(result.built && result.pushed)
    assert.equal(result.digest, `sha256:${'2'.repeat(64)}`)
    assert.deepEqual(builder.builds.map(b => [b.ref, b.registry, b.bytes]), [[`${REGISTRY}/app:draft-00000000000000c1`, REGISTRY, 9]])
    assert.equal(docker.builds.length + docker.pushes.length, 0)
    assert.deepEqual(helm.upgrades[0]!.setString, {'image.repository': `${REGISTRY}/app`, 'image.tag': 'draft-00000000000000c1'})
    // The same stages as a local build: the push is the builder's, as part of the build.
    assert.deepEqual(events.filter(e => e.type === 'stage-finished').map(e => e.stage), ['connect', 'tag', 'build', 'push', 'deploy', 'rollout'])
    assert.match((events.find(e => e.type === 'stage-finished' && e.stage === 'push') as {message: string}).message, /as part of the build/)
    assert.ok(messages('build').some(m => /^creating the builder: BuildKit v\d+\.\d+\.\d+ \(rootless\) in namespace draft-builder/.test(m)), messages('build').join('\n'))
  })

  it('does not touch the builder when the registry has the tag', async () => {
    registry.addTag(`${REGISTRY}/app:draft-00000000000000c1`)
    const result = await run()
    assert.ok(!result.built && !result.pushed)
    assert.equal(builder.readyCalls.length, 0)
  })

  it('an unchanged second up builds nothing', async () => {
    const e = engine()
    const first = await run(e)
    await e.run(config, {emit: ev => events.push(ev), previous: first})
    assert.equal(builder.builds.length, 1)
  })

  it('hands the builder the credentials of the push registry, never into an event', async () => {
    credentials = new FakeCredentialStore({[REGISTRY]: {kind: 'basic', username: 'ci', password: 's3cret'}})
    registry.requireCredentials(REGISTRY, {kind: 'basic', username: 'ci', password: 's3cret'})
    await run()
    assert.equal(builder.builds[0]?.credentials, true)
    assert.ok(!JSON.stringify(events).includes('s3cret'))
  })

  it('pushes to the name a KEP-1755 registry has inside the cluster', async () => {
    config.registry = ''
    kube.hosting = {host: 'localhost:5001', hostFromClusterNetwork: 'kind-registry:5000', hostFromContainerRuntime: 'localhost:5001'}
    await run()
    assert.deepEqual(builder.builds.map(b => [b.ref, b.registry]), [['kind-registry:5000/app:draft-00000000000000c1', 'kind-registry:5000']])
    assert.equal(helm.upgrades[0]!.setString['image.repository'], 'localhost:5001/app')
  })

  it('needs a registry: a local cluster that sees local images is no way to deliver', async () => {
    config.registry = ''
    kube = new FakeKube({context: 'kind-dev', cluster: 'kind-dev', server: 'https://127.0.0.1:41000', user: 'kind-dev', kubeconfig: '/k'})
    const error = await failure(run())
    assert.equal(error.code, 'CLUSTER_BUILDER_NEEDS_REGISTRY')
    assert.match(error.fix, /--builder local/)
  })

  it('reports a failing step as BUILD_FAILED with its last lines, the log written as locally', async () => {
    builder.failBuild = {step: '[2/3] RUN npm ci', reason: 'exit code: 1', tail: ['npm ERR! missing script']}
    const error = await failure(run())
    assert.equal(error.code, 'BUILD_FAILED')
    assert.match(error.message, /RUN npm ci/)
    assert.deepEqual((error.context as {details: string[]}).details, ['npm ERR! missing script'])
    assert.ok(readFileSync(join(dir, '.draft', 'logs', 'build.log'), 'utf8').length >= 0)
    assert.equal(helm.upgrades.length, 0)
  })

  it('passes the builder errors through as they are (a lost pod, a registry the cluster cannot reach)', async () => {
    builder.failWith = new DraftError('BUILDER_LOST', {namespace: 'draft-builder', pod: 'draft-buildkit-0', reason: 'the pod was deleted'})
    assert.equal((await failure(run())).code, 'BUILDER_LOST')
    builder.failWith = new DraftError('BUILDER_REGISTRY_UNREACHABLE', {registry: REGISTRY, namespace: 'draft-builder', reason: 'connection refused', hostNetwork: false})
    const error = await failure(run())
    assert.equal(error.code, 'BUILDER_REGISTRY_UNREACHABLE')
    assert.match(error.fix, /127\.0\.0\.1:45000 is the builder pod itself/)
  })

  it('a newer change cancels the build in the cluster; the builder hears the abort', async () => {
    let release!: () => void
    builder.buildGate = new Promise(resolve => (release = resolve))
    const stale = new AbortController()
    const running = run(engine(), {buildSignal: stale.signal})
    await new Promise(resolve => setTimeout(resolve, 5))
    stale.abort()
    assert.equal((await failure(running)).code, 'ABORTED')
    assert.equal(builder.cancelled, 1)
    assert.equal(helm.upgrades.length, 0)
    release()
  })

  it('follows draft.toml from one run to the next: local again after cluster', async () => {
    await run()
    config.builder = 'local'
    docker.unavailable = false
    contexts.tag = 'draft-00000000000000c2'
    const result = await run()
    assert.equal(result.builder, 'local')
    assert.deepEqual(docker.pushes, [`${REGISTRY}/app:draft-00000000000000c2`])
  })
})
