import assert from 'node:assert/strict'
import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'

import type {FoundCredentials} from '../../../src/registry/credentials.js'
import {HttpRegistry, isLoopbackRegistry, MANIFEST_ACCEPT, parseChallenges} from '../../../src/registry/registry.js'
import {assertNoSecret, rejectsWith} from './secrets.js'

interface Seen {
  method: string
  url: string
  headers: Record<string, string>
  body?: string
}

/** A fetch that answers from a handler and records what was asked; it never touches the network. */
function scripted(handler: (req: Seen) => Response | Promise<Response>): {fetch: typeof fetch; seen: Seen[]} {
  const seen: Seen[] = []
  const fake = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const headers = Object.fromEntries(new Headers(init.headers).entries())
    const req: Seen = {method: init.method ?? 'GET', url: String(input), headers, ...(typeof init.body === 'string' ? {body: init.body} : {})}
    seen.push(req)
    return handler(req)
  }
  return {fetch: fake as typeof fetch, seen}
}

const status = (code: number, headers: Record<string, string> = {}, body: string | null = null) =>
  new Response(body, {status: code, headers})

const basicAuth: FoundCredentials = {credentials: {kind: 'basic', username: 'draft', password: 'pw-secret-9'}, source: 'the test config'}
const BASIC_HEADER = `Basic ${Buffer.from('draft:pw-secret-9').toString('base64')}`

describe('HttpRegistry', () => {
  describe('transport', () => {
    it('talks plain HTTP to loopback hosts and HTTPS to the rest', async () => {
      const {fetch, seen} = scripted(() => status(200))
      const registry = new HttpRegistry({fetch, insecureRegistries: ['10.0.0.5:5000']})
      for (const host of ['127.0.0.1:45000', 'localhost:5000', 'localhost', '127.8.9.10', '[::1]:5000', 'ghcr.io', '10.0.0.5:5000', 'docker.io']) {
        assert.equal(await registry.check(host), 'ok')
      }
      assert.deepEqual(seen.map(s => s.url), [
        'http://127.0.0.1:45000/v2/',
        'http://localhost:5000/v2/',
        'http://localhost/v2/',
        'http://127.8.9.10/v2/',
        'http://[::1]:5000/v2/',
        'https://ghcr.io/v2/',
        'http://10.0.0.5:5000/v2/',
        'https://registry-1.docker.io/v2/',
      ])
      assert.equal(isLoopbackRegistry('127.0.0.1.example.com'), false)
    })

    it('maps a refused connection to REGISTRY_UNREACHABLE with the reason and the local fix', async () => {
      const server = createServer()
      await new Promise<void>(r => server.listen(0, '127.0.0.1', r))
      const port = (server.address() as AddressInfo).port
      await new Promise<void>(r => server.close(() => r()))

      const registry = new HttpRegistry({timeoutMs: 2000})
      assert.equal(await registry.check(`127.0.0.1:${port}`), 'unreachable')
      const error = await rejectsWith(() => registry.access(`127.0.0.1:${port}`), 'REGISTRY_UNREACHABLE')
      assert.equal(error.message, `cannot reach registry 127.0.0.1:${port}: connection refused`)
      assert.match(error.fix, /^Start it, check --registry/)
      await rejectsWith(() => registry.hasTag(`127.0.0.1:${port}/app:1`), 'REGISTRY_UNREACHABLE')
    })

    it('gives up after the timeout, and passes a caller\'s abort through untouched', async () => {
      const hang = ((_url: string, init: RequestInit) =>
        new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason)))) as typeof fetch
      const registry = new HttpRegistry({fetch: hang, timeoutMs: 50})
      const error = await rejectsWith(() => registry.access('ghcr.io'), 'REGISTRY_UNREACHABLE')
      assert.equal(error.message, 'cannot reach registry ghcr.io: no answer within 0.1s')
      assert.match(error.fix, /network, VPN and proxy/)

      const controller = new AbortController()
      const slow = new HttpRegistry({fetch: hang, timeoutMs: 10_000})
      const pending = slow.hasTag('ghcr.io/me/app:1', undefined, {signal: controller.signal})
      controller.abort(new Error('ctrl-c'))
      await assert.rejects(pending, /ctrl-c/)
    })
  })

  describe('check', () => {
    it('is unauthorized without credentials and ok with basic credentials', async () => {
      const {fetch, seen} = scripted(req =>
        req.headers.authorization === BASIC_HEADER ? status(200) : status(401, {'WWW-Authenticate': 'Basic realm="draft-bed"'}),
      )
      const registry = new HttpRegistry({fetch})
      assert.equal(await registry.check('127.0.0.1:45001'), 'unauthorized')
      assert.equal(await registry.check('127.0.0.1:45001', basicAuth), 'ok')
      assert.deepEqual(seen.map(s => s.headers.authorization), [undefined, undefined, BASIC_HEADER])

      const needs = await rejectsWith(() => registry.access('127.0.0.1:45001'), 'REGISTRY_UNAUTHORIZED')
      assert.equal(needs.message, 'registry 127.0.0.1:45001 needs credentials')
      assert.match(needs.fix, /docker login 127\.0\.0\.1:45001/)
    })

    it('says whose credentials were refused, and never shows them', async () => {
      const {fetch} = scripted(() => status(401, {'WWW-Authenticate': 'Basic realm="x"'}))
      const error = await rejectsWith(() => new HttpRegistry({fetch}).access('127.0.0.1:45001', basicAuth), 'REGISTRY_UNAUTHORIZED')
      assert.equal(error.message, 'registry 127.0.0.1:45001 refused the credentials from the test config')
      assertNoSecret(error, 'pw-secret-9')
    })

    it('reports an answer that is not a registry as REGISTRY_FAILED', async () => {
      const {fetch} = scripted(() => status(404))
      const registry = new HttpRegistry({fetch})
      const error = await rejectsWith(() => registry.check('example.com'), 'REGISTRY_FAILED')
      assert.match(error.message, /registry example.com answered GET \/v2\/ with HTTP 404/)
    })
  })

  describe('bearer token flow', () => {
    const challenge = 'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:me/app:pull"'

    it('gets a token with basic credentials for the repository scope and retries with it', async () => {
      const {fetch, seen} = scripted(req => {
        if (req.url.startsWith('https://auth.example/token')) {
          return req.headers.authorization === BASIC_HEADER ? Response.json({token: 'tok-1'}) : status(401)
        }
        if (req.headers.authorization === 'Bearer tok-1') return status(req.url.endsWith('/manifests/v1') ? 200 : 404)
        return status(401, {'WWW-Authenticate': challenge})
      })
      const registry = new HttpRegistry({fetch})
      assert.equal(await registry.hasTag('registry.example/me/app:v1', basicAuth), true)
      assert.equal(await registry.hasTag('registry.example/me/app:v2', basicAuth), false)

      const [first, token, retry] = seen
      assert.equal(first?.method, 'HEAD')
      assert.equal(first?.url, 'https://registry.example/v2/me/app/manifests/v1')
      assert.equal(first?.headers.accept, MANIFEST_ACCEPT)
      const tokenUrl = new URL(token?.url ?? '')
      assert.equal(tokenUrl.searchParams.get('service'), 'registry.example')
      assert.deepEqual(tokenUrl.searchParams.getAll('scope'), ['repository:me/app:pull'])
      assert.equal(retry?.headers.authorization, 'Bearer tok-1')
      assert.equal(retry?.headers.accept, MANIFEST_ACCEPT)
    })

    it('asks anonymously without credentials (public images) and accepts access_token', async () => {
      const {fetch, seen} = scripted(req => {
        if (req.url.startsWith('https://auth.example/')) return Response.json({access_token: 'anon'})
        return req.headers.authorization === 'Bearer anon' ? status(200) : status(401, {'WWW-Authenticate': challenge})
      })
      assert.equal(await new HttpRegistry({fetch}).hasTag('registry.example/me/app:v1'), true)
      assert.equal(seen[1]?.headers.authorization, undefined)
    })

    it('uses an identity token as an OAuth refresh token', async () => {
      const {fetch, seen} = scripted(req => {
        if (req.url === 'https://auth.example/token') return Response.json({access_token: 'from-refresh'})
        return req.headers.authorization === 'Bearer from-refresh' ? status(200) : status(401, {'WWW-Authenticate': challenge})
      })
      const auth: FoundCredentials = {credentials: {kind: 'identity-token', identityToken: 'refresh-secret-5'}, source: 'helper'}
      assert.equal(await new HttpRegistry({fetch}).check('registry.example', auth), 'ok')
      const form = new URLSearchParams(seen[1]?.body ?? '')
      assert.equal(seen[1]?.method, 'POST')
      assert.equal(form.get('grant_type'), 'refresh_token')
      assert.equal(form.get('refresh_token'), 'refresh-secret-5')
      assert.equal(form.get('scope'), 'repository:me/app:pull')
    })

    it('maps a refused token request to REGISTRY_UNAUTHORIZED without the secret', async () => {
      const {fetch} = scripted(req => (req.url.startsWith('https://auth.example/') ? status(401) : status(401, {'WWW-Authenticate': challenge})))
      const error = await rejectsWith(() => new HttpRegistry({fetch}).hasTag('registry.example/me/app:v1', basicAuth), 'REGISTRY_UNAUTHORIZED')
      assert.match(error.message, /refused the credentials from the test config/)
      assertNoSecret(error, 'pw-secret-9')
    })

    it('refuses to send credentials to a token service on plain HTTP', async () => {
      const {fetch, seen} = scripted(() => status(401, {'WWW-Authenticate': 'Bearer realm="http://auth.example/token"'}))
      const error = await rejectsWith(() => new HttpRegistry({fetch}).check('registry.example', basicAuth), 'REGISTRY_FAILED')
      assert.match(error.message, /plain HTTP \(auth.example\)/)
      assert.equal(seen.length, 1)
    })

    it('names the token service when it is unreachable or answers nonsense', async () => {
      const down = scripted(req => {
        if (req.url.startsWith('https://auth.example/')) throw new TypeError('fetch failed', {cause: {code: 'ENOTFOUND'}})
        return status(401, {'WWW-Authenticate': challenge})
      })
      const unreachable = await rejectsWith(() => new HttpRegistry({fetch: down.fetch}).access('registry.example'), 'REGISTRY_UNREACHABLE')
      assert.equal(unreachable.message, 'cannot reach registry registry.example: auth.example: host not found (DNS)')

      const odd = scripted(req => (req.url.startsWith('https://auth.example/') ? Response.json({}) : status(401, {'WWW-Authenticate': challenge})))
      const failed = await rejectsWith(() => new HttpRegistry({fetch: odd.fetch}).check('registry.example'), 'REGISTRY_FAILED')
      assert.match(failed.message, /its token service \(auth.example\) with an answer without a token/)
    })
  })

  describe('hasTag', () => {
    it('falls back to GET where HEAD is not implemented, and defaults the tag to latest', async () => {
      const {fetch, seen} = scripted(req => status(req.method === 'HEAD' ? 405 : 200))
      assert.equal(await new HttpRegistry({fetch}).hasTag('127.0.0.1:45000/app'), true)
      assert.deepEqual(seen.map(s => `${s.method} ${s.url}`), [
        'HEAD http://127.0.0.1:45000/v2/app/manifests/latest',
        'GET http://127.0.0.1:45000/v2/app/manifests/latest',
      ])
    })

    it('asks for a digest when the reference has one', async () => {
      const digest = `sha256:${'b'.repeat(64)}`
      const {fetch, seen} = scripted(() => status(200))
      await new HttpRegistry({fetch}).hasTag(`127.0.0.1:45000/app:1@${digest}`)
      assert.equal(seen[0]?.url, `http://127.0.0.1:45000/v2/app/manifests/${digest}`)
    })

    it('maps 403 to unauthorized and 5xx to REGISTRY_FAILED naming the request', async () => {
      await rejectsWith(() => new HttpRegistry({fetch: scripted(() => status(403)).fetch}).hasTag('ghcr.io/me/app:1', basicAuth), 'REGISTRY_UNAUTHORIZED')
      const error = await rejectsWith(() => new HttpRegistry({fetch: scripted(() => status(502)).fetch}).hasTag('ghcr.io/me/app:1'), 'REGISTRY_FAILED')
      assert.match(error.message, /registry ghcr.io answered HEAD \/v2\/me\/app\/manifests\/1 with HTTP 502/)
    })
  })
})

describe('parseChallenges', () => {
  it('reads schemes and quoted or bare parameters', () => {
    assert.deepEqual(parseChallenges('Bearer realm="https://a/t?x=1,2",service=reg, scope="repository:a/b:pull,push"'), [
      {scheme: 'bearer', params: {realm: 'https://a/t?x=1,2', service: 'reg', scope: 'repository:a/b:pull,push'}},
    ])
    assert.deepEqual(parseChallenges('Basic realm="draft-bed", Bearer realm="https://a/t"'), [
      {scheme: 'basic', params: {realm: 'draft-bed'}},
      {scheme: 'bearer', params: {realm: 'https://a/t'}},
    ])
    assert.deepEqual(parseChallenges(''), [])
    assert.deepEqual(parseChallenges('Basic realm="say \\"hi\\""'), [{scheme: 'basic', params: {realm: 'say "hi"'}}])
  })
})
