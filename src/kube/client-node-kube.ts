import {homedir} from 'node:os'
import {existsSync} from 'node:fs'
import {delimiter, join} from 'node:path'

import type * as k8s from './kubernetes-client.js'

import {DraftError} from '../core/errors.js'
import type {DeploymentState, EventState, Kube, KubeTarget, LocalRegistryHosting, PodState} from './kube.js'
import {kubeError, statusOf as status} from './kube-errors.js'

type Client = typeof import('./kubernetes-client.js')

/** The real Kubernetes API, through @kubernetes/client-node (loaded lazily: it is heavy). */
export class ClientNodeKube implements Kube {
  private constructor(
    private readonly k: Client,
    private readonly config: k8s.KubeConfig,
    private readonly resolved: KubeTarget,
  ) {}

  /** Load the kubeconfig (KUBECONFIG or ~/.kube/config) and choose the context. */
  static async open(kubeContext?: string, env: NodeJS.ProcessEnv = process.env): Promise<ClientNodeKube> {
    const k = await import('./kubernetes-client.js')
    const config = new k.KubeConfig()
    const kubeconfig = env.KUBECONFIG || join(homedir(), '.kube', 'config')
    const files = kubeconfig.split(delimiter).filter(Boolean)
    if (!files.some(file => existsSync(file))) throw new DraftError('KUBE_NO_CONTEXT', {kubeconfig, available: [], missing: true})
    try {
      config.loadFromDefault()
    } catch (error) {
      throw new DraftError('KUBE_NO_CONTEXT', {kubeconfig, available: []}, {cause: error})
    }
    const available = config.getContexts().map(c => c.name)
    if (kubeContext) {
      if (!available.includes(kubeContext)) throw new DraftError('KUBE_NO_CONTEXT', {kubeconfig, wanted: kubeContext, available})
      config.setCurrentContext(kubeContext)
    }
    const context = config.getContextObject(config.getCurrentContext())
    const cluster = config.getCurrentCluster()
    if (!context || !cluster) throw new DraftError('KUBE_NO_CONTEXT', {kubeconfig, available})
    return new ClientNodeKube(k, config, {context: context.name, cluster: cluster.name, server: cluster.server, user: context.user, kubeconfig})
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
    const s = d.status ?? {}
    return {
      name,
      generation: d.metadata?.generation ?? 0,
      observedGeneration: s.observedGeneration ?? 0,
      replicas: d.spec?.replicas ?? 1,
      updatedReplicas: s.updatedReplicas ?? 0,
      readyReplicas: s.readyReplicas ?? 0,
      availableReplicas: s.availableReplicas ?? 0,
      unavailableReplicas: s.unavailableReplicas ?? 0,
      selector: Object.entries(d.spec?.selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(','),
      conditions: (s.conditions ?? []).map(c => ({type: c.type, status: c.status, reason: c.reason ?? '', message: c.message ?? ''})),
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
    const list = await core.listNamespacedPod({namespace, labelSelector: selector}).catch(error => {
      throw this.forbiddenOr(error, namespace, 'list pods')
    })
    return list.items.map(p => ({
      name: p.metadata?.name ?? '',
      ...(p.metadata?.deletionTimestamp ? {terminating: true} : {}),
      phase: p.status?.phase ?? 'Unknown',
      templateHash: p.metadata?.labels?.['pod-template-hash'] ?? '',
      image: p.spec?.containers[0]?.image ?? '',
      conditions: (p.status?.conditions ?? []).map(c => ({type: c.type, status: c.status, reason: c.reason ?? '', message: c.message ?? ''})),
      containers: (p.status?.containerStatuses ?? []).map(c => ({
        name: c.name,
        ready: c.ready,
        restartCount: c.restartCount,
        ...(c.state?.running ? {running: true} : {}),
        ...(c.state?.waiting ? {waiting: {reason: c.state.waiting.reason ?? '', message: c.state.waiting.message ?? ''}} : {}),
        ...(c.state?.terminated
          ? {terminated: {reason: c.state.terminated.reason ?? '', exitCode: c.state.terminated.exitCode, message: c.state.terminated.message ?? ''}}
          : c.lastState?.terminated
            ? {terminated: {reason: c.lastState.terminated.reason ?? '', exitCode: c.lastState.terminated.exitCode, message: c.lastState.terminated.message ?? ''}}
            : {}),
      })),
    }))
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

  private unreachable(error: unknown): DraftError {
    return kubeError(error, this.resolved)
  }

  private forbiddenOr(error: unknown, namespace: string, verb: string): DraftError {
    return kubeError(error, this.resolved, {namespace, verb})
  }
}
