import assert from 'node:assert/strict'

import {FakeCredentialStore, FakeRegistry} from '../../../src/registry/fake-registry.js'
import {dockerConfigJson, pullSecret, pullSecretName} from '../../../src/registry/pull-secret.js'
import {rejectsWith} from './secrets.js'

describe('FakeRegistry', () => {
  it('knows the tags it was given, by normalised reference', async () => {
    const registry = new FakeRegistry().addTag('127.0.0.1:45000/app:abc').addTag('nginx:1')
    assert.equal(await registry.hasTag('127.0.0.1:45000/app:abc'), true)
    assert.equal(await registry.hasTag('127.0.0.1:45000/app:def'), false)
    assert.equal(await registry.hasTag('docker.io/library/nginx:1'), true)
    registry.removeTag('nginx:1')
    assert.equal(await registry.hasTag('nginx:1'), false)
    assert.deepEqual(registry.calls[0], {method: 'hasTag', registry: '127.0.0.1:45000', ref: '127.0.0.1:45000/app:abc'})
  })

  it('checks required credentials and switches failures per registry', async () => {
    const basic = {kind: 'basic', username: 'u', password: 'p'} as const
    const registry = new FakeRegistry().requireCredentials('r.example', basic)
    assert.equal(await registry.check('r.example'), 'unauthorized')
    assert.equal(await registry.check('r.example', {credentials: {...basic, password: 'no'}, source: 's'}), 'unauthorized')
    assert.equal(await registry.check('r.example', {credentials: basic, source: 's'}), 'ok')
    assert.equal(registry.calls[2]?.auth, 's')

    registry.fail('unreachable', 'r.example')
    assert.equal(await registry.check('r.example', {credentials: basic, source: 's'}), 'unreachable')
    const error = await rejectsWith(() => registry.hasTag('r.example/app:1'), 'REGISTRY_UNREACHABLE')
    assert.match(error.fix, /network/)
    registry.fail(undefined, 'r.example').fail('failed')
    await rejectsWith(() => registry.check('other.example'), 'REGISTRY_FAILED')
    registry.fail(undefined)
    assert.equal(await registry.check('other.example'), 'ok')
  })

  it('throws the abort reason of a cancelled call', async () => {
    const controller = new AbortController()
    controller.abort(new Error('ctrl-c'))
    await assert.rejects(new FakeRegistry().hasTag('a/b:1', undefined, {signal: controller.signal}), /ctrl-c/)
  })

  it('has a credential store to match', async () => {
    const store = new FakeCredentialStore({'ghcr.io': {kind: 'basic', username: 'u', password: 'p'}})
    assert.equal((await store.forRegistry('ghcr.io'))?.source, 'fake credentials for ghcr.io')
    assert.equal(await store.forRegistry('quay.io'), undefined)
    assert.deepEqual(store.asked, ['ghcr.io', 'quay.io'])
  })
})

describe('pull secret', () => {
  it('builds the .dockerconfigjson the kubelet reads', () => {
    const json = JSON.parse(dockerConfigJson('127.0.0.1:45001', {username: 'draft', password: 'p:w'}))
    assert.deepEqual(json, {
      auths: {'127.0.0.1:45001': {username: 'draft', password: 'p:w', auth: Buffer.from('draft:p:w').toString('base64')}},
    })
    const hub = JSON.parse(dockerConfigJson('docker.io', {username: 'me', password: 'x'}))
    assert.deepEqual(Object.keys(hub.auths), ['https://index.docker.io/v1/'])
  })

  it('wraps it in a labelled Secret of type kubernetes.io/dockerconfigjson', () => {
    const secret = pullSecret({release: 'my-app', namespace: 'dev', registry: 'ghcr.io', credentials: {username: 'u', password: 'p'}})
    assert.equal(pullSecretName('my-app'), 'my-app-registry')
    assert.deepEqual({...secret, data: undefined}, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'my-app-registry',
        namespace: 'dev',
        labels: {'app.kubernetes.io/managed-by': 'draft', 'app.kubernetes.io/instance': 'my-app'},
      },
      type: 'kubernetes.io/dockerconfigjson',
      data: undefined,
    })
    const payload = Buffer.from(secret.data['.dockerconfigjson'], 'base64').toString('utf8')
    assert.equal(payload, dockerConfigJson('ghcr.io', {username: 'u', password: 'p'}))
  })
})
