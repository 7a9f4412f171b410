import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'

import type {FoundCredentials} from '../../../src/registry/credentials.js'
import {FakeRegistry} from '../../../src/registry/fake-registry.js'
import {HttpRegistry, nextPage} from '../../../src/registry/registry.js'

interface Seen {
  method: string
  url: string
  headers: Record<string, string>
}

/** A fetch that answers from a handler and records what was asked; it never touches the network. */
function scripted(handler: (req: Seen) => Response): {fetch: typeof fetch; seen: Seen[]} {
  const seen: Seen[] = []
  const fake = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const req = {method: init.method ?? 'GET', url: String(input), headers: Object.fromEntries(new Headers(init.headers).entries())}
    seen.push(req)
    return handler(req)
  }
  return {fetch: fake as typeof fetch, seen}
}

const json = (body: unknown, headers: Record<string, string> = {}, status = 200) => new Response(JSON.stringify(body), {status, headers: {'content-type': 'application/json', ...headers}})
const DIGEST = `sha256:${'d'.repeat(64)}`

describe('HttpRegistry: tags, digests and deletes', () => {
  it('lists every tag across pages (Link: rel="next"), and none for a repository that does not exist', async () => {
    const {fetch, seen} = scripted(req => {
      if (req.url.includes('/v2/missing/')) return json({errors: [{code: 'NAME_UNKNOWN'}]}, {}, 404)
      if (req.url.includes('last=b')) return json({name: 'app', tags: ['c']})
      return json({name: 'app', tags: ['a', 'b']}, {link: '</v2/app/tags/list?last=b&n=1000>; rel="next"'})
    })
    const registry = new HttpRegistry({fetch})
    assert.deepEqual(await registry.tags('127.0.0.1:45000/app'), ['a', 'b', 'c'])
    assert.deepEqual(seen.map(s => s.url), ['http://127.0.0.1:45000/v2/app/tags/list?n=1000', 'http://127.0.0.1:45000/v2/app/tags/list?last=b&n=1000'])
    assert.deepEqual(await registry.tags('127.0.0.1:45000/missing'), [])
    assert.equal(nextPage('<https://ghcr.io/v2/me/app/tags/list?last=x&n=50>; rel="next"'), '/v2/me/app/tags/list?last=x&n=50')
    assert.equal(nextPage(null), undefined)
  })

  it('reads a tag\'s digest from HEAD, falls back to hashing the manifest, and has none for a missing tag', async () => {
    const manifest = '{"schemaVersion":2}'
    const {fetch} = scripted(req => {
      if (req.url.endsWith('/gone')) return new Response(null, {status: 404})
      if (req.url.endsWith('/v1')) return new Response(null, {status: 200, headers: {'docker-content-digest': DIGEST}})
      return req.method === 'HEAD' ? new Response(null, {status: 200}) : new Response(manifest, {status: 200})
    })
    const registry = new HttpRegistry({fetch})
    assert.equal(await registry.digest('127.0.0.1:45000/app:v1'), DIGEST)
    assert.equal(await registry.digest('127.0.0.1:45000/app:nohead'), `sha256:${createHash('sha256').update(manifest).digest('hex')}`)
    assert.equal(await registry.digest('127.0.0.1:45000/app:gone'), undefined)
  })

  it('deletes by digest, and reports a registry that refuses deletes instead of failing', async () => {
    let answer = new Response(null, {status: 202})
    const {fetch, seen} = scripted(() => answer)
    const registry = new HttpRegistry({fetch})
    assert.deepEqual(await registry.deleteManifest('127.0.0.1:45000/app', DIGEST), {status: 'deleted'})
    assert.equal(seen[0]!.method, 'DELETE')
    assert.equal(seen[0]!.url, `http://127.0.0.1:45000/v2/app/manifests/${DIGEST}`)

    answer = json({errors: [{code: 'UNSUPPORTED', message: 'The operation is unsupported.'}]}, {}, 405)
    const refused = await registry.deleteManifest('127.0.0.1:45000/app', DIGEST)
    assert.equal(refused.status, 'refused')
    assert.match(refused.status === 'refused' ? refused.reason : '', /does not allow deletes \(HTTP 405: UNSUPPORTED The operation is unsupported\.; for a registry:2, storage\.delete\.enabled is off\)/)

    answer = new Response(null, {status: 404})
    assert.deepEqual(await registry.deleteManifest('127.0.0.1:45000/app', DIGEST), {status: 'missing'})
  })

  it('asks a token service for delete rights, and reports credentials that may not delete without their secret', async () => {
    const auth: FoundCredentials = {credentials: {kind: 'basic', username: 'ci', password: 'pw-secret-7'}, source: 'the test config'}
    const {fetch, seen} = scripted(req => {
      if (req.url.startsWith('https://auth.example.com/')) return json({token: 'tok'})
      if (!req.headers.authorization) return new Response(null, {status: 401, headers: {'www-authenticate': 'Bearer realm="https://auth.example.com/token",service="reg"'}})
      return json({errors: [{code: 'DENIED', message: 'requested access to the resource is denied'}]}, {}, 403)
    })
    const outcome = await new HttpRegistry({fetch}).deleteManifest('reg.example.com/me/app', DIGEST, auth)
    assert.equal(seen[1]!.url, 'https://auth.example.com/token?service=reg&scope=repository%3Ame%2Fapp%3Adelete')
    assert.equal(outcome.status, 'refused')
    const reason = outcome.status === 'refused' ? outcome.reason : ''
    assert.match(reason, /the credentials from the test config may not delete there \(HTTP 403: DENIED/)
    assert.ok(!reason.includes('pw-secret-7'))
  })
})

describe('FakeRegistry deletes as a registry does', () => {
  it('removes every tag of a manifest, and can refuse', async () => {
    const registry = new FakeRegistry().addTag('127.0.0.1:45000/app:a', DIGEST).addTag('127.0.0.1:45000/app:b', DIGEST).addTag('127.0.0.1:45000/app:c')
    assert.deepEqual(await registry.tags('127.0.0.1:45000/app'), ['a', 'b', 'c'])
    assert.deepEqual(await registry.deleteManifest('127.0.0.1:45000/app', DIGEST), {status: 'deleted'})
    assert.deepEqual(registry.tagsOf('127.0.0.1:45000/app'), ['c'])
    registry.refuseDeletes('127.0.0.1:45000')
    const digest = await registry.digest('127.0.0.1:45000/app:c')
    assert.equal((await registry.deleteManifest('127.0.0.1:45000/app', digest!)).status, 'refused')
    assert.deepEqual(registry.tagsOf('127.0.0.1:45000/app'), ['c'])
  })
})
