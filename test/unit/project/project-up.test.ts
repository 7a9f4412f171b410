import assert from 'node:assert/strict'
import {rmSync} from 'node:fs'
import {dirname} from 'node:path'
import {Readable} from 'node:stream'

import type {DeployConfig} from '../../../src/config/draft-toml.js'
import {type ProjectConfig, loadProject} from '../../../src/config/project-toml.js'
import {DraftError} from '../../../src/core/errors.js'
import {FakeDocker} from '../../../src/docker/fake-docker.js'
import {FakeHelm} from '../../../src/helm/fake-helm.js'
import {FakeKube} from '../../../src/kube/fake-kube.js'
import {FakeRunner} from '../../../src/process/fake-runner.js'
import {type ProjectEvent, type RunOne, failedRows, semaphore, upProject} from '../../../src/project/project-up.js'
import {FakeCredentialStore, FakeRegistry} from '../../../src/registry/fake-registry.js'
import type {ContextProvider} from '../../../src/up/context-provider.js'
import {UpEngine, type UpResult} from '../../../src/up/up-engine.js'
import {createdShop} from '../../support/project.js'

const tick = () => new Promise(resolve => setImmediate(resolve))

/** A project of services with the given dependencies; the configs only need a release. */
function project(deps: Record<string, string[]>): ProjectConfig {
  return {
    root: '/p',
    file: '/p/draft.toml',
    env: 'development',
    watch: {quietMs: 300, maxWaitMs: 5000},
    ui: false,
    services: Object.entries(deps).map(([name, on]) => ({name, kind: 'build' as const, path: name, dependsOn: on.map(d => ({name: d})), config: {release: name} as DeployConfig})),
  }
}

const result = (config: DeployConfig, built = true): UpResult => ({
  release: config.release, namespace: 'default', kubeContext: '', revision: 1, image: `r/${config.release}:t`, tag: 't', context: {files: 1, bytes: 1},
  delivery: 'registry', cluster: 'remote', builder: 'local', built, pushed: built, upToDate: !built, fingerprint: 'f', timings: {}, totalMs: 1,
})

describe('up at a project root', () => {
  it('deploys every service after the services it depends on are ready, building all at once', async () => {
    const log: string[] = []
    const finish = new Map<string, () => void>()
    const run: RunOne = async (config, options) => {
      log.push(`build ${config.release}`)
      await new Promise<void>(resolve => finish.set(config.release, resolve))
      await options.gates!.deploy!()
      log.push(`deploy ${config.release}`)
      return result(config)
    }
    const events: ProjectEvent[] = []
    const done = upProject(project({web: ['api'], api: ['redis'], worker: ['redis'], redis: []}), run, {emit: e => events.push(e)})
    await tick()
    assert.deepEqual(log, ['build web', 'build api', 'build worker', 'build redis'], 'nothing waits to start')
    for (const name of ['web', 'api', 'worker']) finish.get(name)!()
    await tick()
    assert.deepEqual(log.slice(4), [], 'no one deploys before redis is ready')
    assert.deepEqual(events.filter(e => e.type === 'service-waiting').map(e => e.type === 'service-waiting' && [e.service, e.dependencies.join()]), [['web', 'api'], ['api', 'redis'], ['worker', 'redis']])
    finish.get('redis')!()
    const {rows} = await done
    assert.deepEqual(log.slice(4), ['deploy redis', 'deploy api', 'deploy worker', 'deploy web'])
    assert.deepEqual(rows.map(r => [r.service, r.state]), [['web', 'deployed'], ['api', 'deployed'], ['worker', 'deployed'], ['redis', 'deployed']])
  })

  it('does not stop the others when one fails: its dependents are blocked, the rest deploy, and the rows say why', async () => {
    const run: RunOne = async (config, options) => {
      if (config.release === 'api') throw new DraftError('BUILD_FAILED', {step: 'RUN npm ci', reason: 'exit 1', log: 'build.log'})
      await options.gates!.deploy!()
      return result(config, config.release !== 'redis')
    }
    const outcome = await upProject(project({web: ['api'], api: ['redis'], worker: ['redis'], redis: []}), run, {emit: () => {}})
    assert.deepEqual(outcome.rows.map(r => [r.service, r.state, r.error?.code ?? '']), [
      ['web', 'blocked', 'DEPENDENCY_FAILED'],
      ['api', 'failed', 'BUILD_FAILED'],
      ['worker', 'deployed', ''],
      ['redis', 'unchanged', ''],
    ])
    assert.match(outcome.rows[0]!.error!.message, /api, which web depends on, failed \(BUILD_FAILED/)
    assert.deepEqual(failedRows(outcome).map(r => r.service), ['web', 'api'])
  })

  it('runs no more builds at once than it has slots', async () => {
    let now = 0
    let most = 0
    const run: RunOne = async (config, options) => {
      const giveBack = await options.gates!.build!()
      most = Math.max(most, ++now)
      await tick()
      now--
      giveBack()
      return result(config)
    }
    await upProject(project({a: [], b: [], c: [], d: [], e: []}), run, {emit: () => {}, builds: 2})
    assert.equal(most, 2)
    const slots = semaphore(1)
    const first = await slots.take()
    const second = slots.take()
    first()
    first()
    assert.equal(slots.inUse(), 1, 'a slot given back twice counts once')
    ;(await second)()
    assert.equal(slots.inUse(), 0)
  })

  it('runs only the services asked for, taking the others as ready, and marks a build a newer change stopped as cancelled', async () => {
    const stale = new AbortController()
    stale.abort()
    const run: RunOne = async (config, options) => {
      if (options.buildSignal?.aborted) throw new DraftError('ABORTED', {stage: 'the build'})
      await options.gates!.deploy!()
      return result(config)
    }
    const outcome = await upProject(project({web: ['api'], api: [], worker: []}), run, {emit: () => {}, services: ['web', 'worker'], buildSignals: new Map([['worker', stale.signal]])})
    assert.deepEqual(outcome.rows.map(r => [r.service, r.state]), [['web', 'deployed'], ['worker', 'cancelled']])
  })
})

class ContextsByRelease implements ContextProvider {
  readonly tags = new Map<string, string>()
  async prepare(config: DeployConfig) {
    const tag = this.tags.get(config.release) ?? 'draft-0000000000000001'
    return {tag, files: 1, bytes: 10, dockerfile: 'Dockerfile', open: () => Readable.from([Buffer.from('tar')])}
  }
}

describe('up at a project root, through the engine', function () {
  this.timeout(30_000)
  let dir: string
  before(async () => {
    dir = (await createdShop()).dir
  })
  after(() => rmSync(dirname(dir), {recursive: true, force: true}))

  it('gives an unchanged service no new revision, and deploys an image-only one as it is', async () => {
    const helm = new FakeHelm()
    const registry = new FakeRegistry()
    const docker = new FakeDocker()
    const contexts = new ContextsByRelease()
    const engine = new UpEngine({docker, helm, kube: new FakeKube(), registry, credentials: new FakeCredentialStore(), contexts, runner: new FakeRunner(), env: {}, sleep: async () => {}, pollMs: 0})
    const config = loadProject(dir, {registry: '127.0.0.1:45000'}, {})
    const up = () => upProject(config, (c, o) => engine.run(c, o), {emit: () => {}})
    const first = await up()
    assert.deepEqual(first.rows.map(r => [r.service, r.state, r.revision, r.built]), [['web', 'deployed', 1, true], ['api', 'deployed', 1, true], ['worker', 'deployed', 1, true], ['redis', 'deployed', 1, false]])
    const redis = helm.upgrades.find(u => u.release === 'redis')!
    assert.deepEqual(redis.setString, {'image.repository': 'redis', 'image.tag': '7'})
    assert.equal(redis.set.containerPort, '6379')
    assert.equal(helm.upgrades.length, 4)
    for (const tag of docker.pushes) registry.addTag(tag)

    const second = await up()
    assert.deepEqual(second.rows.map(r => [r.service, r.state, r.revision]), [['web', 'unchanged', 1], ['api', 'unchanged', 1], ['worker', 'unchanged', 1], ['redis', 'unchanged', 1]])
    assert.equal(helm.upgrades.length, 4, 'no new revision for anyone')

    contexts.tags.set('api', 'draft-0000000000000002')
    const third = await up()
    assert.deepEqual(third.rows.map(r => [r.service, r.state, r.revision]), [['web', 'unchanged', 1], ['api', 'deployed', 2], ['worker', 'unchanged', 1], ['redis', 'unchanged', 1]])
    assert.equal(docker.builds.length, 4)
  })
})
