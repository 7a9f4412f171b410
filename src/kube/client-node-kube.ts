import type * as k8s from './kubernetes-client.js'

import {DraftError} from '../core/errors.js'
import type {ContainerState, DeploymentState, EventState, Kube, KubeObject, KubeTarget, LocalRegistryHosting, ObjectRef, PodChange, PodState, PortState} from './kube.js'
import {type KubeClient, type LoadedKubeConfig, loadKubeConfig} from './kube-config.js'
import {bodyMessage, kubeError, statusOf as status} from './kube-errors.js'

/** The real Kubernetes API, through @kubernetes/client-node (loaded lazily: it is heavy). */
export class ClientNodeKube implements Kube {
  private readonly k: KubeClient
  private readonly config: k8s.KubeConfig
  private readonly resolved: KubeTarget

  constructor(loaded: LoadedKubeConfig) {
    this.k = loaded.k
    this.config = loaded.config
    this.resolved = loaded.target
  }

  /** Load the kubeconfig (KUBECONFIG or ~/.kube/config) and choose the context. */
  static async open(kubeContext?: string, env: NodeJS.ProcessEnv = process.env): Promise<ClientNodeKube> {
    return new ClientNodeKube(await loadKubeConfig(kubeContext, env))
  }

  target(): KubeTarget {
    return this.resolved
  }

  async ping(): Promise<string> {
    try {
      const version = await this.config.makeApiClient(this.k.VersionApi).getCode()
      return version.gitVersion
    } catch (error) {
      throw this.unreachable(error)
    }
  }

  async ensureNamespace(namespace: string): Promise<'exists' | 'created'> {
    const core = this.config.makeApiClient(this.k.CoreV1Api)
    try {
      const existing = await core.readNamespace({name: namespace})
      if (existing.status?.phase === 'Terminating') throw new DraftError('NAMESPACE_TERMINATING', {namespace})
      return 'exists'
    } catch (error) {
      if (error instanceof DraftError) throw error
      const code = status(error)
      // Namespaced users often may not read Namespaces at all, yet may deploy into theirs.
      if (code === 403) return 'exists'
      if (code !== 404) throw this.unreachable(error)
    }
    try {
      await core.createNamespace({body: {metadata: {name: namespace, labels: {'app.kubernetes.io/managed-by': 'draft'}}}})
      return 'created'
    } catch (error) {
      if (status(error) === 409) return 'exists'
      if (status(error) === 403) throw new DraftError('NAMESPACE_FORBIDDEN', {namespace, user: this.resolved.user, verb: 'create the namespace'})
      throw this.unreachable(error)
    }
  }

  async applySecret(namespace: string, secret: {metadata: {name: string; labels?: Record<string, string>}; type: string; data: Record<string, string>}): Promise<void> {
    const core = this.config.makeApiClient(this.k.CoreV1Api)
    const body = {apiVersion: 'v1', kind: 'Secret', ...secret}
    try {
      await core.replaceNamespacedSecret({name: secret.metadata.name, namespace, body})
    } catch (error) {
      if (status(error) === 404) {
        await core.createNamespacedSecret({namespace, body}).catch(e => {
          throw this.forbiddenOr(e, namespace, 'create Secrets')
        })
        return
      }
      throw this.forbiddenOr(error, namespace, 'update Secrets')
    }
  }

  async localRegistryHosting(): Promise<LocalRegistryHosting | undefined> {
    const core = this.config.makeApiClient(this.k.CoreV1Api)
    try {
      const map = await core.readNamespacedConfigMap({name: 'local-registry-hosting', namespace: 'kube-public'})
      const text = map.data?.['localRegistryHosting.v1']
      if (!text) return undefined
      const yaml = (await import('js-yaml')).default
      return yaml.load(text) as LocalRegistryHosting
    } catch (error) {
      if ([403, 404].includes(status(error) ?? 0)) return undefined
      throw this.unreachable(error)
    }
  }

  async deployment(namespace: string, name: string): Promise<DeploymentState | undefined> {
    const apps = this.config.makeApiClient(this.k.AppsV1Api)
    let d: k8s.V1Deployment
    try {
      d = await apps.readNamespacedDeployment({name, namespace})
    } catch (error) {
      if (status(error) === 404) return undefined
      throw this.forbiddenOr(error, namespace, 'read Deployments')
    }
    return toDeployment(d)
  }

  async deployments(namespace: string, selector: string): Promise<DeploymentState[]> {
    const apps = this.config.makeApiClient(this.k.AppsV1Api)
    try {
      const list = await apps.listNamespacedDeployment({namespace, labelSelector: selector})
      return list.items.map(toDeployment)
    } catch (error) {
      throw this.forbiddenOr(error, namespace, 'list Deployments')
    }
  }

  async newestTemplateHash(namespace: string, deployment: DeploymentState): Promise<string | undefined> {
    const apps = this.config.makeApiClient(this.k.AppsV1Api)
    const list = await apps.listNamespacedReplicaSet({namespace, labelSelector: deployment.selector}).catch(error => {
      throw this.forbiddenOr(error, namespace, 'list ReplicaSets')
    })
    const owned = list.items.filter(rs => rs.metadata?.ownerReferences?.some(o => o.kind === 'Deployment' && o.name === deployment.name))
    const revision = (rs: k8s.V1ReplicaSet): number => Number(rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0)
    const newest = owned.sort((a, b) => revision(b) - revision(a))[0]
    return newest?.metadata?.labels?.['pod-template-hash']
  }

  async pods(namespace: string, selector: string): Promise<PodState[]> {
    const core = this.config.makeApiClient(this.k.CoreV1Api)
    try {
      const list = await core.listNamespacedPod({namespace, labelSelector: selector})
      return list.items.map(toPod)
    } catch (error) {
      throw this.forbiddenOr(error, namespace, 'list pods')
    }
  }

  async watchPods(namespace: string, selector: string, handlers: {onList: (pods: PodState[]) => void; onChange: (change: PodChange) => void}, signal: AbortSignal): Promise<void> {
    const core = this.config.makeApiClient(this.k.CoreV1Api)
    let list
    try {
      list = await core.listNamespacedPod({namespace, labelSelector: selector})
    } catch (error) {
      throw this.forbiddenOr(error, namespace, 'list pods')
    }
    if (signal.aborted) return
    handlers.onList(list.items.map(toPod))
    const watch = new this.k.Watch(this.config)
    await new Promise<void>((resolve, reject) => {
      let controller: AbortController | undefined
      let settled = false
      const finish = (error?: unknown): void => {
        if (settled) return
        settled = true
        signal.removeEventListener('abort', onAbort)
        controller?.abort()
        if (error && !signal.aborted) reject(error)
        else resolve()
      }
      const onAbort = (): void => finish()
      signal.addEventListener('abort', onAbort, {once: true})
      const query = {labelSelector: selector, resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 300}
      watch
        .watch(
          `/api/v1/namespaces/${namespace}/pods`,
          query,
          (phase, object: k8s.V1Pod & {code?: number; message?: string}) => {
            if (settled) return
            if (phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED') {
              handlers.onChange({type: phase.toLowerCase() as PodChange['type'], pod: toPod(object)})
            } else if (phase === 'ERROR') {
              // 410 Gone: the list is too old to watch from. Ending lets the caller list again.
              finish(object.code === 410 ? undefined : this.unreachable(Object.assign(new Error(object.message ?? 'watch error'), {code: object.code})))
            }
          },
          error => finish(error ? (status(error) === 403 ? this.forbiddenOr(error, namespace, 'watch pods') : this.unreachable(error)) : undefined),
        )
        .then(c => {
          controller = c
          if (settled) c.abort()
        }, finish)
    })
  }

  async events(namespace: string, objects: readonly string[]): Promise<EventState[]> {
    const core = this.config.makeApiClient(this.k.CoreV1Api)
    const list = await core.listNamespacedEvent({namespace}).catch(error => {
      throw this.forbiddenOr(error, namespace, 'list events')
    })
    return list.items
      .filter(e => objects.includes(e.involvedObject.name ?? ''))
      .map(e => ({
        object: `${e.involvedObject.kind}/${e.involvedObject.name}`,
        type: e.type ?? '',
        reason: e.reason ?? '',
        message: e.message ?? '',
        count: e.count ?? 1,
        lastSeen: String(e.lastTimestamp ?? e.eventTime ?? ''),
      }))
  }

  async secretEnvValues(namespace: string, selector: string): Promise<{values: string[]; unreadable: string[]}> {
    const apps = this.config.makeApiClient(this.k.AppsV1Api)
    const list = await apps.listNamespacedDeployment({namespace, labelSelector: selector}).catch(error => {
      throw this.forbiddenOr(error, namespace, 'list Deployments')
    })
    // Secret name -> the keys taken from it (undefined: all of them, envFrom).
    const wanted = new Map<string, Set<string> | undefined>()
    for (const d of list.items) {
      const spec = d.spec?.template.spec
      for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef
          if (!ref?.name || !ref.key) continue
          const keys = wanted.has(ref.name) ? wanted.get(ref.name) : new Set<string>()
          keys?.add(ref.key)
          wanted.set(ref.name, keys)
        }
        for (const from of c.envFrom ?? []) if (from.secretRef?.name) wanted.set(from.secretRef.name, undefined)
      }
    }
    const core = this.config.makeApiClient(this.k.CoreV1Api)
    const values: string[] = []
    const unreadable: string[] = []
    for (const [name, keys] of wanted) {
      try {
        const secret = await core.readNamespacedSecret({name, namespace})
        for (const [key, data] of Object.entries(secret.data ?? {})) if (!keys || keys.has(key)) values.push(Buffer.from(data, 'base64').toString('utf8'))
        for (const [key, data] of Object.entries(secret.stringData ?? {})) if (!keys || keys.has(key)) values.push(data)
      } catch (error) {
        if (![403, 404].includes(status(error) ?? 0)) throw this.unreachable(error)
        unreadable.push(name)
      }
    }
    return {values, unreadable}
  }

  async annotatePod(namespace: string, pod: string, annotations: Record<string, string>): Promise<void> {
    const core = this.config.makeApiClient(this.k.CoreV1Api)
    await core
      .patchNamespacedPod({name: pod, namespace, body: {metadata: {annotations}}}, this.k.setHeaderOptions('Content-Type', this.k.PatchStrategy.MergePatch))
      .catch(error => {
        throw this.forbiddenOr(error, namespace, `annotate pod ${pod}`)
      })
  }

  async deleteSecrets(namespace: string, selector: string): Promise<string[]> {
    const core = this.config.makeApiClient(this.k.CoreV1Api)
    const list = await core.listNamespacedSecret({namespace, labelSelector: selector}).catch(error => {
      throw this.forbiddenOr(error, namespace, 'list Secrets')
    })
    const names = list.items.map(s => s.metadata?.name ?? '').filter(Boolean)
    for (const name of names) {
      await core.deleteNamespacedSecret({name, namespace}).catch(error => {
        if (status(error) !== 404) throw this.forbiddenOr(error, namespace, 'delete Secrets')
      })
    }
    return names
  }

  async applyObject(object: KubeObject, fieldManager = 'draft'): Promise<void> {
    const api = this.objects()
    try {
      await api.patch(object as k8s.KubernetesObject, undefined, undefined, fieldManager, true, this.k.PatchStrategy.ServerSideApply)
    } catch (error) {
      throw this.objectFailure(error, object.metadata.namespace, `create or update ${plural(object.kind)}`)
    }
  }

  async patchObject(ref: ObjectRef, patch: object): Promise<boolean> {
    // The patch's own metadata (annotations, labels) goes in beside the name the library routes by.
    const {metadata, ...rest} = patch as {metadata?: object}
    const body = {apiVersion: ref.apiVersion, kind: ref.kind, ...rest, metadata: {...metadata, name: ref.name, ...(ref.namespace ? {namespace: ref.namespace} : {})}}
    try {
      await this.objects().patch(body as k8s.KubernetesObject, undefined, undefined, 'draft', undefined, this.k.PatchStrategy.MergePatch)
      return true
    } catch (error) {
      if (status(error) === 404) return false
      throw this.objectFailure(error, ref.namespace, `update ${plural(ref.kind)}`)
    }
  }

  async readObject(ref: ObjectRef): Promise<KubeObject | undefined> {
    try {
      return (await this.objects().read({apiVersion: ref.apiVersion, kind: ref.kind, metadata: {name: ref.name, ...(ref.namespace ? {namespace: ref.namespace} : {})}})) as unknown as KubeObject
    } catch (error) {
      if (status(error) === 404) return undefined
      throw this.objectFailure(error, ref.namespace, `read ${plural(ref.kind)}`)
    }
  }

  async listObjects(apiVersion: string, kind: string, namespace: string, selector: string): Promise<KubeObject[]> {
    try {
      const list = await this.objects().list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, selector)
      // A list's items carry neither apiVersion nor kind.
      return list.items.map(item => ({...(item as unknown as KubeObject), apiVersion, kind}))
    } catch (error) {
      if (status(error) === 404) return []
      throw this.objectFailure(error, namespace, `list ${plural(kind)}`)
    }
  }

  async deleteObject(ref: ObjectRef): Promise<boolean> {
    try {
      await this.objects().delete({apiVersion: ref.apiVersion, kind: ref.kind, metadata: {name: ref.name, ...(ref.namespace ? {namespace: ref.namespace} : {})}}, undefined, undefined, undefined, undefined, 'Background')
      return true
    } catch (error) {
      if (status(error) === 404) return false
      throw this.objectFailure(error, ref.namespace, `delete ${plural(ref.kind)}`)
    }
  }

  private objectApi?: k8s.KubernetesObjectApi
  private objects(): k8s.KubernetesObjectApi {
    this.objectApi ??= this.k.KubernetesObjectApi.makeApiClient(this.config)
    return this.objectApi
  }

  private objectFailure(error: unknown, namespace: string | undefined, verb: string): DraftError {
    if (status(error) === 403) {
      // Creating in a namespace that is being deleted is refused with 403 and this reason.
      if (/because it is being terminated/.test(bodyMessage(error))) return new DraftError('NAMESPACE_TERMINATING', {namespace: namespace ?? ''})
      return new DraftError('NAMESPACE_FORBIDDEN', {namespace: namespace ?? '(cluster-wide)', user: this.resolved.user, verb})
    }
    return this.unreachable(error)
  }

  private unreachable(error: unknown): DraftError {
    return kubeError(error, this.resolved)
  }

  private forbiddenOr(error: unknown, namespace: string, verb: string): DraftError {
    return kubeError(error, this.resolved, {namespace, verb})
  }
}

const conditions = (list: {type: string; status: string; reason?: string; message?: string}[] | undefined) =>
  (list ?? []).map(c => ({type: c.type, status: c.status, reason: c.reason ?? '', message: c.message ?? ''}))

function ports(containers: {name: string; ports?: {name?: string; containerPort: number; protocol?: string}[]}[] | undefined): PortState[] {
  return (containers ?? []).flatMap(c => (c.ports ?? []).map(p => ({container: c.name, name: p.name ?? '', port: p.containerPort, protocol: p.protocol ?? 'TCP'})))
}

function toDeployment(d: k8s.V1Deployment): DeploymentState {
  const s = d.status ?? {}
  return {
    name: d.metadata?.name ?? '',
    generation: d.metadata?.generation ?? 0,
    observedGeneration: s.observedGeneration ?? 0,
    replicas: d.spec?.replicas ?? 1,
    updatedReplicas: s.updatedReplicas ?? 0,
    readyReplicas: s.readyReplicas ?? 0,
    availableReplicas: s.availableReplicas ?? 0,
    unavailableReplicas: s.unavailableReplicas ?? 0,
    selector: Object.entries(d.spec?.selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(','),
    conditions: conditions(s.conditions),
    ports: ports(d.spec?.template.spec?.containers),
    ...probeOf(d.spec?.template.spec?.containers?.[0]),
  }
}

function probeOf(c: k8s.V1Container | undefined): {probe?: {port?: number; path?: string}} {
  const probe = c?.startupProbe ?? c?.readinessProbe ?? c?.livenessProbe
  if (!c || !probe) return {}
  const named = probe.httpGet?.port ?? probe.tcpSocket?.port
  const port = typeof named === 'number' ? named : c.ports?.find(p => p.name === named)?.containerPort
  return {probe: {...(port ? {port} : {}), ...(probe.httpGet?.path ? {path: probe.httpGet.path} : {})}}
}

function containerState(c: k8s.V1ContainerStatus): ContainerState {
  return {
    name: c.name,
    ready: c.ready,
    restartCount: c.restartCount,
    ...(c.containerID ? {id: c.containerID} : {}),
    ...(c.state?.running ? {running: true} : {}),
    ...(c.state?.waiting ? {waiting: {reason: c.state.waiting.reason ?? '', message: c.state.waiting.message ?? ''}} : {}),
    ...(c.state?.terminated
      ? {terminated: {reason: c.state.terminated.reason ?? '', exitCode: c.state.terminated.exitCode, message: c.state.terminated.message ?? ''}}
      : c.lastState?.terminated
        ? {terminated: {reason: c.lastState.terminated.reason ?? '', exitCode: c.lastState.terminated.exitCode, message: c.lastState.terminated.message ?? ''}}
        : {}),
  }
}

function toPod(p: k8s.V1Pod): PodState {
  const time = (value: Date | string | undefined): string | undefined => (value === undefined ? undefined : new Date(value).toISOString())
  return {
    name: p.metadata?.name ?? '',
    phase: p.status?.phase ?? 'Unknown',
    templateHash: p.metadata?.labels?.['pod-template-hash'] ?? '',
    ...(p.metadata?.labels?.['controller-revision-hash'] ? {revision: p.metadata.labels['controller-revision-hash']} : {}),
    ...(p.spec?.nodeName ? {node: p.spec.nodeName} : {}),
    ...(p.metadata?.uid ? {uid: p.metadata.uid} : {}),
    image: p.spec?.containers[0]?.image ?? '',
    conditions: conditions(p.status?.conditions),
    containers: (p.status?.containerStatuses ?? []).map(containerState),
    initContainers: (p.status?.initContainerStatuses ?? []).map(containerState),
    ...(p.metadata?.creationTimestamp ? {created: time(p.metadata.creationTimestamp)} : {}),
    ...(p.metadata?.deletionTimestamp ? {terminating: true} : {}),
    containerNames: (p.spec?.containers ?? []).map(c => c.name),
    ports: ports(p.spec?.containers),
    ...(p.metadata?.annotations ? {annotations: p.metadata.annotations} : {}),
  }
}

/** "StatefulSet" -> "StatefulSets", for messages like "may not create or update StatefulSets". */
const plural = (kind: string): string => (kind.endsWith('s') ? `${kind}es` : `${kind}s`)
