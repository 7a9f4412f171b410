import assert from 'node:assert/strict'

import {MASK, Redactor} from '../../../src/dashboard/redact.js'
import {checkRequest, hostAllowed, routeOf, tokenMatches} from '../../../src/dashboard/security.js'

describe('dashboard security decisions', () => {
  it('takes only 127.0.0.1, localhost and [::1] with its own port as Host', () => {
    for (const host of ['127.0.0.1:7770', 'localhost:7770', 'LOCALHOST:7770', '[::1]:7770']) assert.ok(hostAllowed(host, 7770), host)
    for (const host of [undefined, '', '127.0.0.1', '127.0.0.1:7771', 'evil.example:7770', '127.0.0.1.evil.example:7770', 'localhost.evil:7770', '[::1]', '0.0.0.0:7770', '127.0.0.2:7770']) {
      assert.ok(!hostAllowed(host, 7770), String(host))
    }
  })

  it('needs the exact bearer token', () => {
    assert.ok(tokenMatches('Bearer abc123', 'abc123'))
    for (const header of [undefined, '', 'abc123', 'Bearer abc12', 'Bearer abc1234', 'Basic abc123', 'Bearer  abc123']) assert.ok(!tokenMatches(header, 'abc123'), String(header))
  })

  it('answers 403, 404, 401 and 405 in that order, and lets the static page through without the token', () => {
    const server = {port: 7770, token: 't0k3n'}
    const ask = (method: string, path: string, options: {host?: string; auth?: string} = {}) =>
      checkRequest({method, host: options.host ?? '127.0.0.1:7770', authorization: options.auth, route: routeOf(path)}, server)?.status
    const auth = 'Bearer t0k3n'
    assert.equal(ask('GET', '/api/state', {host: 'evil.example:7770', auth}), 403)
    assert.equal(ask('GET', '/', {host: 'evil.example:7770'}), 403)
    assert.equal(ask('GET', '/../../etc/passwd', {auth}), 404)
    assert.equal(ask('GET', '/'), undefined)
    assert.equal(ask('GET', '/state.js'), undefined)
    assert.equal(ask('POST', '/'), 405)
    assert.equal(ask('GET', '/api/state'), 401)
    assert.equal(ask('GET', '/api/events', {auth: 'Bearer nope'}), 401)
    assert.equal(ask('POST', '/api/rebuild'), 401)
    assert.equal(ask('GET', '/api/rebuild', {auth}), 405)
    assert.equal(ask('GET', '/api/rollback', {auth}), 405)
    assert.equal(ask('POST', '/api/state', {auth}), 405)
    assert.equal(ask('POST', '/api/rebuild', {auth}), undefined)
    assert.equal(ask('GET', '/api/events', {auth}), undefined)
    assert.equal(ask('OPTIONS', '/api/rebuild', {auth}), 405)
  })
})

describe('Redactor', () => {
  it('masks secrets in strings, JSON-escaped, and base64 of user:password, deep in values', () => {
    const r = new Redactor()
    assert.equal(r.value({a: 'x'}).a, 'x')
    r.add(['s3cr"et', 'draft:pw-value', 'ab'])
    assert.equal(r.text('token s3cr"et here'), `token ${MASK} here`)
    assert.equal(r.text(JSON.stringify({v: 's3cr"et'})), `{"v":"${MASK}"}`)
    assert.equal(r.text(`auth ${Buffer.from('draft:pw-value').toString('base64')}`), `auth ${MASK}`)
    assert.equal(r.text('ab stays: too short to be a secret'), 'ab stays: too short to be a secret')
    const value = {type: 'log-line', line: 'pw draft:pw-value!', nested: [{x: 's3cr"et'}], n: 3}
    assert.deepEqual(r.value(value), {type: 'log-line', line: `pw ${MASK}!`, nested: [{x: MASK}], n: 3})
    const clean = {type: 'x', line: 'nothing here'}
    assert.equal(r.value(clean), clean, 'an object with nothing to mask is not copied')
  })
})
