import {hostname, userInfo} from 'node:os'

import {buildOwner} from '../cluster-builder/buildctl.js'
import type {ClusterBuilder} from '../cluster-builder/cluster-builder.js'
import type {BuilderKind} from '../cluster-builder/settings.js'
import type {DeployConfig} from '../config/draft-toml.js'
import type {DockerEngine, RegistryAuth} from '../docker/docker-engine.js'
import type {FoundCredentials} from '../registry/credentials.js'
import {formatBytes} from '../util/format.js'
import type {PreparedContext} from './context-provider.js'

/**
 * Where `draft up` builds its image, as the build and push stages see it: Docker on this machine, or
 * BuildKit that draft runs in the cluster. The stages are the same for both; what differs is where
 * the build runs and who pushes (the cluster builder pushes as it builds, from inside the cluster).
 */
export interface StageProgress {
  message: string
  step?: number
  steps?: number
  bytesDone?: number
  bytesTotal?: number
}

export interface ImageBuildRequest {
  config: DeployConfig
  context: PreparedContext
  /** repository:tag to build, as this machine names it. */
  ref: string
  /** Push to a registry: where the builder reaches it, and the credentials for it. */
  push?: {ref: string; registry: string; credentials?: FoundCredentials}
  signal?: AbortSignal
  progress: (progress: StageProgress) => void
  /** Every line of build output, for .draft/logs/build.log. */
  onLog: (line: string) => void
}

export interface ImageBuildResult {
  engine: 'buildkit' | 'classic'
  steps: number
  cachedSteps: number
  /** Set when the builder pushed the image itself, as part of the build. */
  pushed?: {digest: string; ms?: number}
}

export interface ImagePushRequest {
  ref: string
  registry: string
  credentials?: FoundCredentials
  signal?: AbortSignal
  progress: (progress: StageProgress) => void
}

export interface ImageBuilder {
  readonly kind: BuilderKind
  /** Whether the image is already where this builder keeps images (for delivery without a registry). */
  hasImage(ref: string): Promise<boolean>
  build(request: ImageBuildRequest): Promise<ImageBuildResult>
  /** Pushes what `build` made, for a builder that does not push as it builds. */
  push(request: ImagePushRequest): Promise<{digest: string}>
}

/** Docker on this machine (DOCKER_HOST): BuildKit through the engine's API when it has it. */
export class LocalImageBuilder implements ImageBuilder {
  readonly kind = 'local' as const

  constructor(private readonly docker: DockerEngine) {}

  hasImage(ref: string): Promise<boolean> {
    return this.docker.imageExists(ref)
  }

  async build(request: ImageBuildRequest): Promise<ImageBuildResult> {
    const {config, context, signal, progress} = request
    const engine = await this.docker.info()
    progress({message: `docker ${engine.serverVersion} at ${engine.host}, ${engine.buildkit ? 'BuildKit' : 'the classic builder'}`})
    const result = await this.docker.build({
      context: context.open(signal),
      dockerfile: context.dockerfile,
      tags: [request.ref],
      buildArgs: config.buildArgs,
      ...(config.target ? {target: config.target} : {}),
      ...(config.buildNetwork ? {networkMode: config.buildNetwork} : {}),
      ...(signal ? {signal} : {}),
      onProgress: p => progress({message: p.step, ...(p.index ? {step: p.index} : {}), ...(p.total ? {steps: p.total} : {})}),
      onLog: request.onLog,
    })
    return {engine: result.builder, steps: result.steps, cachedSteps: result.cachedSteps}
  }

  async push(request: ImagePushRequest): Promise<{digest: string}> {
    return this.docker.push({
      ref: request.ref,
      ...(request.credentials ? {auth: registryAuth(request.registry, request.credentials)} : {}),
      ...(request.signal ? {signal: request.signal} : {}),
      onProgress: p => {
        // Layers announce themselves before their sizes are known; a 0-byte total says nothing.
        if (p.bytesTotal > 0) request.progress({message: `${p.layersDone}/${p.layers} layers, ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}`, bytesDone: p.bytesDone, bytesTotal: p.bytesTotal})
      },
    })
  }
}

/**
 * BuildKit in the cluster: made Ready (created or upgraded on first use, and said so), then given the
 * same context stream over exec; it pushes the image to the registry from inside the cluster.
 */
export class ClusterImageBuilder implements ImageBuilder {
  readonly kind = 'cluster' as const

  constructor(private readonly builder: ClusterBuilder) {}

  async hasImage(): Promise<boolean> {
    // It keeps no images of its own: everything it builds goes to the registry.
    return false
  }

  async build(request: ImageBuildRequest): Promise<ImageBuildResult> {
    const {config, context, signal, progress, push} = request
    if (!push) throw new Error('the cluster builder always pushes: the up engine must give it a registry')
    const target = await this.builder.ready(config.clusterBuilder, {
      app: config.image,
      progress: message => progress({message}),
      ...(signal ? {signal} : {}),
    })
    progress({message: `BuildKit ${target.version} in the cluster (pod ${target.pod}, namespace ${target.namespace}${target.rootless ? ', rootless' : ''}): sending the context`})
    const result = await this.builder.build(target, {
      context: context.open(signal),
      dockerfile: context.dockerfile,
      buildArgs: config.buildArgs,
      ...(config.target ? {target: config.target} : {}),
      ref: push.ref,
      registry: push.registry,
      ...(push.credentials ? {credentials: push.credentials} : {}),
      owner: buildOwner(hostname(), safeUser(), config.appDir, push.ref.replace(/:[^/:]*$/, '')),
      ...(signal ? {signal} : {}),
      onProgress: p => progress({message: p.step, ...(p.index ? {step: p.index} : {}), ...(p.total ? {steps: p.total} : {})}),
      onLog: request.onLog,
      onStatus: message => progress({message}),
    })
    return {engine: 'buildkit', steps: result.steps, cachedSteps: result.cachedSteps, pushed: {digest: result.digest, ...(result.pushMs !== undefined ? {ms: result.pushMs} : {})}}
  }

  async push(): Promise<{digest: string}> {
    throw new Error('the cluster builder pushes as it builds')
  }
}

function safeUser(): string {
  try {
    return userInfo().username
  } catch {
    return ''
  }
}

export function registryAuth(host: string, found: FoundCredentials): RegistryAuth {
  const c = found.credentials
  return c.kind === 'basic'
    ? {username: c.username, password: c.password, serveraddress: host}
    : {username: c.username ?? '<token>', password: c.identityToken, serveraddress: host}
}
