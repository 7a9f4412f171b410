import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {request} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {Dashboard} from '../../../src/dashboard/dashboard.js'
import {HttpDashboard} from '../../../src/dashboard/http-dashboard.js'
import {MASK} from '../../../src/dashboard/redact.js'
import {readSnapshot} from '../../../src/dashboard/snapshot.js'
import {type PageState, initialState} from '../../../src/dashboard/state.js'

const state = (): PageState =>
  initialState({mode: 'watch', app: {name: 'api', root: '/apps/api', env: 'development', context: 'kind'}, startedAt: 0, watching: true, services: [{name: 'api', release: 'api', namespace: 'dev'}]})

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

function call(port: number, path: string, options: {method?: string; host?: string; token?: string; body?: string} = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({host: '127.0.0.1', port, path, method: options.method ?? 'GET', agent: false, headers: {host: options.host ?? `127.0.0.1:${port}`, ...(options.token ? {authorization: `Bearer ${options.token}`} : {})}}, res => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString()))
      res.on('end', () => resolve({status: res.statusCode ?? 0, headers: res.headers, body}))
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

/** The first `count` messages of the event stream. */
function stream(port: number, token: string, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const req = request({host: '127.0.0.1', port, path: '/api/events', agent: false, headers: {host: `127.0.0.1:${port}`, authorization: `Bearer ${token}`}}, res => {
      let text = ''
      res.on('data', (d: Buffer) => {
        text += d.toString()
        const messages = text.split('\n\n').filter(Boolean)
        if (messages.length >= count) {
          req.destroy()
          resolve(messages.slice(0, count))
        }
      })
    })
    req.on('error', error => (error.message.includes('aborted') || (error as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(error)))
    req.end()
  })
}

describe('HttpDashboard (on 127.0.0.1)', function () {
  this.timeout(10_000)
  const open: Dashboard[] = []
  const calls: string[] = []
  let dir: string
  const start = async (options: Partial<Parameters<typeof HttpDashboard.start>[0]> = {}): Promise<HttpDashboard> => {
    const d = await HttpDashboard.start({
      state: state(),
      port: 17770,
      actions: {rebuild: () => calls.push('rebuild'), pause: () => calls.push('pause'), resume: () => calls.push('resume'), rollback: async revision => calls.push(`rollback ${revision}`)},
      snapshotDir: () => dir,
      ...options,
    })
    open.push(d)
    return d
  }
  beforeEach(() => {
    calls.length = 0
    dir = mkdtempSync(join(tmpdir(), 'draft-dash-'))
  })
  afterEach(async () => {
    for (const d of open.splice(0)) await d.close()
  })

  it('serves the page without the token, with no CORS header and a strict content policy', async () => {
    const d = await start()
    assert.match(d.url, /^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{40,}$/)
    const page = await call(d.port, '/')
    assert.equal(page.status, 200)
    assert.match(page.body, /<script type="module" src="\/page.js">/)
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'/)
    assert.equal(page.headers['access-control-allow-origin'], undefined)
    const reducer = await call(d.port, '/state.js')
    assert.equal(reducer.status, 200)
    assert.match(reducer.body, /export function reduce/)
    assert.doesNotMatch(reducer.body, /^import /m, 'the reducer runs in a browser: it imports nothing')
  })

  it('403 for a foreign Host, 401 without the token, 405 for GET on a change, 404 elsewhere', async () => {
    const d = await start()
    assert.equal((await call(d.port, '/', {host: 'evil.example'})).status, 403)
    assert.equal((await call(d.port, '/api/state', {host: `attacker.example:${d.port}`, token: d.token})).status, 403)
    const anonymous = await call(d.port, '/api/state')
    assert.equal(anonymous.status, 401)
    assert.equal(anonymous.headers['www-authenticate'], 'Bearer')
    assert.equal((await call(d.port, '/api/events', {token: 'wrong'})).status, 401)
    assert.equal((await call(d.port, '/api/rebuild', {method: 'POST'})).status, 401)
    const get = await call(d.port, '/api/rebuild', {token: d.token})
    assert.equal(get.status, 405)
    assert.equal(get.headers.allow, 'POST')
    assert.equal((await call(d.port, '/api/rollback', {token: d.token})).status, 405)
    assert.equal((await call(d.port, '/etc/passwd', {token: d.token})).status, 404)
    assert.equal((await call(d.port, '/', {host: `localhost:${d.port}`})).status, 200)
    assert.deepEqual(calls, [], 'nothing was done')
  })

  it('several services: a rebuild of one or all, a rollback that names its service; an unknown service is refused', async () => {
    const services = ['web', 'api'].map(name => ({name, release: name, namespace: 'dev'}))
    const d = await start({
      state: initialState({mode: 'watch', app: {name: 'shop', root: '/apps/shop', env: 'development', context: 'kind'}, startedAt: 0, watching: true, services}),
      actions: {rebuild: service => calls.push(`rebuild ${service ?? 'all'}`), rollback: async (revision, service) => calls.push(`rollback ${service} ${revision}`)},
    })
    const post = (path: string, body?: string) => call(d.port, path, {method: 'POST', token: d.token, ...(body === undefined ? {} : {body})})
    assert.equal((await post('/api/rebuild')).status, 202)
    assert.equal((await post('/api/rebuild', '{"service": "api"}')).status, 202)
    assert.equal((await post('/api/rebuild', '{"service": "nope"}')).status, 400)
    assert.equal((await post('/api/rollback', '{"revision": 2, "service": "web"}')).status, 202)
    const unnamed = await post('/api/rollback', '{"revision": 2}')
    assert.equal(unnamed.status, 400)
    assert.match(unnamed.body, /name the service to roll back/)
    assert.equal((await post('/api/rollback', '{"revision": 2, "service": ["web"]}')).status, 400)
    assert.equal((await post('/api/rebuild', '[1]')).status, 400)
    await new Promise(resolve => setTimeout(resolve, 10))
    assert.deepEqual(calls, ['rebuild all', 'rebuild api', 'rollback web 2'])
  })

  it('runs the actions it is asked for with the token, and checks a rollback revision', async () => {
    const d = await start()
    assert.equal((await call(d.port, '/api/rebuild', {method: 'POST', token: d.token})).status, 202)
    assert.equal((await call(d.port, '/api/pause', {method: 'POST', token: d.token})).status, 200)
    assert.equal((await call(d.port, '/api/resume', {method: 'POST', token: d.token})).status, 200)
    assert.equal((await call(d.port, '/api/rollback', {method: 'POST', token: d.token, body: '{"revision": 3}'})).status, 202)
    assert.equal((await call(d.port, '/api/rollback', {method: 'POST', token: d.token, body: '{}'})).status, 202)
    assert.equal((await call(d.port, '/api/rollback', {method: 'POST', token: d.token, body: '{"revision": "3; rm"}'})).status, 400)
    assert.equal((await call(d.port, '/api/rollback', {method: 'POST', token: d.token, body: 'x'.repeat(5000)})).status, 413)
    await new Promise(resolve => setTimeout(resolve, 10))
    assert.deepEqual(calls, ['rebuild', 'pause', 'resume', 'rollback 3', 'rollback undefined'])
  })

  it('streams the state, then each event; hidden values never leave, in the stream, the state or a snapshot', async () => {
    const d = await start()
    d.publish({type: 'log-line', at: 1, pod: 'api-1', container: 'app', prefix: 'api-1', time: '', line: 'early line with pw-hunter2'})
    d.hide(['pw-hunter2'])
    const messages = stream(d.port, d.token, 3)
    await new Promise(resolve => setTimeout(resolve, 50))
    d.publish({type: 'log-line', at: 2, pod: 'api-1', container: 'app', prefix: 'api-1', time: '', line: 'token=pw-hunter2'})
    d.publish({type: 'change', at: 3, path: 'ignored-by-the-page', route: 'build'})
    d.publish({type: 'cycle-started', at: 4, cycle: 1, route: 'build', changes: ['src/a.js']})
    const [first, second, third] = await messages
    assert.match(first!, /^event: state\ndata: \{/)
    const initial = JSON.parse(first!.split('data: ')[1]!) as PageState
    assert.equal(initial.logs[0]!.text, `early line with ${MASK}`)
    assert.equal(JSON.parse(second!.slice('data: '.length)).line, `token=${MASK}`)
    assert.equal(JSON.parse(third!.slice('data: '.length)).type, 'cycle-started', 'an event that changes nothing is not sent')
    const whole = await call(d.port, '/api/state', {token: d.token})
    assert.doesNotMatch(whole.body, /pw-hunter2/)
    const saved = await call(d.port, '/api/snapshot', {method: 'POST', token: d.token})
    assert.equal(saved.status, 200)
    const {path} = JSON.parse(saved.body) as {path: string}
    assert.ok(path.startsWith(dir))
    assert.doesNotMatch(readFileSync(path, 'utf8'), /pw-hunter2/)
    const read = readSnapshot(path)
    assert.equal(read.mode, 'snapshot')
    assert.equal(read.cycles[0]!.cycle, 1)
  })

  it('a second dashboard takes the next free port', async () => {
    const a = await start()
    const b = await start()
    assert.notEqual(a.port, b.port)
    assert.equal((await call(b.port, '/')).status, 200)
  })

  it('a snapshot is read-only', async () => {
    const d = await start({actions: undefined, snapshotDir: undefined})
    assert.equal((await call(d.port, '/api/rebuild', {method: 'POST', token: d.token})).status, 403)
    assert.equal((await call(d.port, '/api/rollback', {method: 'POST', token: d.token, body: '{}'})).status, 403)
    assert.equal((await call(d.port, '/api/snapshot', {method: 'POST', token: d.token})).status, 409)
    assert.equal((await call(d.port, '/api/state', {token: d.token})).status, 200)
  })

  it('reads back only what Save snapshot wrote, naming the file', () => {
    const file = join(dir, 'x.json')
    writeFileSync(file, '{"kind": "something else"}')
    assert.throws(() => readSnapshot(file), (e: Error & {code?: string}) => e.code === 'SNAPSHOT_INVALID' && /x\.json is not a dashboard snapshot/.test(e.message))
    writeFileSync(file, 'not json')
    assert.throws(() => readSnapshot(file), /it is not JSON/)
    assert.throws(() => readSnapshot(join(dir, 'missing.json')), /it does not exist/)
  })
})
