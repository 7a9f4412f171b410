import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {delimiter, join} from 'node:path'
import {promisify} from 'node:util'

import {DraftError} from '../../src/core/errors.js'
import {DockerCredentialStore, type FoundCredentials} from '../../src/registry/credentials.js'
import {HttpRegistry} from '../../src/registry/registry.js'

/**
 * src/registry/ against the test bed's two real registries (distribution 2.8, one open, one with
 * htpasswd basic auth) and its Docker engine: what draft reads from a Docker config must be what
 * `docker push` uses, and what HttpRegistry answers must match what is really in the registry.
 */
const run = promisify(execFile)

interface Bed {
  open: string
  auth: string
  user: string
  password: string
}

function bedFromEnv(): Bed {
  const names = ['DRAFT_BED_REGISTRY', 'DRAFT_BED_AUTH_REGISTRY', 'DRAFT_BED_AUTH_USER', 'DRAFT_BED_AUTH_PASSWORD', 'DOCKER_HOST']
  const missing = names.filter(n => !process.env[n])
  if (missing.length > 0) {
    throw new Error(
      `the test bed is not in the environment (missing ${missing.join(', ')}). ` +
        'Run `npm run bed:up`, then `eval "$(npm run -s bed:env)"` in this shell, and run the tests again.',
    )
  }
  const env = process.env as Record<string, string>
  return {open: env.DRAFT_BED_REGISTRY!, auth: env.DRAFT_BED_AUTH_REGISTRY!, user: env.DRAFT_BED_AUTH_USER!, password: env.DRAFT_BED_AUTH_PASSWORD!}
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>(resolve => server.close(() => resolve()))
  assert.ok(address && typeof address === 'object')
  return address.port
}

describe('registry against the test bed', function () {
  let bed: Bed
  let work: string
  const registry = new HttpRegistry({timeoutMs: 5000})
  const repo = 'draft-it/registry-probe'
  const runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`
  const localImage = `draft-it-registry-probe:${runId}`
  const pushed: string[] = []

  /** A DOCKER_CONFIG dir holding this config.json. */
  const dockerConfig = (name: string, config: unknown): string => {
    const dir = join(work, name)
    mkdirSync(dir, {recursive: true})
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2))
    return dir
  }

  const docker = (args: string[], configDir: string, extraPath?: string) =>
    run('docker', args, {
      env: {...process.env, DOCKER_CONFIG: configDir, ...(extraPath ? {PATH: `${extraPath}${delimiter}${process.env.PATH ?? ''}`} : {})},
      maxBuffer: 16 * 1024 * 1024,
    })

  /** Tags the probe image as host/repo:tag and pushes it with the given Docker config. */
  const push = async (host: string, tag: string, configDir: string, extraPath?: string): Promise<string> => {
    const ref = `${host}/${repo}:${tag}`
    await docker(['tag', localImage, ref], configDir)
    pushed.push(ref)
    await docker(['push', ref], configDir, extraPath)
    return ref
  }

  before(async function () {
    bed = bedFromEnv()
    work = mkdtempSync(join(tmpdir(), 'draft-registry-it-'))
    // The bed builds debian:bookworm-slim locally; a one-line Dockerfile needs no network.
    const context = join(work, 'context')
    mkdirSync(context)
    writeFileSync(join(context, 'Dockerfile'), 'FROM debian:bookworm-slim\n')
    await docker(['build', '-q', '-t', localImage, context], dockerConfig('empty', {}))
  })

  after(async function () {
    if (!work) return
    for (const ref of [...pushed, localImage]) await docker(['rmi', ref], join(work, 'empty')).catch(() => undefined)
    rmSync(work, {recursive: true, force: true})
  })

  describe('check', () => {
    it('is ok for the open registry and unreachable for a closed port', async () => {
      assert.equal(await registry.check(bed.open), 'ok')
      const port = await closedPort()
      assert.equal(await registry.check(`127.0.0.1:${port}`), 'unreachable')
      await assert.rejects(registry.access(`127.0.0.1:${port}`), (error: unknown) => {
        assert.ok(error instanceof DraftError)
        assert.equal(error.message, `cannot reach registry 127.0.0.1:${port}: connection refused`)
        return true
      })
    })

    it('is unauthorized for the auth registry without credentials or with wrong ones, ok with the right ones', async () => {
      assert.equal(await registry.check(bed.auth), 'unauthorized')
      const wrong: FoundCredentials = {credentials: {kind: 'basic', username: bed.user, password: 'wrong-password-x'}, source: 'a test'}
      assert.equal(await registry.check(bed.auth, wrong), 'unauthorized')
      const right: FoundCredentials = {credentials: {kind: 'basic', username: bed.user, password: bed.password}, source: 'a test'}
      assert.equal(await registry.check(bed.auth, right), 'ok')

      await assert.rejects(registry.access(bed.auth, wrong), (error: unknown) => {
        assert.ok(error instanceof DraftError)
        assert.equal(error.code, 'REGISTRY_UNAUTHORIZED')
        assert.equal(error.message, `registry ${bed.auth} refused the credentials from a test`)
        assert.ok(!JSON.stringify({...error.toJSON(), stack: error.stack}).includes('wrong-password-x'))
        return true
      })
    })
  })

  describe('hasTag on the open registry', () => {
    it('is false for a missing tag and true once docker has pushed it', async () => {
      const tag = `open-${runId}`
      assert.equal(await registry.hasTag(`${bed.open}/${repo}:${tag}`), false)
      assert.equal(await registry.hasTag(`${bed.open}/draft-it/never-pushed-${runId}:x`), false)
      await push(bed.open, tag, join(work, 'empty'))
      assert.equal(await registry.hasTag(`${bed.open}/${repo}:${tag}`), true)
    })
  })

  describe('the auth registry with credentials from a Docker config', () => {
    it('reads them from `auths`, and docker pushes with the same config', async () => {
      const basic = Buffer.from(`${bed.user}:${bed.password}`).toString('base64')
      const configDir = dockerConfig('auths', {auths: {[bed.auth]: {auth: basic}}})
      const found = await new DockerCredentialStore({env: {DOCKER_CONFIG: configDir}}).forRegistry(bed.auth)
      assert.ok(found, 'no credentials found in auths')
      assert.equal(found.source, `auths[${JSON.stringify(bed.auth)}] in ${join(configDir, 'config.json')}`)
      assert.equal(await registry.check(bed.auth, found), 'ok')

      const tag = `auths-${runId}`
      const ref = `${bed.auth}/${repo}:${tag}`
      assert.equal(await registry.hasTag(ref, found), false)
      await assert.rejects(registry.hasTag(ref), /needs credentials/)
      await push(bed.auth, tag, configDir)
      assert.equal(await registry.hasTag(ref, found), true)
    })

    it('gets them from a credHelpers script, and docker pushes through the same helper', async () => {
      const bin = join(work, 'helper-bin')
      mkdirSync(bin, {recursive: true})
      // The helper protocol: the server URL on stdin, {ServerURL, Username, Secret} on stdout.
      const helper = `#!/bin/sh
url=$(cat)
if [ "$1" = get ] && [ "$url" = '${bed.auth}' ]; then
  printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}' "$url" '${bed.user}' '${bed.password}'
  exit 0
fi
[ "$1" = get ] || exit 0
echo 'credentials not found in native keychain'
exit 1
`
      writeFileSync(join(bin, 'docker-credential-draft-bed'), helper)
      chmodSync(join(bin, 'docker-credential-draft-bed'), 0o755)
      const configDir = dockerConfig('helper', {credHelpers: {[bed.auth]: 'draft-bed'}})

      const savedPath = process.env.PATH
      process.env.PATH = `${bin}${delimiter}${savedPath ?? ''}`
      try {
        const store = new DockerCredentialStore({env: {DOCKER_CONFIG: configDir}})
        const found = await store.forRegistry(bed.auth)
        assert.ok(found, 'the helper gave no credentials')
        assert.equal(found.source, `docker-credential-draft-bed (credHelpers in ${join(configDir, 'config.json')})`)
        assert.deepEqual(found.credentials, {kind: 'basic', username: bed.user, password: bed.password})
        assert.equal(await registry.check(bed.auth, found), 'ok')
        // A host the helper does not know is "no credentials"; the open registry needs none.
        assert.equal(await store.forRegistry(bed.open), undefined)

        const tag = `helper-${runId}`
        const ref = `${bed.auth}/${repo}:${tag}`
        assert.equal(await registry.hasTag(ref, found), false)
        await push(bed.auth, tag, configDir, bin)
        assert.equal(await registry.hasTag(ref, found), true)
      } finally {
        process.env.PATH = savedPath
      }
    })
  })

  describe('tags, digests and deletes (for draft delete --images)', () => {
    it('lists tags, reads the digest docker pushed, and deletes the manifest with every tag on it', async () => {
      const basic = Buffer.from(`${bed.user}:${bed.password}`).toString('base64')
      const configDir = dockerConfig('delete', {auths: {[bed.auth]: {auth: basic}}})
      const found = await new DockerCredentialStore({env: {DOCKER_CONFIG: configDir}}).forRegistry(bed.auth)
      assert.ok(found)
      const [a, b] = [`del-a-${runId}`, `del-b-${runId}`]
      await push(bed.auth, a, configDir)
      await push(bed.auth, b, configDir)
      const repository = `${bed.auth}/${repo}`
      const tags = await registry.tags(repository, found)
      assert.ok(tags.includes(a) && tags.includes(b), tags.join(' '))
      const digest = await registry.digest(`${repository}:${a}`, found)
      const {stdout} = await docker(['inspect', '--format', '{{json .RepoDigests}}', `${repository}:${a}`], configDir)
      assert.ok((JSON.parse(stdout) as string[]).includes(`${repository}@${digest}`), stdout)
      assert.equal(await registry.digest(`${repository}:${b}`, found), digest, 'one image, two tags')

      const anonymous = await registry.deleteManifest(repository, digest!)
      assert.equal(anonymous.status, 'refused')
      assert.match(anonymous.status === 'refused' ? anonymous.reason : '', /an anonymous user may not delete there \(HTTP 401/)

      assert.deepEqual(await registry.deleteManifest(repository, digest!, found), {status: 'deleted'})
      const after = await registry.tags(repository, found)
      assert.ok(!after.includes(a) && !after.includes(b), after.join(' '))
      assert.equal(await registry.digest(`${repository}:${a}`, found), undefined)
      assert.deepEqual(await registry.deleteManifest(repository, digest!, found), {status: 'missing'})
      assert.deepEqual(await registry.tags(`${bed.auth}/draft-it/never-pushed-${runId}`, found), [])
    })
  })
})
