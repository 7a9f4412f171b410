import assert from 'node:assert/strict'
import {rmSync} from 'node:fs'
import {dirname} from 'node:path'
import {Readable} from 'node:stream'

import {DraftError} from '../../../src/core/errors.js'
import {FakeHelm} from '../../../src/helm/fake-helm.js'
import {FakeKube} from '../../../src/kube/fake-kube.js'
import {deleteProject} from '../../../src/project/release.js'
import {FakeCredentialStore, FakeRegistry} from '../../../src/registry/fake-registry.js'
import type {ReleaseDependencies} from '../../../src/release/release-ops.js'
import {projectStatus, releaseHistory} from '../../../src/release/run.js'
import {createdShop} from '../../support/project.js'

describe('release commands at a project root', function () {
  this.timeout(30_000)
  let dir: string
  let helm: FakeHelm
  let deps: ReleaseDependencies
  before(async () => {
    dir = (await createdShop()).dir
  })
  beforeEach(async () => {
    helm = new FakeHelm()
    for (const release of ['web', 'api', 'redis']) {
      await helm.upgrade({release, chart: '/c', namespace: 'default', valuesFiles: [], set: {}, setString: {'image.repository': release, 'image.tag': 't'}, description: 'draft 000000000000000000000000 tag=t'})
    }
    const contexts = {prepare: async () => ({tag: 't', files: 1, bytes: 1, dockerfile: 'Dockerfile', open: () => Readable.from([])})}
    const kube = new FakeKube()
    // Only the deployed releases have pods; an uninstalled one's are gone.
    kube.podList = (_namespace: string, selector: string) => (!helm.releases.has(`default/${selector.split('=')[1]}`) ? [] : [{name: `${selector.split('=')[1]}-abc123-xyz`, phase: 'Running', templateHash: 'abc123', image: 'i:t', conditions: [], containers: [{name: 'app', ready: true, restartCount: 0, running: true}]}])
    deps = {helm, kube, registry: new FakeRegistry(), credentials: new FakeCredentialStore(), contexts, sleep: async () => {}, pollMs: 0}
  })
  after(() => rmSync(dirname(dir), {recursive: true, force: true}))

  it('status reports every service, or those --service names', async () => {
    const all = await projectStatus(dir, {}, async () => deps)
    assert.deepEqual(all.map(r => [r.service, r.error?.code ?? 'reported']), [['web', 'reported'], ['api', 'reported'], ['worker', 'NOTHING_DEPLOYED'], ['redis', 'reported']])
    const some = await projectStatus(dir, {services: ['api']}, async () => deps)
    assert.deepEqual(some.map(r => [r.service, r.report?.release]), [['api', 'api']])
  })

  it('history needs the one service --service names', async () => {
    await assert.rejects(releaseHistory(dir, {}, async () => deps), (e: unknown) => e instanceof DraftError && e.code === 'SERVICE_NEEDED' && /--service: web, api, worker, redis/.test(e.fix))
    const history = await releaseHistory(dir, {services: ['redis']}, async () => deps)
    assert.equal(history.release, 'redis')
  })

  it('delete asks once for every deployed release, deletes them all, and reports the ones with nothing there', async () => {
    const asked: string[][] = []
    const done = await deleteProject(dir, {}, {images: false, confirm: async plans => void asked.push(plans.map(p => p.service)), emit: () => {}}, async () => deps)
    assert.deepEqual(asked, [['web', 'api', 'redis']])
    assert.deepEqual(done.map(d => [d.service, Boolean(d.result?.uninstalled), d.plan.exists]), [['web', true, true], ['api', true, true], ['worker', false, false], ['redis', true, true]])
    assert.deepEqual(helm.uninstalls.map(u => u.release).sort(), ['api', 'redis', 'web'])
  })
})
