import {BuildFailure} from '../core/build-failure.js'
import {DraftError} from '../core/errors.js'
import {BUILDKIT_VERSION} from './image.js'
import type {
  BuilderDeleteResult,
  BuilderStatus,
  BuilderTarget,
  ClusterBuildRequest,
  ClusterBuildResult,
  ClusterBuilder,
  ReadyOptions,
} from './cluster-builder.js'
import type {BuilderSettings} from './settings.js'

/**
 * A cluster builder in memory, for unit tests of the core: the first `ready` creates it (and says so),
 * builds drain the context and "push" by recording the ref. Script failures with `notReady`,
 * `failBuild` (a step), `failWith` (any DraftError); `buildGate` holds a build until the test releases
 * it, to test cancellation (an aborted build counts in `cancelled`).
 */
export class FakeClusterBuilder implements ClusterBuilder {
  readonly builds: {ref: string; registry: string; bytes: number; credentials: boolean; dockerfile: string; owner?: string}[] = []
  readonly readyCalls: {namespace: string; app: string}[] = []
  readonly pushed = new Set<string>()
  exists = false
  notReady?: DraftError
  failBuild?: {step: string; reason: string; tail: string[]}
  failWith?: DraftError
  buildGate?: Promise<void>
  cancelled = 0

  async ready(settings: BuilderSettings, options: ReadyOptions): Promise<BuilderTarget> {
    this.readyCalls.push({namespace: settings.namespace, app: options.app})
    if (this.notReady) throw this.notReady
    if (!this.exists) {
      options.progress?.(`creating the builder: BuildKit ${BUILDKIT_VERSION} (${settings.rootless ? 'rootless' : 'privileged'}) in namespace ${settings.namespace}, first use in this cluster`)
      this.exists = true
    }
    return {namespace: settings.namespace, pod: 'draft-buildkit-0', version: BUILDKIT_VERSION, rootless: settings.rootless, hostNetwork: settings.hostNetwork, restarts: 0}
  }

  async build(_target: BuilderTarget, request: ClusterBuildRequest): Promise<ClusterBuildResult> {
    let bytes = 0
    for await (const chunk of request.context) bytes += (chunk as Buffer).length
    request.onProgress?.({step: '[2/2] COPY . .', index: 2, total: 2})
    if (this.buildGate && !request.signal?.aborted) {
      await Promise.race([this.buildGate, new Promise(resolve => request.signal?.addEventListener('abort', resolve, {once: true}))])
    }
    if (request.signal?.aborted) {
      this.cancelled++
      throw new DraftError('ABORTED', {stage: 'the build in the cluster'})
    }
    if (this.failWith) throw this.failWith
    if (this.failBuild) throw new BuildFailure(this.failBuild.step, this.failBuild.reason, this.failBuild.tail)
    request.onLog?.('DONE [2/2] COPY . .')
    this.builds.push({ref: request.ref, registry: request.registry, bytes, credentials: Boolean(request.credentials), dockerfile: request.dockerfile, ...(request.owner ? {owner: request.owner} : {})})
    this.pushed.add(request.ref)
    return {digest: `sha256:${'2'.repeat(64)}`, steps: 2, cachedSteps: 1, contextMs: 5, pushMs: 7}
  }

  async status(settings: BuilderSettings): Promise<BuilderStatus> {
    return {
      namespace: settings.namespace,
      exists: this.exists,
      ownsNamespace: this.exists,
      ...(this.exists ? {version: BUILDKIT_VERSION, rootless: settings.rootless, hostNetwork: settings.hostNetwork} : {}),
      replicas: {wanted: this.exists ? settings.replicas : 0, ready: this.exists ? settings.replicas : 0},
      pods: this.exists ? [{name: 'draft-buildkit-0', phase: 'Running', ready: true, restarts: 0}] : [],
      registries: [],
    }
  }

  async delete(settings: BuilderSettings): Promise<BuilderDeleteResult> {
    const existed = this.exists
    this.exists = false
    return {namespace: settings.namespace, deleted: existed ? [`namespace ${settings.namespace}`] : []}
  }
}
