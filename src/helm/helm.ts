/**
 * What draft needs from helm. `HelmCli` runs the real binary through the process runner;
 * `FakeHelm` keeps releases in memory for unit tests of the core.
 */
export interface HelmRelease {
  name: string
  namespace: string
  revision: number
  status: string
  description: string
  /** Rendered manifests (from upgrade and status). */
  manifest?: string
}

/** One line of `helm history`. */
export interface HelmRevision {
  revision: number
  /** When helm last wrote the revision, as helm prints it (RFC 3339). */
  updated: string
  /** deployed, superseded, failed, uninstalled, pending-install, pending-upgrade, pending-rollback... */
  status: string
  /** Chart name and version, e.g. `app-0.1.0`. */
  chart: string
  appVersion: string
  description: string
}

export interface UpgradeRequest {
  release: string
  chart: string
  namespace: string
  kubeContext?: string
  valuesFiles: string[]
  /** --set values (helm's type inference applies). */
  set: Record<string, string>
  /** --set-string values, for image names and tags that must stay strings. */
  setString: Record<string, string>
  /** Recorded on the revision; draft stores its deploy fingerprint there. */
  description: string
  signal?: AbortSignal
}

export interface Helm {
  /** The helm version; throws HELM_MISSING or HELM_TOO_OLD. */
  version(): Promise<string>
  status(release: string, namespace: string, kubeContext?: string): Promise<HelmRelease | undefined>
  upgrade(request: UpgradeRequest): Promise<HelmRelease>
  uninstall(release: string, namespace: string, kubeContext?: string): Promise<void>
  /** Every revision helm keeps, oldest first; undefined when there is no such release. */
  history(release: string, namespace: string, kubeContext?: string): Promise<HelmRevision[] | undefined>
  /** The manifests one revision rendered (`helm get manifest --revision`). */
  manifest(release: string, namespace: string, revision: number, kubeContext?: string): Promise<string>
  /** `helm rollback` to `revision`: a new revision with that revision's manifests. Returns without waiting for the rollout. */
  rollback(release: string, namespace: string, revision: number, kubeContext?: string): Promise<void>
}

export const MINIMUM_HELM = '3.8.0'
