import assert from 'node:assert/strict'

import {DraftError} from '../../../src/core/errors.js'
import {
  apiHost,
  credentialKey,
  familiarImageRef,
  formatImageRef,
  imageReference,
  imageRepository,
  parseImageRef,
} from '../../../src/registry/image-ref.js'

const DIGEST = `sha256:${'a'.repeat(64)}`

describe('parseImageRef', () => {
  const cases: Array<[string, string, string, string?, string?]> = [
    ['nginx', 'docker.io', 'library/nginx'],
    ['nginx:1.27', 'docker.io', 'library/nginx', '1.27'],
    ['me/app', 'docker.io', 'me/app'],
    ['docker.io/nginx', 'docker.io', 'library/nginx'],
    ['index.docker.io/me/app:v1', 'docker.io', 'me/app', 'v1'],
    ['localhost/app', 'localhost', 'app'],
    ['localhost:5000/app:dev', 'localhost:5000', 'app', 'dev'],
    ['127.0.0.1:45000/app', '127.0.0.1:45000', 'app'],
    ['ghcr.io/me/ns/app:1.0', 'ghcr.io', 'me/ns/app', '1.0'],
    ['registry:5000/app', 'registry:5000', 'app'],
    ['[::1]:5000/app:x', '[::1]:5000', 'app', 'x'],
    [`nginx@${DIGEST}`, 'docker.io', 'library/nginx', undefined, DIGEST],
    [`ghcr.io/me/app:1@${DIGEST}`, 'ghcr.io', 'me/app', '1', DIGEST],
    ['my_org/a__b/c-d--e.f', 'docker.io', 'my_org/a__b/c-d--e.f'],
  ]
  for (const [input, registry, path, tag, digest] of cases) {
    it(`parses ${input}`, () => {
      const ref = parseImageRef(input)
      assert.deepEqual(ref, {registry, path, ...(tag ? {tag} : {}), ...(digest ? {digest} : {})})
    })
  }

  it('treats a first component without . or : as a Docker Hub namespace', () => {
    assert.equal(parseImageRef('myregistry/app').registry, 'docker.io')
    assert.equal(parseImageRef('myregistry/app').path, 'myregistry/app')
  })

  const invalid: Array<[string, RegExp]> = [
    ['', /empty/],
    ['Nginx', /lower case/],
    ['ghcr.io/Me/app', /lower case/],
    ['app:', /not a valid tag/],
    ['app:-x', /not a valid tag/],
    [`app:${'t'.repeat(129)}`, /not a valid tag/],
    ['app@sha256:abc', /not a valid digest/],
    [`app@sha256:${'a'.repeat(63)}`, /64 hex/],
    ['https://ghcr.io/me/app', /scheme/],
    ['a//b', /empty path component/],
    ['-app', /not a valid path component/],
    ['ho_st.io/app', /not a valid registry host/],
    ['host.io:99999/app', /not a valid registry host/],
    ['a'.repeat(64), /image ID/],
    [`a/${'b'.repeat(255)}`, /longer than 255/],
  ]
  for (const [input, reason] of invalid) {
    it(`rejects ${JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)}`, () => {
      assert.throws(() => parseImageRef(input), (error: unknown) => {
        assert.ok(error instanceof DraftError)
        assert.equal(error.code, 'BAD_IMAGE_REF')
        assert.match(error.message, reason)
        return true
      })
    })
  }
})

describe('formatting references', () => {
  it('prints the fully qualified and the familiar form', () => {
    assert.equal(formatImageRef(parseImageRef('nginx')), 'docker.io/library/nginx')
    assert.equal(familiarImageRef(parseImageRef('docker.io/library/nginx:1')), 'nginx:1')
    assert.equal(familiarImageRef(parseImageRef('docker.io/me/app')), 'me/app')
    assert.equal(familiarImageRef(parseImageRef('docker.io/library/a/b')), 'library/a/b')
    assert.equal(familiarImageRef(parseImageRef(`127.0.0.1:45000/app:t@${DIGEST}`)), `127.0.0.1:45000/app:t@${DIGEST}`)
  })

  it('knows Docker Hub by its API host and its credential key', () => {
    assert.equal(apiHost('docker.io'), 'registry-1.docker.io')
    assert.equal(apiHost('ghcr.io'), 'ghcr.io')
    assert.equal(credentialKey('docker.io'), 'https://index.docker.io/v1/')
    assert.equal(credentialKey('127.0.0.1:45000'), '127.0.0.1:45000')
  })
})

describe('imageRepository and imageReference', () => {
  const cases: Array<[string, string, string]> = [
    ['127.0.0.1:45000', 'app', '127.0.0.1:45000/app'],
    ['ghcr.io/me', 'app', 'ghcr.io/me/app'],
    ['ghcr.io/me/', 'app', 'ghcr.io/me/app'],
    ['docker.io/me', 'app', 'docker.io/me/app'],
    ['me', 'app', 'me/app'],
    ['', 'app', 'app'],
    ['  localhost:5000 ', 'app', 'localhost:5000/app'],
  ]
  for (const [registry, name, expected] of cases) {
    it(`${JSON.stringify(registry)} + ${name} is ${expected}`, () => {
      assert.equal(imageRepository(registry, name), expected)
      assert.equal(imageReference(registry, name, 'abc123'), `${expected}:abc123`)
    })
  }

  it('rejects a scheme, a tag in the setting and a bad tag, naming the input', () => {
    assert.throws(() => imageRepository('https://ghcr.io/me', 'app'), /without http:\/\/ or https:\/\//)
    assert.throws(() => imageRepository('ghcr.io/me', 'app:1'), /must not carry a tag/)
    assert.throws(() => imageReference('ghcr.io/me', 'app', 'bad tag'), /"bad tag" is not a valid tag/)
    assert.throws(() => imageRepository('ghcr.io/Me', 'app'), /lower case/)
  })
})
