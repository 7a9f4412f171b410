import assert from 'node:assert/strict'

import {FakeHelm} from '../../../src/helm/fake-helm.js'
import {HelmCli} from '../../../src/helm/helm-cli.js'
import {FakeRunner} from '../../../src/process/fake-runner.js'
import {failure} from '../../support/draft-error.js'


describe('HelmCli: history, manifest, rollback', () => {
  let runner: FakeRunner
  let helm: HelmCli
  beforeEach(() => {
    runner = new FakeRunner().on('helm version', {stdout: 'v3.16.2'})
    helm = new HelmCli(runner, {binary: 'helm'})
  })

  it('reads `helm history --output json` oldest first, with every field named as draft names it', async () => {
    runner.on('helm history', {
      stdout: JSON.stringify([
        {revision: 2, updated: '2025-01-10T10:11:12.123456789Z', status: 'deployed', chart: 'app-0.1.0', app_version: '1.0', description: 'Rollback to 1'},
        {revision: 1, updated: '2025-01-10T10:00:00Z', status: 'superseded', chart: 'app-0.1.0', app_version: '1.0', description: 'Install complete'},
      ]),
    })
    const history = await helm.history('app', 'dev', 'ctx')
    assert.deepEqual(history?.map(r => [r.revision, r.status, r.description, r.appVersion]), [
      [1, 'superseded', 'Install complete', '1.0'],
      [2, 'deployed', 'Rollback to 1', '1.0'],
    ])
    assert.deepEqual(runner.calls.at(-1)?.args, ['history', 'app', '--namespace', 'dev', '--output', 'json', '--max', '1000', '--kube-context', 'ctx'])
  })

  it('answers undefined for a release helm does not have, and a forbidden namespace as NAMESPACE_FORBIDDEN', async () => {
    runner.on('helm history', {exitCode: 1, stderr: 'Error: release: not found'})
    assert.equal(await helm.history('app', 'dev'), undefined)
    runner.on('helm history', {exitCode: 1, stderr: 'Error: query: failed to query with labels: secrets is forbidden: User "system:serviceaccount:default:nobody" cannot list resource "secrets" in API group "" in the namespace "dev"'})
    const error = await failure(helm.history('app', 'dev'))
    assert.equal(error.code, 'NAMESPACE_FORBIDDEN')
    assert.match(error.message, /system:serviceaccount:default:nobody may not list secrets in namespace "dev"/)
  })

  it('rolls back to a revision without --wait and names the action in its errors', async () => {
    runner.on('helm rollback', {exitCode: 0, stdout: 'Rollback was a success! Happy Helming!'})
    await helm.rollback('app', 'dev', 3)
    assert.deepEqual(runner.calls.at(-1)?.args, ['rollback', 'app', '3', '--namespace', 'dev'])
    assert.equal(runner.calls.at(-1)?.options.signal, undefined, 'helm is never killed half-way')
    runner.on('helm rollback', {exitCode: 1, stderr: 'Error: another operation (install/upgrade/rollback) is in progress'})
    const error = await failure(helm.rollback('app', 'dev', 3))
    assert.equal(error.message, 'helm could not roll back release "app": another operation (install/upgrade/rollback) is in progress')
    assert.match(error.fix, /helm history app -n dev/)
  })

  it('reads one revision\'s manifest', async () => {
    runner.on('helm get', {stdout: '---\nkind: Deployment\n'})
    assert.equal(await helm.manifest('app', 'dev', 2), '---\nkind: Deployment\n')
    assert.deepEqual(runner.calls.at(-1)?.args, ['get', 'manifest', 'app', '--namespace', 'dev', '--revision', '2'])
  })
})

describe('FakeHelm keeps history as helm does', () => {
  it('supersedes on upgrade, copies a manifest on rollback, forgets on uninstall', async () => {
    const helm = new FakeHelm()
    const request = (tag: string) => ({release: 'app', chart: 'c', namespace: 'ns', valuesFiles: [], set: {}, setString: {'image.repository': 'r/app', 'image.tag': tag}, description: `d-${tag}`})
    await helm.upgrade(request('one'))
    await helm.upgrade(request('two'))
    await helm.rollback('app', 'ns', 1)
    const history = await helm.history('app', 'ns')
    assert.deepEqual(history?.map(r => [r.revision, r.status, r.description]), [
      [1, 'superseded', 'd-one'],
      [2, 'superseded', 'd-two'],
      [3, 'deployed', 'Rollback to 1'],
    ])
    assert.equal(await helm.manifest('app', 'ns', 3), await helm.manifest('app', 'ns', 1))
    await helm.uninstall('app', 'ns')
    assert.equal(await helm.history('app', 'ns'), undefined)
  })
})
