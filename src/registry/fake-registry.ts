import {createHash} from 'node:crypto'

import {DraftError} from '../core/errors.js'
import type {CredentialStore, Credentials, FoundCredentials} from './credentials.js'
import {type ImageRef, parseImageRef, repositoryOf} from './image-ref.js'
import {type DeleteOutcome, type Registry, type RegistryStatus, type RequestOptions, registryUnreachable, statusOf} from './registry.js'

/**
 * In-memory registry for unit tests of the core: tags you add exist, credentials you require are
 * checked, and failures can be switched on per registry. It throws the same DraftErrors as
 * HttpRegistry, so the core's handling of them is tested against the real shapes.
 */
export type FakeFailure = 'unreachable' | 'unauthorized' | 'failed'

export interface FakeRegistryCall {
  method: 'check' | 'access' | 'hasTag' | 'tags' | 'digest' | 'deleteManifest'
  registry: string
  ref?: string
  /** The source of the credentials passed, never the secret. */
  auth?: string
}

const sameCredentials = (a: Credentials, b: Credentials): boolean =>
  a.kind === 'basic' && b.kind === 'basic'
    ? a.username === b.username && a.password === b.password
    : a.kind === 'identity-token' && b.kind === 'identity-token' && a.identityToken === b.identityToken

export class FakeRegistry implements Registry {
  readonly calls: FakeRegistryCall[] = []
  /** `registry/path:tag` to the digest it points at. */
  private readonly tagged = new Map<string, string>()
  private readonly refusingDeletes = new Set<string>()
  private readonly required = new Map<string, Credentials>()
  private readonly failures = new Map<string, FakeFailure>()
  private failEverywhere: FakeFailure | undefined

  /** Adds `registry/path:tag` (a parsable reference), pointing at `digest` (by default one of its own); returns this for chaining. */
  addTag(ref: string, digest?: string): this {
    const k = key(parseImageRef(ref))
    this.tagged.set(k, digest ?? `sha256:${createHash('sha256').update(k).digest('hex')}`)
    return this
  }

  removeTag(ref: string): this {
    this.tagged.delete(key(parseImageRef(ref)))
    return this
  }

  /** Tags of a repository (`registry/path`) as they are now. */
  tagsOf(repository: string): string[] {
    const prefix = `${repositoryOf(parseImageRef(repository))}:`
    return [...this.tagged.keys()].filter(k => k.startsWith(prefix)).map(k => k.slice(prefix.length)).sort()
  }

  /** This registry answers DELETE with 405, as a registry:2 with deletes turned off does. */
  refuseDeletes(registry: string): this {
    this.refusingDeletes.add(registry)
    return this
  }

  /** From now on this registry answers only to exactly these credentials. */
  requireCredentials(registry: string, credentials: Credentials): this {
    this.required.set(registry, credentials)
    return this
  }

  /** Switch a failure on (for one registry, or all when registry is omitted) or off with undefined. */
  fail(failure: FakeFailure | undefined, registry?: string): this {
    if (registry === undefined) this.failEverywhere = failure
    else if (failure === undefined) this.failures.delete(registry)
    else this.failures.set(registry, failure)
    return this
  }

  async check(registry: string, auth?: FoundCredentials, options: RequestOptions = {}): Promise<RegistryStatus> {
    this.calls.push({method: 'check', registry, ...(auth ? {auth: auth.source} : {})})
    return statusOf((async () => this.gate(registry, auth, options))())
  }

  async access(registry: string, auth?: FoundCredentials, options: RequestOptions = {}): Promise<void> {
    this.calls.push({method: 'access', registry, ...(auth ? {auth: auth.source} : {})})
    this.gate(registry, auth, options)
  }

  async hasTag(ref: ImageRef | string, auth?: FoundCredentials, options: RequestOptions = {}): Promise<boolean> {
    const image = typeof ref === 'string' ? parseImageRef(ref) : ref
    this.calls.push({method: 'hasTag', registry: image.registry, ref: key(image), ...(auth ? {auth: auth.source} : {})})
    this.gate(image.registry, auth, options)
    return this.tagged.has(key(image))
  }

  async tags(repository: string, auth?: FoundCredentials, options: RequestOptions = {}): Promise<string[]> {
    const image = parseImageRef(repository)
    this.calls.push({method: 'tags', registry: image.registry, ref: repositoryOf(image), ...(auth ? {auth: auth.source} : {})})
    this.gate(image.registry, auth, options)
    return this.tagsOf(repository)
  }

  async digest(ref: ImageRef | string, auth?: FoundCredentials, options: RequestOptions = {}): Promise<string | undefined> {
    const image = typeof ref === 'string' ? parseImageRef(ref) : ref
    this.calls.push({method: 'digest', registry: image.registry, ref: key(image), ...(auth ? {auth: auth.source} : {})})
    this.gate(image.registry, auth, options)
    return this.tagged.get(key(image))
  }

  async deleteManifest(repository: string, digest: string, auth?: FoundCredentials, options: RequestOptions = {}): Promise<DeleteOutcome> {
    const image = parseImageRef(repository)
    this.calls.push({method: 'deleteManifest', registry: image.registry, ref: `${repositoryOf(image)}@${digest}`, ...(auth ? {auth: auth.source} : {})})
    this.gate(image.registry, auth, options)
    if (this.refusingDeletes.has(image.registry)) return {status: 'refused', reason: 'it does not allow deletes (HTTP 405: UNSUPPORTED The operation is unsupported.)'}
    const prefix = `${repositoryOf(image)}:`
    const gone = [...this.tagged].filter(([k, d]) => k.startsWith(prefix) && d === digest).map(([k]) => k)
    for (const k of gone) this.tagged.delete(k)
    return gone.length ? {status: 'deleted'} : {status: 'missing'}
  }

  private gate(registry: string, auth: FoundCredentials | undefined, options: RequestOptions): void {
    if (options.signal?.aborted) throw options.signal.reason
    const failure = this.failures.get(registry) ?? this.failEverywhere
    if (failure === 'unreachable') {
      throw registryUnreachable(registry, 'connection refused')
    }
    const required = this.required.get(registry)
    const refused = failure === 'unauthorized' || (required !== undefined && (!auth || !sameCredentials(required, auth.credentials)))
    if (refused) {
      throw new DraftError('REGISTRY_UNAUTHORIZED', {registry, login: registry, ...(auth ? {source: auth.source} : {})})
    }
    if (failure === 'failed') {
      throw new DraftError('REGISTRY_FAILED', {registry, request: 'GET /v2/', reason: 'HTTP 500 Internal Server Error'})
    }
  }
}

const key = (ref: ImageRef): string => `${repositoryOf(ref)}:${ref.digest ?? ref.tag ?? 'latest'}`

/** A credential store that answers from a map of registry host to credentials. */
export class FakeCredentialStore implements CredentialStore {
  readonly asked: string[] = []
  constructor(private readonly entries: Record<string, Credentials> = {}) {}

  async forRegistry(registry: string): Promise<FoundCredentials | undefined> {
    this.asked.push(registry)
    const credentials = this.entries[registry]
    return credentials && {credentials, source: `fake credentials for ${registry}`}
  }
}
