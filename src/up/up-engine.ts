import {createHash} from 'node:crypto'
import {createWriteStream, readFileSync, readdirSync, statSync} from 'node:fs'
import {join, relative} from 'node:path'

import type {DeployConfig} from '../config/draft-toml.js'
import {DraftError} from '../core/errors.js'
import type {Emit, Stage} from '../core/events.js'
import type {ClusterBuilder} from '../cluster-builder/cluster-builder.js'
import type {BuilderKind} from '../cluster-builder/settings.js'
import type {DockerEngine} from '../docker/docker-engine.js'
import {BuildFailure} from '../core/build-failure.js'
import {describeSource, type Git} from '../git/git.js'
import type {Helm, HelmRelease} from '../helm/helm.js'
import type {Kube} from '../kube/kube.js'
import type {PodStreams} from '../pod-streams/pod-streams.js'
import {type ProcessRunner, ProgramNotFound} from '../process/process-runner.js'
import type {CredentialStore, FoundCredentials} from '../registry/credentials.js'
import {pullSecret, pullSecretName} from '../registry/pull-secret.js'
import type {Registry} from '../registry/registry.js'
import {stateDirFor} from '../util/draft-dir.js'
import {formatBytes} from '../util/format.js'
import {linkSignals, sleep} from '../util/signals.js'
import {type ClusterInfo, type Delivery, chooseDelivery, recognizeCluster} from './cluster.js'
import type {ContextProvider, PreparedContext} from './context-provider.js'
import {ClusterImageBuilder, type ImageBuilder, type ImageBuildRequest, type ImageBuildResult, LocalImageBuilder} from './image-builder.js'
import {formatRecord, parseRecord, rollbackSource} from './record.js'
import {containerPortOf, waitForRollout} from './rollout-wait.js'
import {type ServiceTarget, serviceIn} from './service.js'
import {StageClock} from './stages.js'

export interface UpDependencies {
  /** The local builder's engine; asked only when an image is built or looked up on this machine. */
  docker: DockerEngine
  /** BuildKit in the cluster, for `builder = "cluster"`. */
  clusterBuilder?: ClusterBuilder
  registry: Registry
  credentials: CredentialStore
  helm: Helm
  kube: Kube
  /** Port-forward and logs, for --connect. */
  streams?: PodStreams
  runner: ProcessRunner
  contexts: ContextProvider
  /** Asked for the app folder's commit, recorded on the revision; without it nothing is recorded. */
  git?: Git
  env?: NodeJS.ProcessEnv
  now?: () => number
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  /** How often the rollout is polled. */
  pollMs?: number
}

export interface UpOptions {
  emit: Emit
  /** Ctrl-C: aborts the build and the push; a helm upgrade in flight is let finish. */
  signal?: AbortSignal
  /** A newer change: aborts the build only (the watch loop starts over from the newest state). */
  buildSignal?: AbortSignal
  /** The last good deploy of this process: with the same tag and fingerprint, nothing is asked of anyone. */
  previous?: Pick<UpResult, 'tag' | 'fingerprint' | 'revision' | 'image'> & Partial<UpResult>
  /**
   * Where a run of several services holds this one back: `build` is awaited for a build slot (the
   * machine's cores are shared; the returned function gives the slot back) and `deploy` until the
   * services this one depends on are ready (it throws when one of them failed).
   */
  gates?: {build?: () => Promise<() => void>; deploy?: () => Promise<void>}
  /**
   * Every stage, whatever is already there (the dashboard's Rebuild now): the image is built even when
   * the registry has its tag (with the build cache) and pushed; the deploy still makes no revision
   * when the release already runs exactly that.
   */
  rebuild?: boolean
  /** Each line of the build log as it is written to .draft/logs/build.log. */
  onBuildLine?: (line: string) => void
}

export interface UpResult {
  release: string
  namespace: string
  /** The kube context deployed to; empty: the kubeconfig's current one. */
  kubeContext: string
  /** The Service in front of the app, as the chart rendered it (none when the chart has no Service). */
  service?: ServiceTarget
  revision: number
  image: string
  tag: string
  digest?: string
  context: {files: number; bytes: number}
  /** How the image reached the cluster; `prebuilt`: an image deployed as it is (a service's `image`). */
  delivery: Delivery['mode'] | 'prebuilt'
  cluster: ClusterInfo['kind']
  /** Where the image was (or would have been) built. */
  builder: BuilderKind
  built: boolean
  pushed: boolean
  /** Nothing changed: same image, chart and values as the deployed revision, so no new revision. */
  upToDate: boolean
  /** Digest of image, chart, values and settings; recorded on the helm revision. */
  fingerprint: string
  /** Commit of the app folder (`+dirty` with changes) recorded on the new revision. */
  commit?: string
  /** The revision this deploy replaced was a `helm rollback` (to `to`): the folder is deployed again. */
  afterRollback?: {revision: number; to: number}
  timings: Partial<Record<Stage, number>>
  totalMs: number
  buildLog?: string
}

/**
 * `draft up`: config is resolved by the caller; this runs connect -> context (content tag) -> build ->
 * push (or load) -> deploy -> rollout, each stage visible as events, each failure a DraftError with
 * the fix named. Every external system comes in through the constructor.
 */
export class UpEngine {
  private readonly env: NodeJS.ProcessEnv
  private readonly now: () => number
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>

  private readonly builders: {local: ImageBuilder; cluster?: ImageBuilder}

  constructor(private readonly deps: UpDependencies) {
    this.env = deps.env ?? process.env
    this.now = deps.now ?? (() => performance.now())
    this.sleep = deps.sleep ?? sleep
    this.builders = {local: new LocalImageBuilder(deps.docker), ...(deps.clusterBuilder ? {cluster: new ClusterImageBuilder(deps.clusterBuilder)} : {})}
  }

  /** The builder draft.toml (or --builder) names; chosen per run, so a --watch session follows an edit of draft.toml. */
  private builderFor(config: DeployConfig): ImageBuilder {
    const builder = this.builders[config.builder]
    if (!builder) throw new Error(`no ${config.builder} builder in the up engine's dependencies`)
    return builder
  }

  async run(config: DeployConfig, options: UpOptions): Promise<UpResult> {
    const link = linkSignals(options.signal)
    try {
      return await this.deploy(config, {...options, ...(link.signal ? {signal: link.signal} : {})})
    } finally {
      link.dispose()
    }
  }

  private async deploy(config: DeployConfig, options: UpOptions): Promise<UpResult> {
    const {kube, helm, registry, credentials} = this.deps
    const builder = this.builderFor(config)
    const clock = new StageClock(options.emit, this.now)
    const signal = options.signal
    const checkAbort = (stage: string): void => {
      if (signal?.aborted) throw new DraftError('ABORTED', {stage})
    }

    const target = kube.target()
    const cluster = recognizeCluster(target, this.env)
    // Docker is asked only when an image is built or looked up locally: an unchanged tree whose image
    // the registry has needs no engine (and skips loading the Docker client).
    const connected = await clock.run(
      'connect',
      `Kubernetes (${target.context}) and helm`,
      async () => {
        const ping = kube.ping()
        const [server, helmVersion, hosting] = await Promise.all([
          ping,
          helm.version(),
          config.registry ? undefined : ping.then(() => kube.localRegistryHosting()),
        ])
        return {server, helmVersion, hosting}
      },
      c => `kubernetes ${c.server} · helm ${c.helmVersion}`,
    )
    // Asked now, answered while the context is tagged: an unchanged tree needs it, and costs a helm run.
    const deployedStatus = helm.status(config.release, config.namespace, config.kubeContext || undefined)
    deployedStatus.catch(() => undefined)
    if (config.prebuilt) return this.deployPrebuilt(config, config.prebuilt, {clock, options, deployedStatus, cluster: cluster.kind})
    const delivery = chooseDelivery({registry: config.registry, image: config.image, cluster, hosting: connected.hosting})
    // The cluster builder pushes from inside the cluster: without a registry its image would go nowhere.
    if (builder.kind === 'cluster' && delivery.mode !== 'registry') throw new DraftError('CLUSTER_BUILDER_NEEDS_REGISTRY', {context: target.context})
    if (delivery.mode === 'none') throw new DraftError('NO_REGISTRY', {context: target.context})
    checkAbort('connect')

    const checked = await clock.run(
      'tag',
      'content tag of the build context',
      async () => {
        const context = await this.deps.contexts.prepare(config)
        const pushRef = `${delivery.mode === 'registry' ? delivery.pushRepository : delivery.pullRepository}:${context.tag}`
        const fingerprint = this.fingerprint(config, `${delivery.pullRepository}:${context.tag}`)
        const previous = options.previous
        const unchanged = previous !== undefined && previous.tag === context.tag && previous.fingerprint === fingerprint
        if (unchanged || delivery.mode !== 'registry') {
          return {context, pushRef, fingerprint, unchanged, auth: undefined, present: unchanged || (await builder.hasImage(pushRef))}
        }
        const auth = await credentials.forRegistry(delivery.registry)
        await registry.access(delivery.registry, auth, {signal})
        return {context, pushRef, fingerprint, unchanged, auth, present: await registry.hasTag(pushRef, auth, {signal})}
      },
      c => `${c.context.tag} (${c.context.files} files, ${formatBytes(c.context.bytes)})${c.unchanged ? ' · unchanged' : c.present ? ' · already built' : ''}`,
    )
    const {context, pushRef, auth, present, fingerprint} = checked
    const previous = options.previous
    if (previous && checked.unchanged) {
      for (const stage of ['build', 'push', 'deploy', 'rollout'] as const) clock.skip(stage, 'unchanged since the last deploy')
      return {...(previous as UpResult), upToDate: true, built: false, pushed: false, timings: clock.timings, totalMs: clock.elapsed()}
    }
    const pullRef = `${delivery.pullRepository}:${context.tag}`
    checkAbort('the registry check')

    let built = false
    let pushed = false
    let digest: string | undefined
    let buildLog: string | undefined
    let buildResult: ImageBuildResult | undefined
    if (present && !options.rebuild) {
      clock.skip('build', delivery.mode === 'registry' ? `${pushRef} is already in the registry` : `${pushRef} is already built`)
    } else {
      // A builder in the cluster pushes to the registry by the name it has there (KEP-1755), with the same credentials.
      const repository = delivery.mode === 'registry' ? (builder.kind === 'cluster' ? (delivery.inClusterRepository ?? delivery.pushRepository) : delivery.pushRepository) : undefined
      const push = repository ? {ref: `${repository}:${context.tag}`, registry: repository.split('/')[0]!, ...(auth ? {credentials: auth} : {})} : undefined
      ;({logPath: buildLog, result: buildResult} = await this.build(config, builder, context, pushRef, clock, options, push))
      built = true
    }
    if (delivery.mode === 'registry') {
      if (present && !built) clock.skip('push', 'nothing to push')
      else if (buildResult?.pushed) {
        const done = buildResult.pushed
        digest = await clock.run('push', `pushed by the builder in the cluster`, async () => done.digest, d => `${pushRef} (${d.slice(0, 19)}), as part of the build${done.ms !== undefined ? ` (${formatMs(done.ms)} of it)` : ''}`)
        pushed = true
      } else {
        digest = await clock.run(
          'push',
          `pushing ${pushRef}`,
          async progress => (await builder.push({ref: pushRef, registry: delivery.registry, ...(auth ? {credentials: auth} : {}), ...(signal ? {signal} : {}), progress})).digest,
          d => `${pushRef} (${d.slice(0, 19)})`,
        )
        pushed = true
      }
    } else if (delivery.mode === 'load') {
      if (!built) clock.skip('load', `${pushRef} is already built; loading it again in case the cluster was reset`)
      await clock.run(
        'load',
        `${delivery.command} ${delivery.args(pushRef).join(' ')}`,
        async () => {
          const failed = (reason: string): DraftError => new DraftError('IMAGE_LOAD_FAILED', {image: pushRef, command: delivery.command, cluster: cluster.kind, reason})
          const result = await this.deps.runner.run(delivery.command, delivery.args(pushRef), {signal}).catch((error: unknown) => {
            throw error instanceof ProgramNotFound ? failed(`${delivery.command} is not on your PATH`) : error
          })
          if (result.aborted) throw new DraftError('ABORTED', {stage: 'the image load'})
          if (result.exitCode !== 0) throw failed(result.stderr.trim().split('\n').pop() || `exit code ${result.exitCode}`)
        },
        () => `loaded into the ${cluster.kind} cluster`,
      )
    } else {
      clock.skip('push', delivery.reason)
    }
    checkAbort('the push')

    await options.gates?.deploy?.()
    checkAbort('the wait for dependencies')
    const secretFor = auth?.credentials.kind === 'basic' && delivery.mode === 'registry' ? {registry: delivery.registry, credentials: auth.credentials} : undefined
    const deployed = await this.release(config, {
      clock,
      signal,
      deployedStatus,
      fingerprint,
      // A new tag means a new fingerprint; a rebuild of a tag the registry had may already be deployed.
      built: built && !present,
      setString: {...config.setString, 'image.repository': delivery.pullRepository, 'image.tag': context.tag, ...(delivery.mode === 'registry' ? {} : {'image.pullPolicy': 'IfNotPresent'})},
      record: {tag: context.tag, ...(delivery.mode === 'registry' ? {repository: delivery.pushRepository} : {})},
      ...(secretFor ? {secret: secretFor} : {}),
    })

    const service = serviceIn(deployed.release.manifest ?? '')
    return {
      release: config.release,
      namespace: config.namespace,
      kubeContext: config.kubeContext,
      ...(service ? {service} : {}),
      revision: deployed.release.revision,
      image: pullRef,
      tag: context.tag,
      ...(digest ? {digest} : {}),
      context: {files: context.files, bytes: context.bytes},
      delivery: delivery.mode,
      cluster: cluster.kind,
      builder: builder.kind,
      built,
      pushed,
      upToDate: deployed.upToDate,
      fingerprint,
      ...('commit' in deployed && deployed.commit ? {commit: deployed.commit} : {}),
      ...('afterRollback' in deployed && deployed.afterRollback ? {afterRollback: deployed.afterRollback} : {}),
      timings: clock.timings,
      totalMs: clock.elapsed(),
      ...(buildLog ? {buildLog} : {}),
    }
  }

  /**
   * The deploy and rollout stages: helm upgrade --install with the image, unless the live revision has
   * the same fingerprint (then nothing is done and no revision is made), then the wait for the rollout.
   */
  private async release(
    config: DeployConfig,
    input: {
      clock: StageClock
      signal: AbortSignal | undefined
      deployedStatus: Promise<HelmRelease | undefined>
      fingerprint: string
      built: boolean
      setString: Record<string, string>
      record: {tag: string; repository?: string}
      secret?: {registry: string; credentials: Extract<FoundCredentials['credentials'], {kind: 'basic'}>}
    },
  ): Promise<{release: HelmRelease; upToDate: boolean; commit?: string; afterRollback?: {revision: number; to: number}}> {
    const {kube, helm} = this.deps
    const {clock, signal, deployedStatus, fingerprint, built} = input
    const deployed = await clock.run(
      'deploy',
      `helm upgrade --install ${config.release} (namespace ${config.namespace})`,
      async progress => {
        const namespace = await kube.ensureNamespace(config.namespace)
        if (namespace === 'created') progress({message: `created namespace ${config.namespace}`})
        const set: Record<string, string> = {...config.set}
        if (input.secret) {
          const secret = pullSecret({release: config.release, namespace: config.namespace, registry: input.secret.registry, credentials: input.secret.credentials})
          await kube.applySecret(config.namespace, secret)
          set['imagePullSecrets[0].name'] = pullSecretName(config.release)
          progress({message: `image pull secret ${pullSecretName(config.release)} is up to date`})
        }
        // git runs alongside when a deploy is certain (a new image); otherwise only once the no-op check says so.
        const source = built ? this.sourceOf(config) : undefined
        // A new image means a new fingerprint: only an unbuilt image can already be deployed.
        const current = built ? await deployedStatus.catch(() => undefined) : await deployedStatus
        const live = current?.status === 'deployed' ? current : undefined
        if (!built && live && parseRecord(live.description)?.fingerprint === fingerprint) return {release: live, upToDate: true}
        // A rollback's revision never matches (helm describes it "Rollback to N"), so the folder goes out again.
        const rolledBackTo = live ? rollbackSource(live.description) : undefined
        const afterRollback = live && rolledBackTo !== undefined ? {revision: live.revision, to: rolledBackTo} : undefined
        if (afterRollback) progress({message: `revision ${afterRollback.revision} is a rollback to revision ${afterRollback.to}: deploying this folder again`})
        const state = await (source ?? this.sourceOf(config))
        const commit = state ? describeSource(state) : undefined
        const description = formatRecord({fingerprint, ...input.record, ...(commit ? {commit} : {})})
        const release = await helm.upgrade({
          release: config.release,
          chart: config.chart,
          namespace: config.namespace,
          ...(config.kubeContext ? {kubeContext: config.kubeContext} : {}),
          valuesFiles: config.values,
          set,
          setString: input.setString,
          description,
        })
        return {release, upToDate: false, ...(commit ? {commit} : {}), ...(afterRollback ? {afterRollback} : {})}
      },
      d => (d.upToDate ? `release ${config.release} revision ${d.release.revision} is up to date` : `release ${config.release} revision ${d.release.revision}`),
    )

    if (signal?.aborted) {
      clock.skip('rollout', `interrupted: revision ${deployed.release.revision} is deployed and rolls out on its own`)
    } else {
      await this.waitForRollout(config, deployed.release, clock, signal)
    }
    return deployed
  }

  /** A service that runs an image as it is (redis:7): nothing to tag, build or push; deployed as any other. */
  private async deployPrebuilt(
    config: DeployConfig,
    image: {repository: string; tag: string},
    input: {clock: StageClock; options: UpOptions; deployedStatus: Promise<HelmRelease | undefined>; cluster: ClusterInfo['kind']},
  ): Promise<UpResult> {
    const {clock, options} = input
    const ref = `${image.repository}:${image.tag}`
    const fingerprint = this.fingerprint(config, ref)
    const previous = options.previous
    if (previous && previous.tag === image.tag && previous.fingerprint === fingerprint) {
      for (const stage of ['tag', 'build', 'push', 'deploy', 'rollout'] as const) clock.skip(stage, 'unchanged since the last deploy')
      return {...(previous as UpResult), upToDate: true, built: false, pushed: false, timings: clock.timings, totalMs: clock.elapsed()}
    }
    clock.skip('tag', `${ref}: deployed as it is`)
    clock.skip('build', 'nothing to build')
    clock.skip('push', 'the cluster pulls the image itself')
    await options.gates?.deploy?.()
    if (options.signal?.aborted) throw new DraftError('ABORTED', {stage: 'the wait for dependencies'})
    const deployed = await this.release(config, {
      clock,
      signal: options.signal,
      deployedStatus: input.deployedStatus,
      fingerprint,
      built: false,
      setString: {'image.repository': image.repository, 'image.tag': image.tag},
      record: {tag: image.tag},
    })
    const service = serviceIn(deployed.release.manifest ?? '')
    return {
      release: config.release,
      namespace: config.namespace,
      kubeContext: config.kubeContext,
      ...(service ? {service} : {}),
      revision: deployed.release.revision,
      image: ref,
      tag: image.tag,
      context: {files: 0, bytes: 0},
      delivery: 'prebuilt',
      cluster: input.cluster,
      builder: config.builder,
      built: false,
      pushed: false,
      upToDate: deployed.upToDate,
      fingerprint,
      ...(deployed.commit ? {commit: deployed.commit} : {}),
      ...(deployed.afterRollback ? {afterRollback: deployed.afterRollback} : {}),
      timings: clock.timings,
      totalMs: clock.elapsed(),
    }
  }

  private async build(
    config: DeployConfig,
    builder: ImageBuilder,
    context: PreparedContext,
    ref: string,
    clock: StageClock,
    options: UpOptions,
    push: ImageBuildRequest['push'],
  ): Promise<{logPath: string; result: ImageBuildResult}> {
    const logPath = join(stateDirFor(config, 'logs'), 'build.log')
    const log = createWriteStream(logPath)
    const {signal, dispose} = linkSignals(options.signal, options.buildSignal)
    // A run of several services shares the machine's cores: wait for a build slot, give it back after.
    let giveBack: (() => void) | undefined
    try {
      if (options.gates?.build) {
        giveBack = await options.gates.build()
        if (signal?.aborted) throw new DraftError('ABORTED', {stage: 'the wait for a build slot'})
      }
      const result = await clock.run(
        'build',
        `building ${ref}${builder.kind === 'cluster' ? ' in the cluster' : ''}`,
        async progress => {
          try {
            return await builder.build({
              config,
              context,
              ref,
              ...(push ? {push} : {}),
              ...(signal ? {signal} : {}),
              progress,
              onLog: line => {
                log.write(`${line}\n`)
                options.onBuildLine?.(line)
              },
            })
          } catch (error) {
            if (error instanceof BuildFailure) {
              throw new DraftError('BUILD_FAILED', {step: error.step, reason: error.reason, log: relative(process.cwd(), logPath) || logPath, details: error.tail})
            }
            throw error
          }
        },
        r => `${r.engine === 'buildkit' ? 'BuildKit' : 'classic'}${builder.kind === 'cluster' ? ' in the cluster' : ''}: ${r.steps} steps, ${r.cachedSteps} cached`,
      )
      return {logPath, result}
    } finally {
      giveBack?.()
      dispose()
      await new Promise<void>(resolve => log.end(resolve))
    }
  }

  private async waitForRollout(config: DeployConfig, release: HelmRelease, clock: StageClock, signal?: AbortSignal): Promise<void> {
    const manifest = release.manifest ?? (await this.deps.helm.status(config.release, config.namespace, config.kubeContext || undefined))?.manifest ?? ''
    const containerPort = containerPortOf(config.set)
    await waitForRollout(
      {kube: this.deps.kube, ...(this.deps.streams ? {streams: this.deps.streams} : {}), now: this.now, sleep: this.sleep, ...(this.deps.pollMs === undefined ? {} : {pollMs: this.deps.pollMs})},
      {namespace: config.namespace, timeoutMs: config.timeoutMs, ...(containerPort ? {containerPort} : {})},
      manifest,
      clock,
      signal,
    )
  }

  /** The folder's commit; a git that fails never fails a deploy, it only leaves the commit out. */
  private async sourceOf(config: DeployConfig) {
    return this.deps.git?.sourceState(config.appDir).catch(() => undefined)
  }

  /**
   * What a deploy is made of: the image, the chart's files, the values files, the --set values and
   * where it goes. Recorded at the head of the revision's description (src/up/record.ts), so an
   * unchanged `draft up` is a no-op.
   */
  private fingerprint(config: DeployConfig, image: string): string {
    const hash = createHash('sha256')
    hash.update(`image=${image}\nrelease=${config.release}\nnamespace=${config.namespace}\n`)
    for (const file of walk(config.chart)) hash.update(`chart:${relative(config.chart, file)}\n`).update(readFileSync(file))
    for (const file of config.values) hash.update(`values:${file}\n`).update(readFileSync(file))
    for (const key of Object.keys(config.set).sort()) hash.update(`set:${key}=${config.set[key]}\n`)
    for (const key of Object.keys(config.setString ?? {}).sort()) hash.update(`set-string:${key}=${config.setString![key]}\n`)
    return `draft ${hash.digest('hex').slice(0, 24)}`
  }
}

function walk(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, {withFileTypes: true}).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...walk(path))
    else if (entry.isFile() && statSync(path).size < 5 * 1024 * 1024) out.push(path)
  }
  return out
}

const formatMs = (ms: number): string => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`)
