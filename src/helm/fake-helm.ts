import type {Helm, HelmRelease, UpgradeRequest} from './helm.js'

/** Releases in memory. `fail` makes the next upgrade throw the given error. */
export class FakeHelm implements Helm {
  readonly releases = new Map<string, HelmRelease>()
  readonly upgrades: UpgradeRequest[] = []
  fail?: Error
  manifest = (request: UpgradeRequest): string =>
    `---\nkind: Deployment\napiVersion: apps/v1\nmetadata:\n  name: ${request.release}\n`

  async version(): Promise<string> {
    return '3.16.0'
  }

  async status(release: string, namespace: string): Promise<HelmRelease | undefined> {
    return this.releases.get(`${namespace}/${release}`)
  }

  async upgrade(request: UpgradeRequest): Promise<HelmRelease> {
    this.upgrades.push(request)
    if (this.fail) {
      const error = this.fail
      this.fail = undefined
      throw error
    }
    const key = `${request.namespace}/${request.release}`
    const revision = (this.releases.get(key)?.revision ?? 0) + 1
    const release = {name: request.release, namespace: request.namespace, revision, status: 'deployed', description: request.description, manifest: this.manifest(request)}
    this.releases.set(key, release)
    return release
  }

  async uninstall(release: string, namespace: string): Promise<void> {
    this.releases.delete(`${namespace}/${release}`)
  }
}
