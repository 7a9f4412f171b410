import {createHash} from 'node:crypto'

import {connectionFailure} from '../core/connection.js'
import {DraftError} from '../core/errors.js'
import type {FoundCredentials} from './credentials.js'
import {apiHost, type ImageRef, parseImageRef} from './image-ref.js'

/**
 * The registry's HTTP API (OCI distribution), for the two questions `draft up` asks before it
 * builds (can I talk to this registry with these credentials, and does it already have this tag), and
 * for `draft delete --images` (which tags are there, what they point at, delete a manifest).
 * Pushing itself is Docker's job (src/docker/), which talks to the registry on its own.
 */
export type RegistryStatus = 'ok' | 'unauthorized' | 'unreachable'

/** What a registry did with a DELETE. Refusing is an answer, not a failure: many registries never delete. */
export type DeleteOutcome = {status: 'deleted'} | {status: 'missing'} | {status: 'refused'; reason: string}

export interface RequestOptions {
  /** Aborts the request (Ctrl-C); the abort reason is thrown as is, not turned into a DraftError. */
  signal?: AbortSignal
}

export interface Registry {
  /** GET /v2/: never throws for a refused connection or refused credentials. */
  check(registry: string, auth?: FoundCredentials, options?: RequestOptions): Promise<RegistryStatus>
  /** Like check, but throws REGISTRY_UNREACHABLE or REGISTRY_UNAUTHORIZED with the reason. */
  access(registry: string, auth?: FoundCredentials, options?: RequestOptions): Promise<void>
  /** Whether `ref`'s tag has a manifest; false for a missing tag or repository. */
  hasTag(ref: ImageRef | string, auth?: FoundCredentials, options?: RequestOptions): Promise<boolean>
  /** Every tag of `registry/path`, across pages; none when the repository does not exist. */
  tags(repository: string, auth?: FoundCredentials, options?: RequestOptions): Promise<string[]>
  /** The digest of the manifest `ref`'s tag points at; undefined when there is no such tag. */
  digest(ref: ImageRef | string, auth?: FoundCredentials, options?: RequestOptions): Promise<string | undefined>
  /** Deletes a manifest by digest (the registry removes every tag that points at it). */
  deleteManifest(repository: string, digest: string, auth?: FoundCredentials, options?: RequestOptions): Promise<DeleteOutcome>
}

/** What `access` concluded, as a status: `check` is `access` that does not throw for the two expected answers. */
export async function statusOf(access: Promise<void>): Promise<RegistryStatus> {
  try {
    await access
    return 'ok'
  } catch (error) {
    if (error instanceof DraftError && error.code === 'REGISTRY_UNREACHABLE') return 'unreachable'
    if (error instanceof DraftError && error.code === 'REGISTRY_UNAUTHORIZED') return 'unauthorized'
    throw error
  }
}

export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ')

/**
 * A registry that cannot be reached, whoever found out: this folder's HTTP check, or Docker's push
 * (src/docker/), so that both read the same.
 */
export function registryUnreachable(registry: string, reason: string, cause?: unknown): DraftError<'REGISTRY_UNREACHABLE'> {
  return new DraftError('REGISTRY_UNREACHABLE', {registry, reason, local: isLoopbackRegistry(registry)}, cause === undefined ? {} : {cause})
}

/** Hosts Docker talks plain HTTP to without configuration: localhost and 127.0.0.0/8 (and ::1). */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.startsWith('[') ? registry.slice(1, registry.indexOf(']')) : registry.replace(/:\d+$/, '')
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

export interface Challenge {
  scheme: string
  params: Record<string, string>
}

/** Parses WWW-Authenticate, which may hold several challenges joined by commas. */
export function parseChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = []
  // Either a scheme name, or a name=value (value quoted or bare), each followed by an optional comma.
  const item = /\s*([A-Za-z][\w-]*)\s*(=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*)))?\s*,?/y
  let current: Challenge | undefined
  while (item.lastIndex < header.length) {
    const m = item.exec(header)
    if (!m || m[0] === '' || m[1] === undefined) break
    if (m[2] === undefined) {
      current = {scheme: m[1].toLowerCase(), params: {}}
      challenges.push(current)
    } else if (current) {
      current.params[m[1].toLowerCase()] = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : (m[4] ?? '')
    }
  }
  return challenges
}

export interface HttpRegistryOptions {
  /** Injected for tests; Node's fetch otherwise. */
  fetch?: typeof fetch
  /** Per request, including the token request. */
  timeoutMs?: number
  /** Extra hosts to reach over plain HTTP (the daemon's insecure-registries). */
  insecureRegistries?: readonly string[]
}

interface Target {
  registry: string
  auth?: FoundCredentials
  signal?: AbortSignal
}

const basic = (c: {username: string; password: string}): string =>
  `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}`

export class HttpRegistry implements Registry {
  private readonly fetch: typeof fetch
  private readonly timeoutMs: number
  private readonly insecure: ReadonlySet<string>

  constructor(options: HttpRegistryOptions = {}) {
    this.fetch = options.fetch ?? globalThis.fetch
    this.timeoutMs = options.timeoutMs ?? 10_000
    this.insecure = new Set(options.insecureRegistries ?? [])
  }

  check(registry: string, auth?: FoundCredentials, options: RequestOptions = {}): Promise<RegistryStatus> {
    return statusOf(this.access(registry, auth, options))
  }

  async access(registry: string, auth?: FoundCredentials, options: RequestOptions = {}): Promise<void> {
    const target = {registry, auth, signal: options.signal}
    const response = await this.send(target, 'GET', '/v2/', {}, undefined)
    await discard(response)
    if (response.status === 200) return
    throw this.statusError(target, 'GET /v2/', response)
  }

  async hasTag(ref: ImageRef | string, auth?: FoundCredentials, options: RequestOptions = {}): Promise<boolean> {
    const image = typeof ref === 'string' ? parseImageRef(ref) : ref
    const reference = image.digest ?? image.tag ?? 'latest'
    const path = `/v2/${image.path}/manifests/${reference}`
    const target = {registry: image.registry, auth, signal: options.signal}
    const scope = `repository:${image.path}:pull`
    const headers = {Accept: MANIFEST_ACCEPT}

    let method = 'HEAD'
    let response = await this.send(target, method, path, headers, scope)
    // A few registries do not implement HEAD on manifests.
    if (response.status === 405 || response.status === 501) {
      await discard(response)
      method = 'GET'
      response = await this.send(target, method, path, headers, scope)
    }
    await discard(response)
    if (response.status === 200) return true
    if (response.status === 404) return false
    throw this.statusError(target, `${method} ${path}`, response)
  }

  async tags(repository: string, auth?: FoundCredentials, options: RequestOptions = {}): Promise<string[]> {
    const image = parseImageRef(repository)
    const target = {registry: image.registry, auth, signal: options.signal}
    const scope = `repository:${image.path}:pull`
    const tags: string[] = []
    let path: string | undefined = `/v2/${image.path}/tags/list?n=1000`
    // A registry that keeps answering with a next page is not followed for ever.
    for (let page = 0; path && page < 100; page++) {
      const response = await this.send(target, 'GET', path, {Accept: 'application/json'}, scope)
      if (response.status === 404) {
        await discard(response)
        return tags
      }
      if (response.status !== 200) {
        await discard(response)
        throw this.statusError(target, `GET ${path}`, response)
      }
      const body = (await response.json().catch(() => ({}))) as {tags?: unknown}
      if (Array.isArray(body.tags)) tags.push(...body.tags.filter((t): t is string => typeof t === 'string'))
      path = nextPage(response.headers.get('link'))
    }
    return tags
  }

  async digest(ref: ImageRef | string, auth?: FoundCredentials, options: RequestOptions = {}): Promise<string | undefined> {
    const image = typeof ref === 'string' ? parseImageRef(ref) : ref
    const path = `/v2/${image.path}/manifests/${image.digest ?? image.tag ?? 'latest'}`
    const target = {registry: image.registry, auth, signal: options.signal}
    const scope = `repository:${image.path}:pull`
    const headers = {Accept: MANIFEST_ACCEPT}
    const head = await this.send(target, 'HEAD', path, headers, scope)
    await discard(head)
    if (head.status === 404) return undefined
    const fromHead = head.headers.get('docker-content-digest')
    if (head.status === 200 && fromHead) return fromHead
    if (head.status !== 200 && head.status !== 405 && head.status !== 501) throw this.statusError(target, `HEAD ${path}`, head)
    // Without HEAD or its header, the digest is the hash of the manifest's bytes, as the registry stores them.
    const get = await this.send(target, 'GET', path, headers, scope)
    if (get.status === 404) {
      await discard(get)
      return undefined
    }
    if (get.status !== 200) {
      await discard(get)
      throw this.statusError(target, `GET ${path}`, get)
    }
    const bytes = Buffer.from(await get.arrayBuffer())
    return get.headers.get('docker-content-digest') ?? `sha256:${createHash('sha256').update(bytes).digest('hex')}`
  }

  async deleteManifest(repository: string, digest: string, auth?: FoundCredentials, options: RequestOptions = {}): Promise<DeleteOutcome> {
    const image = parseImageRef(repository)
    const path = `/v2/${image.path}/manifests/${digest}`
    const target = {registry: image.registry, auth, signal: options.signal}
    const response = await this.send(target, 'DELETE', path, {}, `repository:${image.path}:delete`)
    const text = await response.text().catch(() => '')
    if (response.status === 202 || response.status === 200) return {status: 'deleted'}
    if (response.status === 404) return {status: 'missing'}
    const message = registryMessage(text)
    if (response.status === 405) return {status: 'refused', reason: `it does not allow deletes (HTTP 405${message ? `: ${message}` : ''}; for a registry:2, storage.delete.enabled is off)`}
    if (response.status === 401 || response.status === 403) {
      return {status: 'refused', reason: `${target.auth ? `the credentials from ${target.auth.source}` : 'an anonymous user'} may not delete there (HTTP ${response.status}${message ? `: ${message}` : ''})`}
    }
    throw this.failed(target, `DELETE ${path}`, `HTTP ${response.status}${message ? `: ${message}` : ''}`)
  }

  private scheme(registry: string): 'http' | 'https' {
    return isLoopbackRegistry(registry) || this.insecure.has(registry) ? 'http' : 'https'
  }

  /** One request, answering a 401 challenge (basic or bearer token) once, as Docker does. */
  private async send(target: Target, method: string, path: string, headers: Record<string, string>, scope: string | undefined): Promise<Response> {
    const url = `${this.scheme(target.registry)}://${apiHost(target.registry)}${path}`
    const first = await this.request(target, url, {method, headers})
    if (first.status !== 401) return first

    const challenges = parseChallenges(first.headers.get('www-authenticate') ?? '')
    await discard(first)
    const bearer = challenges.find(c => c.scheme === 'bearer')
    const credentials = target.auth?.credentials
    let authorization: string | undefined
    if (bearer) {
      authorization = `Bearer ${await this.token(target, bearer, scope)}`
    } else if (credentials?.kind === 'basic' && challenges.some(c => c.scheme === 'basic')) {
      authorization = basic(credentials)
    } else {
      return first
    }
    return this.request(target, url, {method, headers: {...headers, Authorization: authorization}})
  }

  private async token(target: Target, challenge: Challenge, scope: string | undefined): Promise<string> {
    const realm = challenge.params.realm
    let url: URL
    try {
      url = new URL(realm ?? '')
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('scheme')
    } catch {
      throw this.failed(target, 'GET /v2/', 'a Bearer challenge without a valid realm URL')
    }
    const credentials = target.auth?.credentials
    if (credentials && url.protocol === 'http:' && !isLoopbackRegistry(url.host)) {
      // Docker would send them; we will not put credentials on the wire in clear text.
      throw this.failed(target, 'GET /v2/', `a token service on plain HTTP (${url.host}), where credentials would travel unencrypted`)
    }
    const service = challenge.params.service
    const scopes = [scope ?? challenge.params.scope].filter((s): s is string => Boolean(s))

    let response: Response
    if (credentials?.kind === 'identity-token') {
      const form = new URLSearchParams({grant_type: 'refresh_token', refresh_token: credentials.identityToken, client_id: 'draft'})
      if (service) form.set('service', service)
      if (scopes.length) form.set('scope', scopes.join(' '))
      response = await this.request(target, url.toString(), {
        method: 'POST',
        headers: {'Content-Type': 'application/x-www-form-urlencoded'},
        body: form.toString(),
      })
    } else {
      if (service) url.searchParams.set('service', service)
      for (const s of scopes) url.searchParams.append('scope', s)
      const headers: Record<string, string> = credentials ? {Authorization: basic(credentials)} : {}
      response = await this.request(target, url.toString(), {method: 'GET', headers})
    }

    if (response.status === 401 || response.status === 403) {
      await discard(response)
      throw this.unauthorized(target)
    }
    if (response.status !== 200) {
      await discard(response)
      throw this.failed(target, `its token service (${url.host})`, `HTTP ${response.status}`)
    }
    let body: unknown
    try {
      body = await response.json()
    } catch {
      throw this.failed(target, `its token service (${url.host})`, 'an answer that is not JSON')
    }
    const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {}
    const token = typeof value.token === 'string' && value.token ? value.token : value.access_token
    if (typeof token !== 'string' || token === '') {
      throw this.failed(target, `its token service (${url.host})`, 'an answer without a token')
    }
    return token
  }

  private async request(target: Target, url: string, init: RequestInit): Promise<Response> {
    const timeout = AbortSignal.timeout(this.timeoutMs)
    const signal = target.signal ? AbortSignal.any([target.signal, timeout]) : timeout
    try {
      return await this.fetch(url, {...init, signal, redirect: 'follow'})
    } catch (error) {
      if (target.signal?.aborted) throw target.signal.reason
      const host = new URL(url).host
      const prefix = host === apiHost(target.registry) ? '' : `${host}: `
      throw registryUnreachable(target.registry, prefix + this.networkReason(error), error)
    }
  }

  private networkReason(error: unknown): string {
    const e = error as {name?: string; cause?: {code?: string; message?: string}}
    if (e.name === 'TimeoutError') return `no answer within ${Math.round(this.timeoutMs / 100) / 10}s`
    const lost = connectionFailure(error)
    if (lost) return lost
    const code = e.cause?.code ?? ''
    if (code === 'EPROTO' || code === 'ERR_SSL_WRONG_VERSION_NUMBER') return 'the TLS handshake failed (does it serve HTTPS?)'
    if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) return `its TLS certificate is not trusted (${code})`
    return code || e.cause?.message || 'the request failed'
  }

  private statusError(target: Target, request: string, response: Response): DraftError {
    if (response.status === 401 || response.status === 403) return this.unauthorized(target)
    return this.failed(target, request, `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`)
  }

  private unauthorized(target: Target): DraftError<'REGISTRY_UNAUTHORIZED'> {
    return new DraftError('REGISTRY_UNAUTHORIZED', {
      registry: target.registry,
      login: target.registry,
      ...(target.auth ? {source: target.auth.source} : {}),
    })
  }

  private failed(target: Target, request: string, reason: string): DraftError<'REGISTRY_FAILED'> {
    return new DraftError('REGISTRY_FAILED', {registry: target.registry, request, reason})
  }
}

/** The path of the next page from a `Link: </v2/...?last=x&n=100>; rel="next"` header. */
export function nextPage(link: string | null): string | undefined {
  const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(link ?? '')
  if (!match) return undefined
  const url = new URL(match[1]!, 'http://registry.invalid')
  return `${url.pathname}${url.search}`
}

/** The first message of an OCI error body (`{"errors":[{"code":..,"message":..}]}`). */
function registryMessage(text: string): string {
  try {
    const body = JSON.parse(text) as {errors?: {code?: string; message?: string}[]}
    const first = body.errors?.[0]
    return first ? [first.code, first.message].filter(Boolean).join(' ') : ''
  } catch {
    return ''
  }
}

/** Frees the connection of a response whose body we do not read. */
async function discard(response: Response): Promise<void> {
  if (response.bodyUsed || !response.body) return
  try {
    await response.body.cancel()
  } catch {
    // Nothing to free.
  }
}
