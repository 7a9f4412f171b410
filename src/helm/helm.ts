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
  /** Rendered manifests (only from upgrade). */
  manifest?: string
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
}

export const MINIMUM_HELM = '3.8.0'
