import type {Readable} from 'node:stream'

import type {SolveProgress} from '../docker/buildkit-status.js'
import type {FoundCredentials} from '../registry/credentials.js'
import type {Readiness} from './plan.js'
import type {BuilderSettings} from './settings.js'

/**
 * BuildKit that draft runs in the target cluster: made Ready on first use (created or upgraded as the
 * settings say), given builds over the Kubernetes API only (exec with the context as a tar on stdin),
 * inspected and deleted. `KubeBuildKit` is the real one, on the Kube and PodStreams interfaces;
 * `FakeClusterBuilder` the one for unit tests of the core.
 */
export interface BuilderTarget {
  namespace: string
  /** The replica this app builds on. */
  pod: string
  /** The BuildKit version it runs. */
  version: string
  rootless: boolean
  hostNetwork: boolean
  /** Its container's restarts when it was chosen: more later means the build's daemon went away. */
  restarts: number
  /** The pod's uid when it was chosen: another one under the same name means it was deleted and made again. */
  uid?: string
}

export interface ReadyOptions {
  /** Names the app, so that it keeps building on the same replica (and its cache). */
  app: string
  /** What the builder is doing: created, upgraded, waiting for its pod (and why). */
  progress?: (message: string) => void
  signal?: AbortSignal
  /** How long a builder that is starting may take to become Ready. */
  timeoutMs?: number
}

export interface ClusterBuildRequest {
  /** The build context as a tar: the same stream a local build sends. */
  context: Readable
  /** Path of the Dockerfile inside the tar. */
  dockerfile: string
  buildArgs: Record<string, string>
  target?: string
  /** repository:tag the builder pushes to, as the cluster reaches it. */
  ref: string
  /** The registry host of `ref`, and the credentials the user's Docker config has for it. */
  registry: string
  credentials?: FoundCredentials
  /**
   * Who builds what (see buildOwner): a newer build of the same owner stops an older one that is still
   * running, which a draft that was killed or cut off could not stop. Default: the repository of `ref`.
   */
  owner?: string
  /** Aborting stops the build in the pod: buildctl and the processes of its steps. */
  signal?: AbortSignal
  onProgress?: (progress: SolveProgress) => void
  /** Every line of build output, for the build log. */
  onLog?: (line: string) => void
  /** What happens before the first step: the context travelling, the credentials arriving. */
  onStatus?: (message: string) => void
}

export interface ClusterBuildResult {
  /** The pushed image's manifest digest. */
  digest: string
  steps: number
  cachedSteps: number
  /** From the start of the exec until buildctl started: the context's trip and unpacking. */
  contextMs: number
  /** How long the push at the end of the build took. */
  pushMs?: number
}

export interface BuilderPodStatus {
  name: string
  phase: string
  ready: boolean
  restarts: number
  node?: string
  /** Why it is not ready, when it says. */
  reason?: string
  /** BuildKit's cache in this replica, in bytes (buildctl du), when it answered. */
  cacheBytes?: number
}

export interface BuilderStatus {
  namespace: string
  exists: boolean
  /** draft created the namespace for the builder, so deleting the builder deletes the namespace. */
  ownsNamespace: boolean
  version?: string
  image?: string
  rootless?: boolean
  hostNetwork?: boolean
  replicas: {wanted: number; ready: number}
  cache?: {kind: 'emptyDir'} | {kind: 'volume'; size: string; storageClass?: string}
  pods: BuilderPodStatus[]
  readiness?: Readiness
  /** The credentials the builder holds, by registry host (never their values). */
  registries: string[]
}

export interface BuilderDeleteResult {
  namespace: string
  /** What was there and is gone ("namespace draft-builder", "statefulset draft-buildkit", ...). */
  deleted: string[]
}

export interface ClusterBuilder {
  /**
   * Brings the builder to the settings (creating or upgrading it, and saying so), waits until a
   * replica is Ready, and returns the one this app builds on. Throws BUILDER_FORBIDDEN,
   * BUILDER_NOT_READY (with the cause) or NAMESPACE_TERMINATING.
   */
  ready(settings: BuilderSettings, options: ReadyOptions): Promise<BuilderTarget>
  /**
   * Builds and pushes in the pod. A failing step is a BuildFailure; a push the cluster cannot make is
   * BUILDER_REGISTRY_UNREACHABLE or REGISTRY_UNAUTHORIZED; a pod that goes away is BUILDER_LOST;
   * an abort is ABORTED, once the build has stopped in the pod.
   */
  build(target: BuilderTarget, request: ClusterBuildRequest): Promise<ClusterBuildResult>
  status(settings: BuilderSettings): Promise<BuilderStatus>
  /** Deletes the builder with its caches and credentials, and waits until they are gone. */
  delete(settings: BuilderSettings, options?: {progress?: (message: string) => void; signal?: AbortSignal; timeoutMs?: number}): Promise<BuilderDeleteResult>
}
