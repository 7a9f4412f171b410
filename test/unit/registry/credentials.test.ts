import assert from 'node:assert/strict'
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {delimiter, join} from 'node:path'

import {DockerCredentialStore, dockerConfigPath, keyHostname} from '../../../src/registry/credentials.js'
import type {RunCommand} from '../../../src/registry/run-command.js'
import {assertNoSecret, rejectsWith} from './secrets.js'

const b64 = (s: string) => Buffer.from(s).toString('base64')

// A credential helper speaking Docker's protocol: the server URL on stdin, JSON on stdout.
const HELPER = `#!/bin/sh
dir=$(dirname "$0")
cat > "$dir/last-url"
url=$(cat "$dir/last-url")
case "$url" in
  127.0.0.1:45001) printf '{"ServerURL":"%s","Username":"helper-user","Secret":"helper-secret-1"}\\n' "$url" ;;
  https://index.docker.io/v1/) printf '{"ServerURL":"%s","Username":"<token>","Secret":"hub-refresh-2"}' "$url" ;;
  locked.example) echo 'pass store is locked' >&2; exit 3 ;;
  leaky.example) echo '{"Username":"u","Secret":"leaky-secret-3"}'; exit 1 ;;
  garbage.example) echo 'Username=u Secret=garbage-secret-4' ;;
  empty.example) echo '{"ServerURL":"empty.example","Username":"","Secret":""}' ;;
  *) echo 'credentials not found in native keychain'; exit 1 ;;
esac
`

describe('DockerCredentialStore', () => {
  let root: string
  let bin: string
  let savedPath: string | undefined

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'draft-creds-'))
    bin = join(root, 'bin')
    mkdirSync(bin)
    writeFileSync(join(bin, 'docker-credential-fake'), HELPER)
    chmodSync(join(bin, 'docker-credential-fake'), 0o755)
    writeFileSync(join(bin, 'docker-credential-noexec'), HELPER)
    chmodSync(join(bin, 'docker-credential-noexec'), 0o644)
    savedPath = process.env.PATH
    process.env.PATH = `${bin}${delimiter}${savedPath ?? ''}`
  })

  after(() => {
    process.env.PATH = savedPath
    rmSync(root, {recursive: true, force: true})
  })

  let n = 0
  /** A fresh DOCKER_CONFIG dir holding `config` (a string is written as is). */
  const store = (config?: unknown, runCommand?: RunCommand) => {
    const dir = join(root, `config-${n++}`)
    mkdirSync(dir)
    if (config !== undefined) writeFileSync(join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config, null, 2))
    return new DockerCredentialStore({env: {DOCKER_CONFIG: dir}, homeDir: '/nonexistent-home', ...(runCommand ? {runCommand} : {})})
  }

  describe('where the config lives', () => {
    it('uses $DOCKER_CONFIG, else ~/.docker', () => {
      assert.equal(dockerConfigPath({DOCKER_CONFIG: '/etc/dc'}, '/home/me'), '/etc/dc/config.json')
      assert.equal(dockerConfigPath({DOCKER_CONFIG: ''}, '/home/me'), '/home/me/.docker/config.json')
      assert.equal(dockerConfigPath({}, '/home/me'), '/home/me/.docker/config.json')
    })

    it('treats a missing or empty config as no credentials', async () => {
      assert.equal(await store().forRegistry('ghcr.io'), undefined)
      assert.equal(await store('').forRegistry('ghcr.io'), undefined)
      const home = new DockerCredentialStore({env: {}, homeDir: join(root, 'no-such-home')})
      assert.equal(await home.forRegistry('ghcr.io'), undefined)
    })
  })

  describe('auths', () => {
    it('decodes base64 auth, and names the source without the secret', async () => {
      const s = store({auths: {'127.0.0.1:45001': {auth: b64('draft:pa:ss')}}})
      const found = await s.forRegistry('127.0.0.1:45001')
      assert.deepEqual(found?.credentials, {kind: 'basic', username: 'draft', password: 'pa:ss'})
      assert.equal(found?.source, `auths["127.0.0.1:45001"] in ${s.configPath}`)
      assert.equal(await s.forRegistry('127.0.0.1:45000'), undefined)
    })

    it('reads username/password and identitytoken entries', async () => {
      const s = store({
        auths: {
          'a.example': {username: 'u', password: 'p'},
          'b.example': {auth: b64('u:p'), identitytoken: 'refresh'},
          'c.example': {},
        },
      })
      assert.deepEqual((await s.forRegistry('a.example'))?.credentials, {kind: 'basic', username: 'u', password: 'p'})
      assert.deepEqual((await s.forRegistry('b.example'))?.credentials, {kind: 'identity-token', identityToken: 'refresh'})
      assert.equal(await s.forRegistry('c.example'), undefined)
    })

    it('matches keys stored as URLs or with paths, as Docker does', async () => {
      const s = store({auths: {'https://ghcr.io/v2/': {auth: b64('g:1')}, 'http://quay.io': {auth: b64('q:2')}}})
      assert.equal((await s.forRegistry('ghcr.io'))?.source, `auths["https://ghcr.io/v2/"] in ${s.configPath}`)
      assert.deepEqual((await s.forRegistry('quay.io'))?.credentials, {kind: 'basic', username: 'q', password: '2'})
      assert.equal(await s.forRegistry('ghcr.io:443'), undefined)
      assert.equal(keyHostname('https://host:5000/some/path'), 'host:5000')
    })

    it('prefers the exact key over a normalised one', async () => {
      const s = store({auths: {'https://ghcr.io/': {auth: b64('url:1')}, 'ghcr.io': {auth: b64('exact:2')}}})
      assert.deepEqual((await s.forRegistry('ghcr.io'))?.credentials, {kind: 'basic', username: 'exact', password: '2'})
    })

    it('finds Docker Hub under its index URL, and under the bare hosts other tools write', async () => {
      const s = store({auths: {'https://index.docker.io/v1/': {auth: b64('hub:1')}}})
      assert.deepEqual((await s.forRegistry('docker.io'))?.credentials, {kind: 'basic', username: 'hub', password: '1'})
      const podman = store({auths: {'docker.io': {auth: b64('hub:2')}}})
      assert.deepEqual((await podman.forRegistry('docker.io'))?.credentials, {kind: 'basic', username: 'hub', password: '2'})
      // ...but a bare host never borrows Docker Hub's entry.
      assert.equal(await s.forRegistry('index.example'), undefined)
    })
  })

  describe('malformed config', () => {
    it('names the file and the line of a JSON syntax error, without quoting the text', async () => {
      const s = store('{\n  "auths": {\n    "h": {"auth": "c2VjcmV0LXZhbHVl"}\n  },,\n}\n')
      const error = await rejectsWith(() => s.forRegistry('h'), 'DOCKER_CONFIG_INVALID')
      assert.equal(error.context && (error.context as {file: string}).file, s.configPath)
      assert.equal(error.location, undefined)
      assert.match(error.message, new RegExp(`^${s.configPath.replace(/[/.]/g, '\\$&')}:4: is not valid JSON$`))
      assertNoSecret(error, 'c2VjcmV0LXZhbHVl', 'secret-value')
    })

    it('names the key of a wrongly typed field and its line', async () => {
      const s = store('{\n  "auths": {},\n  "credHelpers": {\n    "ghcr.io": 42\n  }\n}\n')
      const error = await rejectsWith(() => s.forRegistry('ghcr.io'), 'DOCKER_CONFIG_INVALID')
      assert.match(error.message, /:4: credHelpers\["ghcr.io"\] must be a helper name/)
      await rejectsWith(() => store('[1]').forRegistry('x'), 'DOCKER_CONFIG_INVALID')
      await rejectsWith(() => store({auths: {h: 'nope'}}).forRegistry('x'), 'DOCKER_CONFIG_INVALID')
      await rejectsWith(() => store({credsStore: 'a b'}).forRegistry('x'), 'DOCKER_CONFIG_INVALID')
    })

    it('rejects an auth that is not user:password, without showing it', async () => {
      const s = store({auths: {h: {auth: b64('no-colon-secret')}}})
      const error = await rejectsWith(() => s.forRegistry('h'), 'DOCKER_CONFIG_INVALID')
      assert.match(error.message, /auths\["h"\]\.auth is not base64 of "username:password"/)
      assertNoSecret(error, 'no-colon-secret')
    })

    it('reports an unreadable config as invalid, naming it', async () => {
      const s = store()
      mkdirSync(s.configPath)
      const error = await rejectsWith(() => s.forRegistry('h'), 'DOCKER_CONFIG_INVALID')
      assert.match(error.message, /cannot be read \(EISDIR\)/)
    })
  })

  describe('credential helpers', () => {
    it('asks credHelpers[host] with the bare server URL on stdin', async () => {
      const s = store({credHelpers: {'127.0.0.1:45001': 'fake'}, auths: {'127.0.0.1:45001': {auth: b64('file:ignored')}}})
      const found = await s.forRegistry('127.0.0.1:45001')
      assert.deepEqual(found?.credentials, {kind: 'basic', username: 'helper-user', password: 'helper-secret-1'})
      assert.equal(found?.source, `docker-credential-fake (credHelpers in ${s.configPath})`)
      assert.equal(readFileSync(join(bin, 'last-url'), 'utf8'), '127.0.0.1:45001')
    })

    it('uses credsStore for every host without a credHelpers entry, and it is final', async () => {
      const s = store({credsStore: 'fake', auths: {'other.example': {auth: b64('file:ignored')}}})
      assert.equal((await s.forRegistry('127.0.0.1:45001'))?.source, `docker-credential-fake (credsStore in ${s.configPath})`)
      // Docker does not fall back from the store to `auths`.
      assert.equal(await s.forRegistry('other.example'), undefined)
    })

    it('turns a <token> username into an identity token, with Docker Hub\'s key', async () => {
      const s = store({credHelpers: {'https://index.docker.io/v1/': 'fake'}})
      assert.deepEqual((await s.forRegistry('docker.io'))?.credentials, {kind: 'identity-token', identityToken: 'hub-refresh-2'})
      assert.equal(readFileSync(join(bin, 'last-url'), 'utf8'), 'https://index.docker.io/v1/')
    })

    it('treats "credentials not found" and an empty secret as no credentials', async () => {
      const s = store({credsStore: 'fake'})
      assert.equal(await s.forRegistry('unknown.example'), undefined)
      assert.equal(await s.forRegistry('empty.example'), undefined)
    })

    it('reports a missing or failing helper with the helper and the registry, never the secret', async () => {
      const missing = await rejectsWith(() => store({credsStore: 'absent'}).forRegistry('ghcr.io'), 'CREDENTIAL_HELPER_FAILED')
      assert.match(missing.message, /docker-credential-absent could not give the credentials for ghcr.io: docker-credential-absent is not on PATH/)
      assert.match(missing.fix, /echo ghcr.io \| docker-credential-absent get/)

      const noexec = await rejectsWith(() => store({credsStore: 'noexec'}).forRegistry('ghcr.io'), 'CREDENTIAL_HELPER_FAILED')
      assert.match(noexec.message, /could not be started \(EACCES\)/)

      const locked = await rejectsWith(() => store({credsStore: 'fake'}).forRegistry('locked.example'), 'CREDENTIAL_HELPER_FAILED')
      assert.match(locked.message, /exited with code 3: pass store is locked/)

      const leaky = await rejectsWith(() => store({credsStore: 'fake'}).forRegistry('leaky.example'), 'CREDENTIAL_HELPER_FAILED')
      assert.match(leaky.message, /exited with code 1$/)
      assertNoSecret(leaky, 'leaky-secret-3')

      const garbage = await rejectsWith(() => store({credsStore: 'fake'}).forRegistry('garbage.example'), 'CREDENTIAL_HELPER_FAILED')
      assert.match(garbage.message, /not the JSON of the credential-helper protocol/)
      assertNoSecret(garbage, 'garbage-secret-4')
    })

    it('takes the runner as an argument', async () => {
      const asked: Array<[string, string[], string]> = []
      const run: RunCommand = async (cmd, args, input) => {
        asked.push([cmd, args, input])
        return {exitCode: 0, stdout: JSON.stringify({ServerURL: input, Username: 'u', Secret: 's'}), stderr: ''}
      }
      const found = await store({credHelpers: {'ghcr.io': 'gh'}}, run).forRegistry('ghcr.io')
      assert.deepEqual(asked, [['docker-credential-gh', ['get'], 'ghcr.io']])
      assert.deepEqual(found?.credentials, {kind: 'basic', username: 'u', password: 's'})
    })
  })
})
