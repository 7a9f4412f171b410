import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Readable} from 'node:stream'

import {DEFAULT_BUILDER_SETTINGS} from '../../../src/cluster-builder/settings.js'
import type {DeployConfig} from '../../../src/config/draft-toml.js'
import {DraftError} from '../../../src/core/errors.js'
import type {UpEvent} from '../../../src/core/events.js'
import {FakeHelm} from '../../../src/helm/fake-helm.js'
import type {UpgradeRequest} from '../../../src/helm/helm.js'
import {FakeKube} from '../../../src/kube/fake-kube.js'
import type {PodState} from '../../../src/kube/kube.js'
import {FakeCredentialStore, FakeRegistry} from '../../../src/registry/fake-registry.js'
import {type ReleaseDependencies, ReleaseOps} from '../../../src/release/release-ops.js'
import {deleteRelease} from '../../../src/release/run.js'
import type {ContextProvider} from '../../../src/up/context-provider.js'
import {formatRecord} from '../../../src/up/record.js'
import {failure} from '../../support/draft-error.js'

const REGISTRY = '127.0.0.1:45000'
const tag = (n: number): string => `draft-${String(n).padStart(16, '0')}`

class FakeContexts implements ContextProvider {
  tag = tag(2)
  async prepare() {
    return {tag: this.tag, files: 1, bytes: 1, dockerfile: 'Dockerfile', open: () => Readable.from([])}
  }
}


describe('ReleaseOps (status, history, rollback, delete) with fakes', () => {
  let dir: string
  let config: DeployConfig
  let helm: FakeHelm
  let kube: FakeKube
  let registry: FakeRegistry
  let contexts: FakeContexts
  let events: UpEvent[]
  let clock: number

  const deps = (over: Partial<ReleaseDependencies> = {}): ReleaseDependencies => ({
    helm, kube, registry, contexts, credentials: new FakeCredentialStore(), sleep: async () => {
      clock += 1000
    }, now: () => clock, pollMs: 0, ...over,
  })
  const ops = (over: Partial<ReleaseDependencies> = {}) => new ReleaseOps(deps(over))
  const emit = (e: UpEvent) => events.push(e)
  const stages = (type: UpEvent['type']) => events.filter(e => e.type === type).map(e => e.stage)

  /** What `draft up` leaves behind: a revision with its record, the image in the registry. */
  const up = async (n: number, commit?: string): Promise<void> => {
    const request: UpgradeRequest = {
      release: 'app', chart: 'c', namespace: 'dev', valuesFiles: [], set: {}, setString: {'image.repository': `${REGISTRY}/app`, 'image.tag': tag(n)},
      description: formatRecord({fingerprint: `draft ${String(n).padStart(24, '0')}`, tag: tag(n), repository: `${REGISTRY}/app`, ...(commit ? {commit} : {})}),
    }
    await helm.upgrade(request)
    registry.addTag(`${REGISTRY}/app:${tag(n)}`)
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'draft-release-'))
    mkdirSync(join(dir, 'charts', 'app'), {recursive: true})
    writeFileSync(join(dir, 'charts', 'app', 'Chart.yaml'), 'apiVersion: v2\nname: app\nversion: 0.1.0\n')
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n')
    writeFileSync(join(dir, 'draft.toml'), `[environments.development]\nrelease = "app"\nnamespace = "dev"\nregistry = "${REGISTRY}"\nchart = "charts/app"\n`)
    config = {
      appDir: dir, file: join(dir, 'draft.toml'), env: 'development', release: 'app', namespace: 'dev', registry: REGISTRY, image: 'app',
      dockerfile: join(dir, 'Dockerfile'), context: dir, chart: join(dir, 'charts', 'app'), target: '', buildArgs: {}, buildNetwork: '',
      values: [], set: {}, kubeContext: '', timeoutMs: 60_000, watch: {quietMs: 300, maxWaitMs: 5000}, connect: false, ui: false, builder: 'local', clusterBuilder: {...DEFAULT_BUILDER_SETTINGS},
    }
    helm = new FakeHelm()
    kube = new FakeKube()
    registry = new FakeRegistry()
    contexts = new FakeContexts()
    events = []
    clock = 0
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  describe('bad input changes nothing and says how to fix it', () => {
    it('nothing deployed: run `draft up`', async () => {
      kube.podList = []
      const error = await failure(ops().status(config))
      assert.equal(error.code, 'NOTHING_DEPLOYED')
      assert.equal(error.message, 'nothing is deployed as "app" in namespace "dev" (context fake)')
      assert.match(error.fix, /^Run `draft up` first/)
      assert.equal((await failure(ops().history(config))).code, 'NOTHING_DEPLOYED')
      assert.equal((await failure(ops().rollback(config, {emit}))).code, 'NOTHING_DEPLOYED')
    })

    it('pods with the instance label but no helm release: not managed by helm', async () => {
      const error = await failure(ops().status(config))
      assert.equal(error.code, 'RELEASE_NOT_MANAGED')
      assert.match(error.message, /pods labelled app\.kubernetes\.io\/instance=app run in namespace "dev" \(app-abc123-xyz\), but helm manages no release "app" there/)
    })

    it('a namespace you may not read', async () => {
      helm.forbidden.add('dev')
      assert.equal((await failure(ops().history(config))).code, 'NAMESPACE_FORBIDDEN')
      helm.forbidden.clear()
      await up(1)
      kube.unreadableNamespaces.add('dev')
      assert.equal((await failure(ops().status(config))).code, 'NAMESPACE_FORBIDDEN')
    })

    it('a revision that does not exist: no rollback happens', async () => {
      await up(1)
      await up(2)
      const error = await failure(ops().rollback(config, {revision: '7', emit}))
      assert.equal(error.code, 'REVISION_NOT_FOUND')
      assert.deepEqual(helm.rollbacks, [])
    })
  })

  it('status: the live revision, its image and commit against the folder, pods, rollout, and a connect URL through the hook', async () => {
    await up(1)
    await up(2, `${'c'.repeat(40)}+dirty`)
    kube.readyAfterPolls = 0
    const report = await ops({connections: {urls: async () => ['http://127.0.0.1:8080']}}).status(config)
    assert.equal(report.revision, 2)
    assert.equal(report.tag, tag(2))
    assert.equal(report.commit, `${'c'.repeat(40)}+dirty`)
    assert.deepEqual(report.folder, {tag: tag(2), matches: true})
    assert.equal(report.available, true)
    assert.deepEqual(report.urls, ['http://127.0.0.1:8080'])
    assert.equal(report.pods.length, 1)
    contexts.tag = tag(3)
    assert.equal((await ops().status(config)).folder.matches, false)
  })

  it('history: every revision with tag and commit, the live one, and the image of one draft did not make from its manifest', async () => {
    await up(1, 'a'.repeat(40))
    await up(2, `${'b'.repeat(40)}+dirty`)
    helm.record('app', 'dev', {description: 'Upgrade complete', manifest: 'kind: Deployment\nmetadata: {name: app}\nspec: {template: {spec: {containers: [{name: app, image: "ghcr.io/me/app:1.4.2"}]}}}\n'})
    const report = await ops().history(config)
    assert.deepEqual(report.revisions.map(r => [r.revision, r.tag, r.commit ?? '-', r.live, r.byDraft]), [
      [1, tag(1), 'a'.repeat(40), false, true],
      [2, tag(2), `${'b'.repeat(40)}+dirty`, false, true],
      [3, '1.4.2', '-', true, false],
    ])
  })

  describe('rollback', () => {
    it('goes back to the previous revision, waits for its rollout, and says what runs', async () => {
      await up(1, 'a'.repeat(40))
      await up(2)
      const result = await ops().rollback(config, {emit})
      assert.deepEqual(helm.rollbacks, [{release: 'app', namespace: 'dev', revision: 1}])
      assert.deepEqual(stages('stage-finished'), ['connect', 'rollback', 'rollout'])
      assert.equal(result.changed, true)
      assert.equal(result.revision, 3)
      assert.equal(result.from, 2)
      assert.equal(result.tag, tag(1))
      assert.equal(result.commit, 'a'.repeat(40))
      assert.deepEqual(result.images, [`${REGISTRY}/app:${tag(1)}`])
    })

    it('diagnoses a rollout that cannot succeed, as up does', async () => {
      await up(1)
      await up(2)
      kube.podProblem = {reason: 'ImagePullBackOff', message: 'Back-off pulling image', restartCount: 1}
      const error = await failure(ops().rollback(config, {revision: '1', emit}))
      assert.equal(error.code, 'ROLLOUT_FAILED')
      assert.match(error.message, /ImagePullBackOff: the cluster cannot pull/)
      assert.deepEqual(stages('stage-failed'), ['rollout'])
    })

    it('does nothing when the revision asked for already runs', async () => {
      await up(1)
      await up(2)
      const result = await ops().rollback(config, {revision: '2', emit})
      assert.equal(result.changed, false)
      assert.deepEqual(helm.rollbacks, [])
      assert.deepEqual(stages('stage-skipped'), ['rollback'])
    })
  })

  describe('delete', () => {
    const terminating = (names: string[]): PodState[] => names.map(name => ({name, phase: 'Running', templateHash: 'h', image: 'i', conditions: [], containers: [], terminating: true}))

    it('nothing there: a plan that says so, and nothing is asked or changed', async () => {
      kube.podList = []
      let asked = false
      const outcome = await deleteRelease(dir, {}, {images: true, emit, confirm: async () => {
        asked = true
      }}, async () => deps())
      assert.equal(outcome.plan.exists, false)
      assert.equal(outcome.result, undefined)
      assert.equal(asked, false)
      assert.deepEqual(helm.uninstalls, [])
    }).timeout(5000)

    it('uninstalls, removes draft\'s pull secret, and waits until the pods are gone', async () => {
      await up(1)
      kube.secrets.set('dev/app-registry', {type: 'kubernetes.io/dockerconfigjson', data: {}})
      let polls = 0
      kube.podList = () => (helm.uninstalls.length === 0 ? terminating(['app-1']) : ++polls < 3 ? terminating(['app-1', 'app-2']) : [])
      const plan = await ops().planDelete(config, {images: false})
      assert.deepEqual(plan.pods, ['app-1'])
      const result = await ops().delete(config, plan, {emit})
      assert.deepEqual(helm.uninstalls, [{release: 'app', namespace: 'dev'}])
      assert.deepEqual(kube.secretDeletes, [{namespace: 'dev', selector: 'app.kubernetes.io/managed-by=draft,app.kubernetes.io/instance=app'}])
      assert.deepEqual(result.secrets, ['app-registry'])
      assert.deepEqual(result.pods, ['app-1', 'app-2'])
      assert.equal(polls, 3)
      assert.ok(events.some(e => e.type === 'stage-progress' && e.message === '2 pods terminating'))
      assert.equal(result.images, undefined)
    })

    it('Ctrl-C during the wait: helm has uninstalled, draft stops watching the pods and deletes no tag', async () => {
      await up(1)
      kube.podList = terminating(['app-1'])
      const interrupt = new AbortController()
      const plan = await ops().planDelete(config, {images: true})
      const result = await ops({sleep: async () => interrupt.abort()}).delete(config, plan, {emit, signal: interrupt.signal})
      assert.deepEqual(result.podsLeft, ['app-1'])
      assert.deepEqual(helm.uninstalls, [{release: 'app', namespace: 'dev'}])
      assert.deepEqual(stages('stage-skipped'), ['images'])
      assert.deepEqual(registry.tagsOf(`${REGISTRY}/app`), [tag(1)])
    })

    it('says which pods stay when they do not go within the timeout', async () => {
      await up(1)
      kube.podList = terminating(['app-1'])
      config.timeoutMs = 5000
      const plan = await ops().planDelete(config, {images: false})
      const error = await failure(ops().delete(config, plan, {emit}))
      assert.equal(error.code, 'PODS_REMAIN')
      assert.match(error.fix, /kubectl -n dev describe pod app-1/)
    })

    it('--images deletes the tags the history records, keeps a shared one and those it does not record', async () => {
      await up(1)
      await up(2)
      const shared = await registry.digest(`${REGISTRY}/app:${tag(2)}`)
      registry.addTag(`${REGISTRY}/app:release-candidate`, shared)
      registry.addTag(`${REGISTRY}/app:${tag(9)}`)
      kube.podList = () => (helm.uninstalls.length ? [] : terminating(['app-1']))
      const plan = await ops().planDelete(config, {images: true})
      assert.deepEqual(plan.images?.plans[0]?.deletes.flatMap(d => d.tags), [tag(1)])
      const result = await ops().delete(config, plan, {emit})
      assert.deepEqual(result.images?.[0]?.deleted, [tag(1)])
      assert.deepEqual(result.images?.[0]?.kept, [{tag: tag(2), reason: 'the same image is also tagged release-candidate'}])
      assert.deepEqual(result.images?.[0]?.unrecorded, [tag(9)])
      assert.deepEqual(registry.tagsOf(`${REGISTRY}/app`), [tag(9), tag(2), 'release-candidate'].sort())
      assert.deepEqual(stages('stage-finished'), ['uninstall', 'images'])
    })

    it('--images on a registry that refuses deletes: says so, and the tags stay', async () => {
      await up(1)
      kube.podList = () => (helm.uninstalls.length ? [] : terminating(['app-1']))
      registry.refuseDeletes(REGISTRY)
      const plan = await ops().planDelete(config, {images: true})
      const result = await ops().delete(config, plan, {emit})
      assert.match(result.images?.[0]?.refused ?? '', /does not allow deletes/)
      assert.deepEqual(registry.tagsOf(`${REGISTRY}/app`), [tag(1)])
      assert.match(events.filter(e => e.type === 'stage-finished').at(-1)!.message, /refuses deletes, its tags stay/)
    })

    it('an unreachable registry stops --images before anything is deleted', async () => {
      await up(1)
      registry.fail('unreachable', REGISTRY)
      kube.podList = []
      assert.equal((await failure(ops().planDelete(config, {images: true}))).code, 'REGISTRY_UNREACHABLE')
      assert.deepEqual(helm.uninstalls, [])
    })

    it('a declined confirmation changes nothing', async () => {
      await up(1)
      const error = await failure(deleteRelease(dir, {}, {images: false, emit, confirm: async () => {
        throw new DraftError('DECLINED', {what: 'deleting app'})
      }}, async () => deps()))
      assert.equal(error.code, 'DECLINED')
      assert.deepEqual(helm.uninstalls, [])
    })
  })
})
