import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Readable} from 'node:stream'

import {DEFAULT_BUILDER_SETTINGS} from '../../../src/cluster-builder/settings.js'
import type {DeployConfig} from '../../../src/config/draft-toml.js'
import {DraftError} from '../../../src/core/errors.js'
import type {UpEvent} from '../../../src/core/events.js'
import {FakeDocker} from '../../../src/docker/fake-docker.js'
import {FakeGit} from '../../../src/git/fake-git.js'
import {FakeHelm} from '../../../src/helm/fake-helm.js'
import {FakeKube} from '../../../src/kube/fake-kube.js'
import {FakeRunner} from '../../../src/process/fake-runner.js'
import {FakeCredentialStore, FakeRegistry} from '../../../src/registry/fake-registry.js'
import type {ContextProvider} from '../../../src/up/context-provider.js'
import {parseRecord} from '../../../src/up/record.js'
import {type UpDependencies, UpEngine} from '../../../src/up/up-engine.js'
import {failure} from '../../support/draft-error.js'

class FakeContexts implements ContextProvider {
  tag = 'draft-0000000000000001'
  async prepare() {
    return {tag: this.tag, files: 3, bytes: 300, dockerfile: 'Dockerfile', open: () => Readable.from([Buffer.from('tar bytes')])}
  }
}

const REGISTRY = '127.0.0.1:45000'

describe('UpEngine', () => {
  let dir: string
  let config: DeployConfig
  let docker: FakeDocker
  let helm: FakeHelm
  let kube: FakeKube
  let registry: FakeRegistry
  let contexts: FakeContexts
  let runner: FakeRunner
  let events: UpEvent[]
  let credentials: FakeCredentialStore

  const engine = (overrides: Partial<UpDependencies> = {}): UpEngine =>
    new UpEngine({docker, helm, kube, registry, credentials, contexts, runner, env: {}, sleep: async () => {}, pollMs: 0, ...overrides})
  const run = (e = engine(), options: {signal?: AbortSignal} = {}) => e.run(config, {emit: ev => events.push(ev), ...options})
  const stages = (type: UpEvent['type']) => events.filter(e => e.type === type).map(e => e.stage)

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'draft-up-'))
    mkdirSync(join(dir, 'charts', 'app', 'templates'), {recursive: true})
    writeFileSync(join(dir, 'charts', 'app', 'Chart.yaml'), 'apiVersion: v2\nname: app\nversion: 0.1.0\n')
    writeFileSync(join(dir, 'charts', 'app', 'values.yaml'), 'replicaCount: 1\n')
    config = {
      appDir: dir, file: join(dir, 'draft.toml'), env: 'development', release: 'app', namespace: 'default', registry: REGISTRY, image: 'app',
      dockerfile: join(dir, 'Dockerfile'), context: dir, chart: join(dir, 'charts', 'app'), target: '', buildArgs: {}, buildNetwork: 'host',
      values: [], set: {}, kubeContext: '', timeoutMs: 60_000, watch: {quietMs: 300, maxWaitMs: 5000},
      connect: false, ui: false, builder: 'local', clusterBuilder: {...DEFAULT_BUILDER_SETTINGS},
    }
    docker = new FakeDocker()
    helm = new FakeHelm()
    kube = new FakeKube()
    registry = new FakeRegistry()
    contexts = new FakeContexts()
    runner = new FakeRunner()
    credentials = new FakeCredentialStore()
    events = []
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('builds, pushes, deploys revision 1 and waits for the rollout, stage by stage', async () => {
    const result = await run()
    assert.equal(result.revision, 1)
    assert.equal(result.image, `${REGISTRY}/app:draft-0000000000000001`)
    assert.deepEqual(stages('stage-finished'), ['connect', 'tag', 'build', 'push', 'deploy', 'rollout'])
    assert.deepEqual(docker.pushes, [`${REGISTRY}/app:draft-0000000000000001`])
    assert.equal(docker.builds[0]?.networkMode, 'host')
    const upgrade = helm.upgrades[0]!
    assert.deepEqual(upgrade.setString, {'image.repository': `${REGISTRY}/app`, 'image.tag': 'draft-0000000000000001'})
    assert.match(upgrade.description, new RegExp(`^draft [0-9a-f]{24} tag=draft-0000000000000001 repo=${REGISTRY.replace(/\./g, '\\.')}/app$`))
    assert.ok(result.built && result.pushed && !result.upToDate)
    assert.ok(events.some(e => e.type === 'stage-progress' && e.stage === 'build'))
  })

  it('is a no-op when nothing changed: no build, no push, no new revision', async () => {
    await run()
    registry.addTag(`${REGISTRY}/app:draft-0000000000000001`)
    events = []
    const second = await run()
    assert.equal(docker.builds.length, 1)
    assert.equal(docker.pushes.length, 1)
    assert.equal(helm.upgrades.length, 1)
    assert.equal(second.revision, 1)
    assert.ok(second.upToDate && !second.built && !second.pushed)
    assert.deepEqual(stages('stage-skipped'), ['build', 'push'])
  })

  it('deploys a new revision when the content tag or a helm value changes', async () => {
    await run()
    contexts.tag = 'draft-0000000000000002'
    assert.equal((await run()).revision, 2)
    config.set = {replicaCount: '2'}
    registry.addTag(`${REGISTRY}/app:draft-0000000000000002`)
    const third = await run()
    assert.equal(third.revision, 3)
    assert.ok(!third.built)
    assert.deepEqual(helm.upgrades[2]!.set, {replicaCount: '2'})
  })

  it('creates an image pull secret when the registry needs credentials', async () => {
    credentials = new FakeCredentialStore({[REGISTRY]: {kind: 'basic', username: 'ci', password: 's3cret'}})
    registry.requireCredentials(REGISTRY, {kind: 'basic', username: 'ci', password: 's3cret'})
    await run()
    const secret = kube.secrets.get('default/app-registry')
    assert.equal(secret?.type, 'kubernetes.io/dockerconfigjson')
    assert.equal(helm.upgrades[0]!.set['imagePullSecrets[0].name'], 'app-registry')
    assert.ok(!JSON.stringify(events).includes('s3cret'), 'the secret never reaches an event')
  })

  it('maps refused credentials to REGISTRY_UNAUTHORIZED before building', async () => {
    registry.requireCredentials(REGISTRY, {kind: 'basic', username: 'ci', password: 'x'})
    const error = await failure(run())
    assert.equal(error.code, 'REGISTRY_UNAUTHORIZED')
    assert.equal(docker.builds.length, 0)
    assert.deepEqual(stages('stage-failed'), ['tag'])
  })

  it('loads the image into a kind cluster instead of pushing', async () => {
    config.registry = ''
    kube = new FakeKube({context: 'kind-dev', cluster: 'kind-dev', server: 'https://127.0.0.1:41000', user: 'kind-dev', kubeconfig: '/k'})
    runner.on('kind', {exitCode: 0})
    const result = await run()
    assert.equal(result.delivery, 'load')
    assert.deepEqual(runner.calls[0]?.args, ['load', 'docker-image', 'app:draft-0000000000000001', '--name', 'dev'])
    assert.equal(docker.pushes.length, 0)
    assert.equal(helm.upgrades[0]!.setString['image.pullPolicy'], 'IfNotPresent')
  })

  it('says which tool failed to load the image into a kind cluster, and when it is not installed', async () => {
    config.registry = ''
    kube = new FakeKube({context: 'kind-dev', cluster: 'kind-dev', server: 'https://127.0.0.1:41000', user: 'kind-dev', kubeconfig: '/k'})
    const missing = await failure(run())
    assert.equal(missing.code, 'IMAGE_LOAD_FAILED')
    assert.match(missing.message, /with kind failed: kind is not on your PATH/)
    runner.on('kind', {exitCode: 1, stderr: 'ERROR: no nodes found for cluster "dev"\n'})
    const failed = await failure(run())
    assert.match(failed.message, /^loading app:draft-0000000000000001 into the kind cluster with kind failed: ERROR: no nodes found for cluster "dev"$/)
    assert.match(failed.fix, /--registry/)
  })

  it('uses local images on Docker Desktop: no push at all', async () => {
    config.registry = ''
    kube = new FakeKube({context: 'docker-desktop', cluster: 'docker-desktop', server: 'https://kubernetes.docker.internal:6443', user: 'docker-desktop', kubeconfig: '/k'})
    const result = await run()
    assert.equal(result.delivery, 'local-images')
    assert.equal(docker.pushes.length, 0)
    assert.equal(helm.upgrades[0]!.setString['image.repository'], 'app')
  })

  it('pushes to the registry a cluster advertises (KEP-1755) and pulls through its runtime name', async () => {
    config.registry = ''
    kube.hosting = {host: 'localhost:5001', hostFromContainerRuntime: 'kind-registry:5000'}
    await run()
    assert.deepEqual(docker.pushes, ['localhost:5001/app:draft-0000000000000001'])
    assert.equal(helm.upgrades[0]!.setString['image.repository'], 'kind-registry:5000/app')
  })

  it('refuses a remote cluster with no registry, naming --registry', async () => {
    config.registry = ''
    const error = await failure(run())
    assert.equal(error.code, 'NO_REGISTRY')
    assert.match(error.fix, /--registry/)
  })

  it('reports a failed build with its step and last lines, and deploys nothing', async () => {
    docker.failBuild = {step: '[deps 2/3] RUN npm ci', reason: 'exit code: 1', tail: ['npm ERR! missing script', 'npm ERR! code 1']}
    const error = await failure(run())
    assert.equal(error.code, 'BUILD_FAILED')
    assert.match(error.message, /\[deps 2\/3\] RUN npm ci: exit code: 1/)
    assert.deepEqual(error.toJSON().details, ['npm ERR! missing script', 'npm ERR! code 1'])
    assert.equal(helm.upgrades.length, 0)
    assert.deepEqual(stages('stage-failed'), ['build'])
  })

  it('names ImagePullBackOff with the image and the fix when the rollout cannot pull', async () => {
    kube.podProblem = {reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"', restartCount: 1}
    const error = await failure(run())
    assert.equal(error.code, 'ROLLOUT_FAILED')
    assert.match(error.message, /ImagePullBackOff: the cluster cannot pull/)
  })

  it('stops at Ctrl-C during the build: nothing is pushed or deployed', async () => {
    let release!: () => void
    docker.buildGate = new Promise(resolve => (release = resolve))
    const interrupt = new AbortController()
    const running = run(engine(), {signal: interrupt.signal})
    setTimeout(() => interrupt.abort(), 5)
    const error = await failure(running)
    release()
    assert.equal(error.code, 'ABORTED')
    assert.equal(docker.pushes.length, 0)
    assert.equal(helm.upgrades.length, 0)
  })

  it('says Docker is not running when it has to build, and needs no Docker when nothing changed', async () => {
    docker.unavailable = true
    const error = await failure(run())
    assert.equal(error.code, 'DOCKER_UNAVAILABLE')
    assert.deepEqual(stages('stage-failed'), ['build'])
    docker.unavailable = false
    await run()
    registry.addTag(`${REGISTRY}/app:draft-0000000000000001`)
    docker.unavailable = true
    events = []
    const unchanged = await run()
    assert.ok(unchanged.upToDate)
  })

  describe('what each revision records', () => {
    const COMMIT = 'a'.repeat(40)

    it('records the tag, where it was pushed and the folder\'s commit (+dirty) on the revision', async () => {
      const git = new FakeGit()
      git.states.set(dir, {commit: COMMIT, dirty: true})
      const result = await run(engine({git}))
      const record = parseRecord(helm.upgrades[0]!.description)
      assert.deepEqual(record, {fingerprint: result.fingerprint, tag: 'draft-0000000000000001', repository: `${REGISTRY}/app`, commit: `${COMMIT}+dirty`})
      assert.equal(result.commit, `${COMMIT}+dirty`)
    })

    it('records no commit outside git, no repository without a registry, and a failing git never fails the deploy', async () => {
      const git = new FakeGit()
      git.sourceState = async () => {
        throw new Error('git exploded')
      }
      config.registry = ''
      kube = new FakeKube({context: 'docker-desktop', cluster: 'docker-desktop', server: 'https://kubernetes.docker.internal:6443', user: 'docker-desktop', kubeconfig: '/k'})
      await run(engine({git}))
      assert.deepEqual(parseRecord(helm.upgrades[0]!.description), {fingerprint: parseRecord(helm.upgrades[0]!.description)!.fingerprint, tag: 'draft-0000000000000001'})
    })

    it('stays a no-op when only the commit moved (a commit of the same content deploys nothing), and asks git nothing then', async () => {
      const git = new FakeGit()
      git.states.set(dir, {commit: COMMIT, dirty: true})
      await run(engine({git}))
      registry.addTag(`${REGISTRY}/app:draft-0000000000000001`)
      git.states.set(dir, {commit: 'b'.repeat(40), dirty: false})
      git.asked.length = 0
      const second = await run(engine({git}))
      assert.ok(second.upToDate)
      assert.equal(helm.upgrades.length, 1)
      assert.deepEqual(git.asked, [])
    })

    it('takes the fingerprint-only description of earlier drafts as up to date', async () => {
      const first = await run()
      registry.addTag(`${REGISTRY}/app:draft-0000000000000001`)
      helm.record('app', 'default', {description: first.fingerprint, manifest: helm.manifest_(helm.upgrades[0]!)})
      const second = await run()
      assert.ok(second.upToDate)
      assert.equal(second.revision, 2)
    })

    it('deploys an unchanged folder again after a rollback, and says so', async () => {
      await run()
      contexts.tag = 'draft-0000000000000002'
      await run()
      await helm.rollback('app', 'default', 1)
      registry.addTag(`${REGISTRY}/app:draft-0000000000000002`)
      events = []
      const after = await run()
      assert.equal(after.upToDate, false)
      assert.equal(after.revision, 4)
      assert.deepEqual(after.afterRollback, {revision: 3, to: 1})
      assert.ok(events.some(e => e.type === 'stage-progress' && /revision 3 is a rollback to revision 1: deploying this folder again/.test(e.message)))
      assert.equal(helm.upgrades.at(-1)!.setString['image.tag'], 'draft-0000000000000002')
    })
  })

  describe('as one service of a project', () => {
    it('deploys an image as it is: nothing tagged, built or pushed; no new revision when nothing changed', async () => {
      config = {...config, prebuilt: {repository: 'redis', tag: '7'}}
      const first = await run()
      assert.equal(first.delivery, 'prebuilt')
      assert.equal(first.image, 'redis:7')
      assert.ok(!first.built && !first.pushed && !first.upToDate)
      assert.deepEqual(stages('stage-skipped'), ['tag', 'build', 'push'])
      assert.equal(docker.builds.length, 0)
      assert.deepEqual(helm.upgrades[0]!.setString, {'image.repository': 'redis', 'image.tag': '7'})
      assert.match(helm.upgrades[0]!.description, /^draft [0-9a-f]{24} tag=7$/)
      const second = await run()
      assert.ok(second.upToDate)
      assert.equal(helm.upgrades.length, 1)
    })

    it('waits at its gates: a build slot around the build, and its dependencies before the deploy', async () => {
      const order: string[] = []
      let release!: () => void
      const ready = new Promise<void>(resolve => (release = resolve))
      const done = engine().run(config, {
        emit: e => {
          if (e.type === 'stage-started') order.push(e.stage)
        },
        gates: {
          build: async () => {
            order.push('slot')
            return () => order.push('slot back')
          },
          deploy: async () => {
            order.push('waiting')
            await ready
          },
        },
      })
      await new Promise(resolve => setTimeout(resolve, 20))
      assert.deepEqual(order, ['connect', 'tag', 'slot', 'build', 'slot back', 'push', 'waiting'])
      release()
      await done
      assert.deepEqual(order.slice(-2), ['deploy', 'rollout'])
    })

    it('deploys nothing when a dependency failed', async () => {
      const error = await failure(engine().run(config, {emit: () => {}, gates: {deploy: async () => Promise.reject(new DraftError('DEPENDENCY_FAILED', {service: 'app', dependency: 'db', reason: 'failed'}))}}))
      assert.equal(error.code, 'DEPENDENCY_FAILED')
      assert.equal(helm.upgrades.length, 0)
    })
  })
})
