import {readFile} from 'node:fs/promises'
import {homedir} from 'node:os'
import {join} from 'node:path'

import {DraftError} from '../core/errors.js'
import {credentialKey, DOCKER_HUB_INDEX} from './image-ref.js'
import {CommandNotStartedError, type RunCommand, spawnCommand} from './run-command.js'

/**
 * Registry credentials, read from the user's Docker config exactly where and how the Docker CLI reads
 * them, so that `draft up` works wherever `docker push` works. Values in here are secrets: they go to
 * the registry and to the pull secret, never into a message, an event, a log line or an error.
 */
export type Credentials =
  | {kind: 'basic'; username: string; password: string}
  /** An OAuth refresh token (config.json `identitytoken`, or a helper answering Username `<token>`). */
  | {kind: 'identity-token'; identityToken: string; username?: string}

export interface FoundCredentials {
  credentials: Credentials
  /** Where they came from, for messages, e.g. `auths["ghcr.io"] in /home/me/.docker/config.json`. */
  source: string
}

export interface CredentialStore {
  /** Credentials for a registry host (`127.0.0.1:45000`, `ghcr.io`, `docker.io`), or undefined if none. */
  forRegistry(registry: string): Promise<FoundCredentials | undefined>
}

export interface DockerCredentialOptions {
  env?: NodeJS.ProcessEnv
  homeDir?: string
  runCommand?: RunCommand
}

/** `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`, as the Docker CLI resolves it. */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const dir = env.DOCKER_CONFIG ? env.DOCKER_CONFIG : join(home, '.docker')
  return join(dir, 'config.json')
}

/** Docker's convertToHostname: the host part of a config key stored as a URL or with a path. */
export function keyHostname(key: string): string {
  const bare = key.replace(/^https?:\/\//, '')
  const slash = bare.indexOf('/')
  return slash === -1 ? bare : bare.slice(0, slash)
}

// Other tools (podman, skopeo, crane) write Docker Hub as a bare host; Docker itself only ever uses
// the index URL. Accepting both for Docker Hub alone cannot select credentials meant for another host.
const HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io'])
const sameRegistry = (key: string, wanted: string): boolean =>
  wanted === DOCKER_HUB_INDEX ? key === DOCKER_HUB_INDEX || HUB_HOSTS.has(keyHostname(key)) : keyHostname(key) === wanted

interface AuthEntry {
  auth?: string
  username?: string
  password?: string
  identitytoken?: string
}

interface DockerConfig {
  auths: Record<string, AuthEntry>
  credHelpers: Record<string, string>
  credsStore?: string
}

const NOT_FOUND = 'credentials not found in native keychain'

export class DockerCredentialStore implements CredentialStore {
  readonly configPath: string
  private readonly run: RunCommand

  constructor(options: DockerCredentialOptions = {}) {
    this.configPath = dockerConfigPath(options.env ?? process.env, options.homeDir ?? homedir())
    this.run = options.runCommand ?? spawnCommand()
  }

  async forRegistry(registry: string): Promise<FoundCredentials | undefined> {
    const config = await this.readConfig()
    if (!config) return undefined
    const key = credentialKey(registry)

    // Docker's order: a per-host helper, else the global store, else the file; the first that
    // applies is final, even when it has nothing (no fallback from a store to `auths`).
    const helperKey = Object.keys(config.credHelpers).find(k => k === key) ??
      (key === DOCKER_HUB_INDEX ? Object.keys(config.credHelpers).find(k => sameRegistry(k, key)) : undefined)
    if (helperKey !== undefined) {
      const helper = config.credHelpers[helperKey] as string
      return this.fromHelper(helper, key, `docker-credential-${helper} (credHelpers in ${this.configPath})`)
    }
    if (config.credsStore) {
      return this.fromHelper(config.credsStore, key, `docker-credential-${config.credsStore} (credsStore in ${this.configPath})`)
    }

    const authKey = key in config.auths ? key : Object.keys(config.auths).find(k => sameRegistry(k, key))
    if (authKey === undefined) return undefined
    const credentials = this.fromEntry(authKey, config.auths[authKey] as AuthEntry)
    return credentials && {credentials, source: `auths[${JSON.stringify(authKey)}] in ${this.configPath}`}
  }

  private invalid(problem: string, text?: string, needle?: string): DraftError<'DOCKER_CONFIG_INVALID'> {
    const at = text !== undefined && needle !== undefined ? text.indexOf(JSON.stringify(needle)) : -1
    const line = at === -1 || text === undefined ? undefined : lineAt(text, at)
    return new DraftError('DOCKER_CONFIG_INVALID', {file: this.configPath, line, problem})
  }

  private async readConfig(): Promise<DockerConfig | undefined> {
    let text: string
    try {
      text = await readFile(this.configPath, 'utf8')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
      throw new DraftError('DOCKER_CONFIG_INVALID', {file: this.configPath, problem: `cannot be read (${code ?? 'unknown error'})`})
    }
    if (text.trim() === '') return undefined

    let raw: unknown
    try {
      raw = JSON.parse(text)
    } catch (error) {
      // JSON.parse's own message may quote the text around the error, which can be a secret.
      const message = (error as Error).message
      const position = /position (\d+)/.exec(message)
      const lineMatch = /line (\d+)/.exec(message)
      const line = lineMatch ? Number(lineMatch[1]) : position ? lineAt(text, Number(position[1])) : undefined
      throw new DraftError('DOCKER_CONFIG_INVALID', {file: this.configPath, line, problem: 'is not valid JSON'})
    }
    if (!isObject(raw)) throw this.invalid('must hold a JSON object')

    const auths: Record<string, AuthEntry> = {}
    if (raw.auths !== undefined) {
      if (!isObject(raw.auths)) throw this.invalid('"auths" must be an object', text, 'auths')
      for (const [host, entry] of Object.entries(raw.auths)) {
        if (!isObject(entry)) throw this.invalid(`auths[${JSON.stringify(host)}] must be an object`, text, host)
        for (const field of ['auth', 'username', 'password', 'identitytoken'] as const) {
          if (entry[field] !== undefined && typeof entry[field] !== 'string') {
            throw this.invalid(`auths[${JSON.stringify(host)}].${field} must be a string`, text, host)
          }
        }
        auths[host] = entry as AuthEntry
      }
    }
    const credHelpers: Record<string, string> = {}
    if (raw.credHelpers !== undefined) {
      if (!isObject(raw.credHelpers)) throw this.invalid('"credHelpers" must be an object', text, 'credHelpers')
      for (const [host, helper] of Object.entries(raw.credHelpers)) {
        if (typeof helper !== 'string' || !/^[\w.-]+$/.test(helper)) {
          throw this.invalid(`credHelpers[${JSON.stringify(host)}] must be a helper name, e.g. "pass"`, text, host)
        }
        credHelpers[host] = helper
      }
    }
    const store = raw.credsStore
    if (store !== undefined && (typeof store !== 'string' || (store !== '' && !/^[\w.-]+$/.test(store)))) {
      throw this.invalid('"credsStore" must be a helper name, e.g. "desktop"', text, 'credsStore')
    }
    return {auths, credHelpers, ...(store ? {credsStore: store} : {})}
  }

  private fromEntry(key: string, entry: AuthEntry): Credentials | undefined {
    if (entry.identitytoken) {
      return {kind: 'identity-token', identityToken: entry.identitytoken, ...(entry.username ? {username: entry.username} : {})}
    }
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      if (colon === -1 || !/^[A-Za-z0-9+/=\s]+$/.test(entry.auth)) {
        throw this.invalid(`auths[${JSON.stringify(key)}].auth is not base64 of "username:password"`)
      }
      return {kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1)}
    }
    if (entry.username && entry.password) return {kind: 'basic', username: entry.username, password: entry.password}
    // `docker login` with a credential store leaves `{}` here; that means "nothing in the file".
    return undefined
  }

  private async fromHelper(helper: string, key: string, source: string): Promise<FoundCredentials | undefined> {
    const program = `docker-credential-${helper}`
    const fail = (reason: string) =>
      new DraftError('CREDENTIAL_HELPER_FAILED', {helper, registry: key, reason, file: this.configPath})

    let result
    try {
      // Docker writes the bare server URL, without a newline; some helpers depend on that.
      result = await this.run(program, ['get'], key)
    } catch (error) {
      if (error instanceof CommandNotStartedError) {
        throw fail(error.code === 'ENOENT' ? `${program} is not on PATH` : `${program} could not be started (${error.code})`)
      }
      throw fail(`${program} failed (${(error as Error).name})`)
    }

    if (result.exitCode !== 0) {
      const said = `${result.stdout}\n${result.stderr}`
      if (said.includes(NOT_FOUND)) return undefined
      throw fail(`it exited with code ${result.exitCode}${helperMessage(result.stdout, result.stderr)}`)
    }

    let answer: unknown
    try {
      answer = JSON.parse(result.stdout)
    } catch {
      throw fail('its answer is not the JSON of the credential-helper protocol')
    }
    if (!isObject(answer) || typeof answer.Secret !== 'string' || (answer.Username !== undefined && typeof answer.Username !== 'string')) {
      throw fail('its answer has no string "Secret" (the credential-helper protocol needs Username and Secret)')
    }
    const username = typeof answer.Username === 'string' ? answer.Username : ''
    if (answer.Secret === '') return undefined
    const credentials: Credentials = username === '<token>'
      ? {kind: 'identity-token', identityToken: answer.Secret}
      : {kind: 'basic', username, password: answer.Secret}
    return {credentials, source}
  }
}

/**
 * What a failing helper said, for the error. Only short plain lines pass: an answer that looks like
 * the protocol's JSON may hold the very secret we must not show.
 */
function helperMessage(stdout: string, stderr: string): string {
  const line = `${stdout.trim()}\n${stderr.trim()}`.split('\n').map(l => l.trim()).find(l => l !== '')
  if (!line || line.includes('{') || /secret/i.test(line)) return ''
  return `: ${line.length > 160 ? `${line.slice(0, 157)}...` : line}`
}

function lineAt(text: string, index: number): number {
  let line = 1
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line++
  return line
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
