import {Writable} from 'node:stream'

import {DraftError} from '../core/errors.js'
import {SolveTracker} from '../docker/buildkit-status.js'
import type {Kube, KubeObject, PodState} from '../kube/kube.js'
import type {PodStreams} from '../pod-streams/pod-streams.js'
import {PodStreamError} from '../pod-streams/pod-streams.js'
import {LineSplitter} from '../pod-streams/stream-text.js'
import {sleep as defaultSleep} from '../util/signals.js'
import {authDigest, authFileContent, authFileName} from './auth.js'
import {
  EXIT_CONTEXT,
  EXIT_CREDENTIALS,
  EXIT_WORKDIR,
  OUTPUT_PREFIX,
  buildCommand,
  buildOwner,
  buildId,
  buildctlError,
  cancelCommand,
  classifyBuildError,
  parseMetadata,
  parseRawJson,
} from './buildctl.js'
import type {
  BuilderDeleteResult,
  BuilderStatus,
  BuilderTarget,
  ClusterBuildRequest,
  ClusterBuildResult,
  ClusterBuilder,
  ReadyOptions,
} from './cluster-builder.js'
import {type Readiness, choosePod, judgeReadiness, planBuilder} from './plan.js'
import type {BuilderSettings} from './settings.js'
import {
  AUTH_SECRET,
  BUILDER_CONTAINER,
  BUILDER_NAME,
  CONFIG_MAP,
  MANAGED_BY,
  NAMESPACE_OWNER_LABEL,
  POD_SELECTOR,
  type BuilderSpec,
  builderSpec,
  configMapObject,
  namespaceObject,
  recordedSpec,
  serviceAccountObject,
  statefulSetObject,
} from './workload.js'

const STATEFUL_SET = {apiVersion: 'apps/v1', kind: 'StatefulSet', name: BUILDER_NAME}
const SECRET = {apiVersion: 'v1', kind: 'Secret', name: AUTH_SECRET}
/** On a builder pod, the digest of the newest credentials: a change makes the kubelet sync the pod (and its Secret volume) now rather than at its next resync. */
const AUTH_ANNOTATION = 'draft.dev/registry-auth'

export interface KubeBuildKitOptions {
  now?: () => number
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  /** How often a starting builder is looked at. */
  pollMs?: number
  random?: () => number
}

/**
 * The cluster builder on the Kubernetes API: server-side apply for its objects, pods and events for
 * its readiness, exec (pod-streams) for builds. Observes, asks the pure decisions in plan.ts, applies.
 */
export class KubeBuildKit implements ClusterBuilder {
  private readonly now: () => number
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>
  private readonly pollMs: number

  constructor(private readonly kube: Kube, private readonly streams: PodStreams, private readonly options: KubeBuildKitOptions = {}) {
    this.now = options.now ?? (() => performance.now())
    this.sleep = options.sleep ?? defaultSleep
    this.pollMs = options.pollMs ?? 500
  }

  async ready(settings: BuilderSettings, options: ReadyOptions): Promise<BuilderTarget> {
    const {namespace} = settings
    const spec = builderSpec(settings)
    const progress = options.progress ?? (() => undefined)
    const guard = <T>(work: Promise<T>, verb: string): Promise<T> => work.catch(error => {
      throw this.forbidden(error, namespace, verb)
    })

    // Users of one namespace often may not read Namespace objects, yet may use theirs: forbidden means "there".
    const ns = await this.kube.readObject({apiVersion: 'v1', kind: 'Namespace', name: namespace}).catch(error => {
      if (error instanceof DraftError && error.code === 'NAMESPACE_FORBIDDEN') return {apiVersion: 'v1', kind: 'Namespace', metadata: {name: namespace}} as KubeObject
      throw error
    })
    if ((ns?.status as {phase?: string} | undefined)?.phase === 'Terminating') throw new DraftError('NAMESPACE_TERMINATING', {namespace})
    const existing = ns ? await guard(this.kube.readObject({...STATEFUL_SET, namespace}), 'read StatefulSets') : undefined
    const plan = planBuilder(spec, namespace, existing ? {...(recordedSpec(existing.metadata.annotations) ? {spec: recordedSpec(existing.metadata.annotations)!} : {})} : undefined)
    let running = existing
    if (plan.action !== 'keep') {
      progress(plan.message)
      if (!ns) await guard(this.kube.applyObject(namespaceObject(namespace)), 'create the namespace')
      await guard(this.kube.applyObject(serviceAccountObject(namespace)), 'create ServiceAccounts')
      await guard(this.kube.applyObject(configMapObject(namespace, spec)), 'create ConfigMaps')
      if (plan.action === 'replace') {
        await guard(this.kube.deleteObject({...STATEFUL_SET, namespace}), 'delete StatefulSets')
        await this.waitGone(`the StatefulSet ${BUILDER_NAME} in namespace ${namespace}`, () => this.kube.readObject({...STATEFUL_SET, namespace}), options.signal, 60_000)
      }
      await guard(this.kube.applyObject(statefulSetObject(namespace, spec)), 'create StatefulSets')
      running = await guard(this.kube.readObject({...STATEFUL_SET, namespace}), 'read StatefulSets')
    } else if (plan.message) {
      progress(plan.message)
    }
    const runningSpec = (plan.action === 'keep' ? recordedSpec(existing?.metadata.annotations) : undefined) ?? spec

    const started = this.now()
    const timeoutMs = options.timeoutMs ?? 300_000
    const changed = plan.action !== 'keep'
    let said = ''
    for (let poll = 0; ; poll++) {
      if (options.signal?.aborted) throw new DraftError('ABORTED', {stage: 'the wait for the builder'})
      const [pods, sts] = await Promise.all([
        guard(this.kube.pods(namespace, POD_SELECTOR), 'list pods'),
        poll > 0 ? guard(this.kube.readObject({...STATEFUL_SET, namespace}), 'read StatefulSets') : Promise.resolve(running),
      ])
      const status = sts?.status as {updateRevision?: string; observedGeneration?: number} | undefined
      // Right after draft changed it, the revision counts only once the controller has seen the change.
      const seen = !changed || (status?.observedGeneration ?? 0) >= ((sts?.metadata as {generation?: number} | undefined)?.generation ?? 0)
      const revision = seen ? status?.updateRevision : undefined
      const waitedMs = this.now() - started
      const judge = (events: Parameters<typeof judgeReadiness>[0]['events']) =>
        judgeReadiness({pods, events, ...(revision ? {revision} : {}), ...(changed ? {acceptOlder: false} : {}), waitedMs, timeoutMs})
      // Events cost a list of the namespace's events: asked only once the pods are not Ready at once.
      const quick = seen ? judge([]) : undefined
      const verdict: Readiness = !seen
        ? waitedMs >= timeoutMs
          ? {state: 'failed', cause: 'timeout', detail: 'the StatefulSet controller did not take up the change'}
          : {state: 'waiting', message: 'the StatefulSet controller is taking up the change'}
        : quick!.state === 'ready'
          ? quick!
          : judge(await this.kube.events(namespace, [BUILDER_NAME, ...pods.map(p => p.name)]).catch(() => []))
      if (verdict.state === 'ready') {
        const pod = choosePod(options.app, verdict.pods)!
        const state = pods.find(p => p.name === pod)!
        return {
          namespace,
          pod,
          version: runningSpec.version,
          rootless: runningSpec.rootless,
          hostNetwork: runningSpec.hostNetwork,
          restarts: state.containers.find(c => c.name === BUILDER_CONTAINER)?.restartCount ?? 0,
          ...(state.uid ? {uid: state.uid} : {}),
        }
      }
      if (verdict.state === 'failed') {
        const details = verdict.cause === 'crashed' && verdict.pod ? await this.lastLines(namespace, verdict.pod) : []
        throw new DraftError('BUILDER_NOT_READY', {
          namespace,
          cause: verdict.cause,
          ...(verdict.pod ? {pod: verdict.pod} : {}),
          detail: verdict.detail,
          image: runningSpec.image,
          rootless: runningSpec.rootless,
          ...(details.length ? {details} : {}),
        })
      }
      if (verdict.message !== said) {
        progress(`waiting for the builder: ${verdict.message}`)
        said = verdict.message
      }
      await this.sleep(this.pollMs, options.signal).catch(() => undefined)
    }
  }

  async build(target: BuilderTarget, request: ClusterBuildRequest): Promise<ClusterBuildResult> {
    const {namespace, pod} = target
    const auth = request.credentials ? await this.storeCredentials(target, request.registry, request.credentials.credentials) : undefined
    const id = buildId(this.options.random)
    const tracker = new SolveTracker({
      ...(request.onProgress ? {onProgress: request.onProgress} : {}),
      ...(request.onLog ? {onLog: request.onLog} : {}),
    })
    const begun = this.now()
    let contextMs: number | undefined
    let digest: string | undefined
    let scriptError = ''
    let solveError = ''
    let pushStarted: number | undefined
    let pushMs: number | undefined
    const onStdout = (line: string): void => {
      if (line === `${OUTPUT_PREFIX} building`) {
        contextMs = this.now() - begun
        request.onStatus?.('context sent; building')
        return
      }
      const metadata = parseMetadata(line)
      if (metadata) {
        digest = metadata.digest
        return
      }
      if (line.startsWith(OUTPUT_PREFIX)) request.onStatus?.(line.slice(OUTPUT_PREFIX.length).trim())
    }
    const onStderr = (line: string): void => {
      const status = parseRawJson(line)
      if (status) {
        for (const v of status.vertexes) {
          if (v.name === 'exporting to image' && v.started && pushStarted === undefined) pushStarted = this.now()
          if (v.name === 'exporting to image' && v.completed && pushStarted !== undefined) pushMs = this.now() - pushStarted
        }
        tracker.update(status)
        return
      }
      if (line.startsWith(OUTPUT_PREFIX)) {
        scriptError = line.slice(OUTPUT_PREFIX.length).trim()
        return
      }
      const error = buildctlError(line)
      if (error) solveError = error
      else if (line.trim()) request.onLog?.(line)
    }

    // The exec is stopped only after the build in the pod has been: closing the stream alone would leave it running.
    const stream = new AbortController()
    let cancelled: Promise<void> | undefined
    const onAbort = (): void => {
      cancelled ??= this.streams
        .exec({namespace, pod, container: BUILDER_CONTAINER}, cancelCommand(id), {})
        .then(() => undefined, () => undefined)
        .finally(() => stream.abort())
    }
    request.signal?.addEventListener('abort', onAbort, {once: true})
    if (request.signal?.aborted) onAbort()

    let result
    try {
      result = await this.streams.exec(
        {namespace, pod, container: BUILDER_CONTAINER},
        buildCommand({
          id,
          owner: request.owner ?? ownerKey(request.ref),
          dockerfile: request.dockerfile,
          buildArgs: request.buildArgs,
          ...(request.target ? {target: request.target} : {}),
          ref: request.ref,
          ...(auth ? {auth} : {}),
        }),
        {stdin: request.context, stdout: lines(onStdout), stderr: lines(onStderr)},
        stream.signal,
      )
    } catch (error) {
      if (request.signal?.aborted) {
        await cancelled
        throw new DraftError('ABORTED', {stage: 'the build in the cluster'})
      }
      if (error instanceof PodStreamError) {
        if (error.failure === 'forbidden') throw new DraftError('BUILDER_FORBIDDEN', {namespace, user: this.kube.target().user, verb: 'exec into pods (pods/exec)'})
        throw await this.lost(target, error.message)
      }
      throw error
    } finally {
      request.signal?.removeEventListener('abort', onAbort)
    }
    // The last lines may still be on their way through the output pipes.
    await new Promise(resolve => setImmediate(resolve))
    if (request.signal?.aborted) {
      await cancelled
      throw new DraftError('ABORTED', {stage: 'the build in the cluster'})
    }

    if (result.exitCode === 0 && digest) {
      return {digest, ...tracker.counts(), contextMs: Math.round(contextMs ?? this.now() - begun), ...(pushMs !== undefined ? {pushMs: Math.round(pushMs)} : {})}
    }
    if ([EXIT_WORKDIR, EXIT_CONTEXT, EXIT_CREDENTIALS, 126, 127].includes(result.exitCode) && !tracker.failure()) {
      throw new DraftError('BUILDER_EXEC_FAILED', {namespace, pod, reason: scriptError || result.message || `exit code ${result.exitCode}`})
    }
    if (solveError) tracker.fail(solveError)
    const failure = tracker.failure()
    if (!failure) throw await this.lost(target, result.message || `the build ended with exit code ${result.exitCode} and no error`)
    switch (classifyBuildError(failure.reason, failure.step)) {
      case 'registry-unreachable':
        throw new DraftError('BUILDER_REGISTRY_UNREACHABLE', {registry: request.registry, namespace, reason: shortReason(failure.reason), hostNetwork: target.hostNetwork})
      case 'registry-unauthorized':
        throw new DraftError('REGISTRY_UNAUTHORIZED', {registry: request.registry, login: request.registry, ...(request.credentials ? {source: request.credentials.source} : {})})
      case 'builder-lost':
        throw await this.lost(target, shortReason(failure.reason))
      default:
        throw failure
    }
  }

  async status(settings: BuilderSettings): Promise<BuilderStatus> {
    const {namespace} = settings
    const guard = <T>(work: Promise<T>, verb: string): Promise<T> => work.catch(error => {
      throw this.forbidden(error, namespace, verb)
    })
    const ns = await guard(this.kube.readObject({apiVersion: 'v1', kind: 'Namespace', name: namespace}), 'read the namespace')
    const sts = ns ? await guard(this.kube.readObject({...STATEFUL_SET, namespace}), 'read StatefulSets') : undefined
    const empty: BuilderStatus = {namespace, exists: false, ownsNamespace: false, replicas: {wanted: 0, ready: 0}, pods: [], registries: []}
    if (!sts) return {...empty, ownsNamespace: ns?.metadata.labels?.[NAMESPACE_OWNER_LABEL] === 'true'}
    const spec = recordedSpec(sts.metadata.annotations)
    const pods = await guard(this.kube.pods(namespace, POD_SELECTOR), 'list pods')
    const events = await this.kube.events(namespace, [BUILDER_NAME, ...pods.map(p => p.name)]).catch(() => [])
    const revision = (sts.status as {updateRevision?: string} | undefined)?.updateRevision
    const readiness = judgeReadiness({pods, events, ...(revision ? {revision} : {}), waitedMs: 0, timeoutMs: Infinity})
    const secret = await this.kube.readObject({...SECRET, namespace}).catch(() => undefined)
    const registries = Object.keys((secret?.data as Record<string, string> | undefined) ?? {})
      .map(key => {
        try {
          return Object.keys((JSON.parse(Buffer.from((secret!.data as Record<string, string>)[key]!, 'base64').toString('utf8')) as {auths?: object}).auths ?? {})
        } catch {
          return []
        }
      })
      .flat()
    const podStatus = await Promise.all(pods.map(async p => ({
      name: p.name,
      phase: p.terminating ? 'Terminating' : p.phase,
      ready: readiness.state === 'ready' && readiness.pods.includes(p.name),
      restarts: p.containers.find(c => c.name === BUILDER_CONTAINER)?.restartCount ?? 0,
      ...(p.node ? {node: p.node} : {}),
      ...(podReason(p) ? {reason: podReason(p)!} : {}),
      ...(readiness.state === 'ready' && readiness.pods.includes(p.name) ? await this.cacheBytes(namespace, p.name) : {}),
    })))
    return {
      namespace,
      exists: true,
      ownsNamespace: ns?.metadata.labels?.[NAMESPACE_OWNER_LABEL] === 'true',
      ...(spec ? {version: spec.version, image: spec.image, rootless: spec.rootless, hostNetwork: spec.hostNetwork} : {}),
      replicas: {wanted: (sts.spec as {replicas?: number} | undefined)?.replicas ?? 1, ready: podStatus.filter(p => p.ready).length},
      ...(spec ? {cache: spec.cacheSize ? {kind: 'volume' as const, size: spec.cacheSize, ...(spec.storageClass ? {storageClass: spec.storageClass} : {})} : {kind: 'emptyDir' as const}} : {}),
      pods: podStatus,
      readiness,
      registries,
    }
  }

  async delete(settings: BuilderSettings, options: {progress?: (message: string) => void; signal?: AbortSignal; timeoutMs?: number} = {}): Promise<BuilderDeleteResult> {
    const {namespace} = settings
    const progress = options.progress ?? (() => undefined)
    const guard = <T>(work: Promise<T>, verb: string): Promise<T> => work.catch(error => {
      throw this.forbidden(error, namespace, verb)
    })
    const timeoutMs = options.timeoutMs ?? 120_000
    const ns = await guard(this.kube.readObject({apiVersion: 'v1', kind: 'Namespace', name: namespace}), 'read the namespace')
    if (!ns) return {namespace, deleted: []}
    if (ns.metadata.labels?.[NAMESPACE_OWNER_LABEL] === 'true' && ns.metadata.labels?.[MANAGED_BY] === 'draft') {
      // The namespace is the builder's own: deleting it takes every object and volume claim with it.
      progress(`deleting namespace ${namespace}`)
      await guard(this.kube.deleteObject({apiVersion: 'v1', kind: 'Namespace', name: namespace}), 'delete the namespace')
      await this.waitGone(`namespace ${namespace}`, () => this.kube.readObject({apiVersion: 'v1', kind: 'Namespace', name: namespace}), options.signal, timeoutMs, () => progress(`waiting for namespace ${namespace} to go`))
      return {namespace, deleted: [`namespace ${namespace}`]}
    }
    // A namespace draft did not make: only the builder's objects go.
    const deleted: string[] = []
    const claims = await guard(this.kube.listObjects('v1', 'PersistentVolumeClaim', namespace, POD_SELECTOR), 'list PersistentVolumeClaims')
    for (const ref of [{...STATEFUL_SET, namespace}, {...SECRET, namespace}, {apiVersion: 'v1', kind: 'ConfigMap', name: CONFIG_MAP, namespace}, {apiVersion: 'v1', kind: 'ServiceAccount', name: BUILDER_NAME, namespace}, ...claims.map(c => ({apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: c.metadata.name, namespace}))]) {
      if (await guard(this.kube.deleteObject(ref), `delete ${ref.kind}s`)) deleted.push(`${ref.kind.toLowerCase()} ${ref.name}`)
    }
    progress(`waiting for the builder's pods to go`)
    await this.waitGone(`the builder's pods in namespace ${namespace}`, async () => ((await this.kube.pods(namespace, POD_SELECTOR)).length ? true : undefined), options.signal, timeoutMs)
    return {namespace, deleted}
  }

  /**
   * The credentials for the push, as one key of the builder's Secret (each registry its own key and
   * field manager, so concurrent builds for different registries never overwrite each other). Written
   * only when they changed; then the pods are nudged so the kubelet refreshes the mounted Secret now.
   */
  private async storeCredentials(target: BuilderTarget, registry: string, credentials: Parameters<typeof authFileContent>[1]): Promise<{file: string; digest: string}> {
    const {namespace} = target
    const file = authFileName(registry)
    const content = authFileContent(registry, credentials)
    const digest = authDigest(content)
    const encoded = Buffer.from(content, 'utf8').toString('base64')
    const secret = await this.kube.readObject({...SECRET, namespace}).catch(error => {
      throw this.forbidden(error, namespace, 'read Secrets')
    })
    if ((secret?.data as Record<string, string> | undefined)?.[file] !== encoded) {
      const object: KubeObject = {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {name: AUTH_SECRET, namespace, labels: {[MANAGED_BY]: 'draft', 'app.kubernetes.io/instance': BUILDER_NAME}},
        type: 'Opaque',
        data: {[file]: encoded},
      }
      await this.kube.applyObject(object, `draft-${file}`.slice(0, 128)).catch(error => {
        throw this.forbidden(error, namespace, 'create or update Secrets')
      })
      const pods = await this.kube.pods(namespace, POD_SELECTOR).catch(() => [] as PodState[])
      await Promise.all(pods.map(p => this.kube.patchObject({apiVersion: 'v1', kind: 'Pod', name: p.name, namespace}, {metadata: {annotations: {[AUTH_ANNOTATION]: digest.slice(0, 16)}}}).catch(() => false)))
    }
    return {file, digest}
  }

  /** BUILDER_LOST, with what happened to the pod when it says. */
  private async lost(target: BuilderTarget, fallback: string): Promise<DraftError> {
    const pods = await this.kube.pods(target.namespace, POD_SELECTOR).catch(() => undefined)
    const pod = pods?.find(p => p.name === target.pod)
    const container = pod?.containers.find(c => c.name === BUILDER_CONTAINER)
    const reason = !pods
      ? fallback
      : !pod
        ? 'the pod was deleted'
        : target.uid && pod.uid && pod.uid !== target.uid
          ? 'the pod was deleted and made again'
          : pod.terminating
          ? 'the pod is being deleted'
          : container && container.restartCount > target.restarts
            ? `buildkitd restarted${container.terminated ? ` (${container.terminated.reason || `exit code ${container.terminated.exitCode}`})` : ''}`
            : fallback
    return new DraftError('BUILDER_LOST', {namespace: target.namespace, pod: target.pod, reason})
  }

  private async lastLines(namespace: string, pod: string): Promise<string[]> {
    const read = async (previous: boolean): Promise<string[]> => {
      const out: string[] = []
      const stream = await this.streams.logs({namespace, pod, container: BUILDER_CONTAINER}, {tailLines: 12, ...(previous ? {previous: true} : {})}, line => out.push(line.text))
      await stream.done
      return out
    }
    return read(true).catch(() => read(false)).catch(() => [])
  }

  private async cacheBytes(namespace: string, pod: string): Promise<{cacheBytes?: number}> {
    let out = ''
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        out += chunk.toString('utf8')
        callback()
      },
    })
    try {
      const result = await this.streams.exec({namespace, pod, container: BUILDER_CONTAINER}, ['buildctl', 'du', '--format', '{{json .}}'], {stdout: sink})
      if (result.exitCode !== 0) return {}
      const records = out.split('\n').filter(l => l.startsWith('{') || l.startsWith('[')).flatMap(l => {
        const value = JSON.parse(l) as {Size?: number; size?: number} | {Size?: number; size?: number}[]
        return Array.isArray(value) ? value : [value]
      })
      return {cacheBytes: records.reduce((sum, r) => sum + (r.Size ?? r.size ?? 0), 0)}
    } catch {
      return {}
    }
  }

  private async waitGone(what: string, read: () => Promise<unknown>, signal: AbortSignal | undefined, timeoutMs: number, onWait?: () => void): Promise<void> {
    const started = this.now()
    let said = false
    while (await read()) {
      if (signal?.aborted) throw new DraftError('ABORTED', {stage: 'the wait'})
      if (this.now() - started > timeoutMs) throw new DraftError('BUILDER_STILL_THERE', {what, seconds: Math.round(timeoutMs / 1000)})
      if (!said) onWait?.()
      said = true
      await this.sleep(this.pollMs, signal).catch(() => undefined)
    }
  }

  private forbidden(error: unknown, namespace: string, verb: string): unknown {
    if (error instanceof DraftError && error.code === 'NAMESPACE_FORBIDDEN') {
      return new DraftError('BUILDER_FORBIDDEN', {namespace, user: this.kube.target().user, verb: (error.context as {verb: string}).verb || verb})
    }
    return error
  }
}

/** A Writable that hands over whole lines. */
function lines(onLine: (line: string) => void): Writable {
  const splitter = new LineSplitter()
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of splitter.push(chunk)) onLine(line)
      callback()
    },
    final(callback) {
      for (const line of splitter.flush()) onLine(line)
      callback()
    },
  })
}

/** BuildKit's reasons nest every layer's prefix; the end says what happened. */
function shortReason(reason: string): string {
  const parts = reason.split(': ')
  return parts.length > 3 ? parts.slice(-3).join(': ') : reason
}

/** Without an owner from the caller: the repository the build pushes to. */
const ownerKey = (ref: string): string => buildOwner(ref.replace(/:[^/:]*$/, ''))

function podReason(p: PodState): string | undefined {
  const waiting = p.containers.find(c => c.waiting)?.waiting
  if (waiting) return waiting.reason
  const unscheduled = p.conditions.find(c => c.type === 'PodScheduled' && c.status === 'False')
  return unscheduled?.reason
}

export type {BuilderSpec}
