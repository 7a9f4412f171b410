import {DraftError} from '../core/errors.js'
import type {Helm, HelmRelease, HelmRevision, UpgradeRequest} from './helm.js'
import {type HelmCluster, helmError} from './helm-cli.js'

interface StoredRevision extends HelmRevision {
  manifest: string
}

/**
 * Releases in memory, with their history as helm keeps it: an upgrade supersedes the deployed
 * revision, a rollback copies an old revision's manifest into a new one described "Rollback to N",
 * an uninstall forgets everything. `fail` makes the next upgrade throw the given error; `forbidden`
 * namespaces answer every call as helm does for a user who may not read there; `unreachable` fails
 * every call as helm does when the cluster is gone.
 */
export class FakeHelm implements Helm {
  readonly upgrades: UpgradeRequest[] = []
  readonly rollbacks: {release: string; namespace: string; revision: number}[] = []
  readonly uninstalls: {release: string; namespace: string}[] = []
  readonly forbidden = new Set<string>()
  fail?: Error
  /** Every call fails with what helm prints when the cluster is gone, read by the real `helmError`. */
  unreachable = false

  manifest_ = (request: UpgradeRequest): string =>
    `---\nkind: Deployment\napiVersion: apps/v1\nmetadata:\n  name: ${request.release}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: "${request.setString['image.repository'] ?? 'app'}:${request.setString['image.tag'] ?? 'latest'}"\n`
  private readonly store = new Map<string, StoredRevision[]>()
  private clock = Date.parse('2025-01-01T10:00:00Z')

  constructor(private readonly cluster: HelmCluster = {context: 'fake', server: 'https://127.0.0.1:6443'}) {}

  /** The latest revision of each release, as `helm status` shows it. */
  get releases(): Map<string, HelmRelease> {
    const out = new Map<string, HelmRelease>()
    for (const [key, revisions] of this.store) {
      const [namespace, name] = key.split('/') as [string, string]
      const last = revisions.at(-1)
      if (last) out.set(key, toRelease(name, namespace, last))
    }
    return out
  }

  async version(): Promise<string> {
    return '3.16.0'
  }

  async status(release: string, namespace: string): Promise<HelmRelease | undefined> {
    this.gate(release, namespace)
    const last = this.store.get(`${namespace}/${release}`)?.at(-1)
    return last && toRelease(release, namespace, last)
  }

  async upgrade(request: UpgradeRequest): Promise<HelmRelease> {
    this.gate(request.release, request.namespace)
    this.upgrades.push(request)
    if (this.fail) {
      const error = this.fail
      this.fail = undefined
      throw error
    }
    const stored = this.add(request.release, request.namespace, {description: request.description, manifest: this.manifest_(request), chart: 'app-0.1.0'})
    return toRelease(request.release, request.namespace, stored)
  }

  async uninstall(release: string, namespace: string): Promise<void> {
    this.gate(release, namespace)
    this.uninstalls.push({release, namespace})
    this.store.delete(`${namespace}/${release}`)
  }

  async history(release: string, namespace: string): Promise<HelmRevision[] | undefined> {
    this.gate(release, namespace)
    const revisions = this.store.get(`${namespace}/${release}`)
    return revisions?.map(({manifest: _manifest, ...revision}) => ({...revision}))
  }

  async manifest(release: string, namespace: string, revision: number): Promise<string> {
    this.gate(release, namespace)
    const found = this.store.get(`${namespace}/${release}`)?.find(r => r.revision === revision)
    if (!found) throw new DraftError('HELM_FAILED', {release, reason: 'release: not found', fix: 'fake', action: `read revision ${revision} of`})
    return found.manifest
  }

  async rollback(release: string, namespace: string, revision: number): Promise<void> {
    this.gate(release, namespace)
    this.rollbacks.push({release, namespace, revision})
    const source = this.store.get(`${namespace}/${release}`)?.find(r => r.revision === revision)
    if (!source) throw new DraftError('HELM_FAILED', {release, reason: 'release: not found', fix: 'fake', action: 'roll back'})
    this.add(release, namespace, {description: `Rollback to ${revision}`, manifest: source.manifest, chart: source.chart})
  }

  /** A revision made by something else than draft (helm by hand, CI), or one in a given state. */
  record(release: string, namespace: string, revision: Partial<StoredRevision> & {description: string}): HelmRevision {
    return this.add(release, namespace, {manifest: '', chart: 'app-0.1.0', ...revision})
  }

  private add(release: string, namespace: string, revision: Partial<StoredRevision> & {description: string; manifest: string; chart: string}): StoredRevision {
    const key = `${namespace}/${release}`
    const revisions = this.store.get(key) ?? []
    const status = revision.status ?? 'deployed'
    if (status === 'deployed') for (const r of revisions) if (r.status === 'deployed') r.status = 'superseded'
    this.clock += 60_000
    const stored: StoredRevision = {
      revision: (revisions.at(-1)?.revision ?? 0) + 1,
      updated: new Date(this.clock).toISOString(),
      appVersion: '',
      ...revision,
      status,
    }
    revisions.push(stored)
    this.store.set(key, revisions)
    return stored
  }

  private gate(release: string, namespace: string): void {
    if (this.unreachable) {
      const host = new URL(this.cluster.server).host
      throw helmError(release, namespace, `Error: Kubernetes cluster unreachable: Get "${this.cluster.server}/version": dial tcp ${host}: connect: connection refused\n`, 'upgrade', this.cluster)
    }
    if (this.forbidden.has(namespace)) throw new DraftError('NAMESPACE_FORBIDDEN', {namespace, user: 'tester', verb: 'list secrets'})
  }
}

const toRelease = (name: string, namespace: string, r: StoredRevision): HelmRelease => ({name, namespace, revision: r.revision, status: r.status, description: r.description, manifest: r.manifest})
