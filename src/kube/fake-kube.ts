import {DraftError} from '../core/errors.js'
import type {DeploymentState, EventState, Kube, KubeObject, KubeTarget, LocalRegistryHosting, ObjectRef, PodChange, PodState} from './kube.js'
import {kubeError} from './kube-errors.js'

/**
 * A cluster in memory. Deployments become available `readyAfterPolls` polls after they appear;
 * `podProblem` puts a waiting reason on the new pods instead (ImagePullBackOff, CrashLoopBackOff...).
 * `podList` replaces the one generated pod (a function is asked on every poll, so a test can make
 * pods go away); `unreadableNamespaces` answer reads as the API does for a user without a Role there.
 * `unreachable` fails every call as the real client does when the API server is gone: a refused
 * connection, classified by `kubeError`.
 * For `connect` and `logs`, a test sets the pods itself with `setPods` (watches see the difference as
 * changes), and `dropWatches` ends every watch the way an API server that goes away does.
 */
export class FakeKube implements Kube {
  readonly namespaces = new Set(['default', 'kube-system', 'kube-public'])
  readonly secrets = new Map<string, {type: string; data: Record<string, string>}>()
  hosting?: LocalRegistryHosting
  unreachable = false
  forbiddenNamespaces = new Set<string>()
  readyAfterPolls = 1
  podProblem?: {reason: string; message: string; restartCount?: number}
  events_: EventState[] = []
  podList?: PodState[] | ((namespace: string, selector: string) => PodState[])
  unreadableNamespaces = new Set<string>()
  /** Replaces the generated Deployment (undefined: there is none). */
  deploymentFor?: (namespace: string, name: string) => DeploymentState | undefined
  readonly secretDeletes: {namespace: string; selector: string}[] = []
  private polls = new Map<string, number>()
  deploymentList: DeploymentState[] = []
  newestHash = 'abc123'
  /** The next this many lists fail as if the API server were down. */
  failLists = 0
  /** Objects of the generic calls, by `apiVersion/kind/namespace/name`. */
  readonly objects = new Map<string, KubeObject>()
  /** Kinds the user may not create or update (the generic apply answers 403 for them). */
  readonly forbiddenKinds = new Set<string>()
  /** Every generic apply, patch and delete, in order: `apply StatefulSet ns/name`. */
  readonly objectLog: string[] = []
  private readonly watches = new Set<{onChange: (change: PodChange) => void; fail: (error: Error) => void}>()

  constructor(private readonly resolved: KubeTarget = {context: 'fake', cluster: 'fake', server: 'https://127.0.0.1:6443', user: 'tester', kubeconfig: '/fake/kubeconfig'}) {}

  target(): KubeTarget {
    return this.resolved
  }

  async ping(): Promise<string> {
    this.reachable()
    return 'v1.34.0-fake'
  }

  private reachable(): void {
    if (!this.unreachable) return
    const port = new URL(this.resolved.server).port
    const error = Object.assign(new Error(`request to ${this.resolved.server}/version failed, reason: connect ECONNREFUSED 127.0.0.1:${port}`), {type: 'system', code: 'ECONNREFUSED', errno: 'ECONNREFUSED'})
    throw kubeError(error, this.resolved)
  }

  async ensureNamespace(namespace: string): Promise<'exists' | 'created'> {
    this.reachable()
    if (this.namespaces.has(namespace)) return 'exists'
    if (this.forbiddenNamespaces.has(namespace)) throw new DraftError('NAMESPACE_FORBIDDEN', {namespace, user: this.resolved.user, verb: 'create the namespace'})
    this.namespaces.add(namespace)
    return 'created'
  }

  async applySecret(namespace: string, secret: {metadata: {name: string}; type: string; data: Record<string, string>}): Promise<void> {
    this.reachable()
    this.secrets.set(`${namespace}/${secret.metadata.name}`, {type: secret.type, data: secret.data})
  }

  async localRegistryHosting(): Promise<LocalRegistryHosting | undefined> {
    this.reachable()
    return this.hosting
  }

  /** Called by tests after a helm upgrade to make the rollout start over. */
  restartRollout(namespace: string, name: string): void {
    this.polls.set(`${namespace}/${name}`, 0)
  }

  async deployment(namespace: string, name: string): Promise<DeploymentState | undefined> {
    this.reachable()
    if (this.unreadableNamespaces.has(namespace)) throw new DraftError('NAMESPACE_FORBIDDEN', {namespace, user: this.resolved.user, verb: 'read Deployments'})
    if (this.deploymentFor) return this.deploymentFor(namespace, name)
    const key = `${namespace}/${name}`
    const polls = (this.polls.get(key) ?? 0) + 1
    this.polls.set(key, polls)
    const ready = !this.podProblem && polls > this.readyAfterPolls
    return {
      name,
      generation: 2,
      observedGeneration: 2,
      replicas: 1,
      updatedReplicas: 1,
      readyReplicas: ready ? 1 : 0,
      availableReplicas: ready ? 1 : 0,
      unavailableReplicas: ready ? 0 : 1,
      selector: `app.kubernetes.io/instance=${name}`,
      conditions: [],
    }
  }

  async newestTemplateHash(): Promise<string | undefined> {
    this.reachable()
    return this.newestHash
  }

  async deployments(namespace: string): Promise<DeploymentState[]> {
    this.check(namespace, 'list Deployments')
    return this.deploymentList
  }

  /** Replace the pods; open watches get one change per pod added, modified or deleted. */
  setPods(pods: PodState[]): void {
    const current = typeof this.podList === 'function' ? this.podList('default', '') : (this.podList ?? [])
    const before = new Map(current.map(p => [p.name, p]))
    const next = pods.map(p => structuredClone(p))
    this.podList = next
    const changes: PodChange[] = []
    for (const pod of next) {
      const old = before.get(pod.name)
      if (!old) changes.push({type: 'added', pod})
      else if (JSON.stringify(old) !== JSON.stringify(pod)) changes.push({type: 'modified', pod})
      before.delete(pod.name)
    }
    for (const pod of before.values()) changes.push({type: 'deleted', pod})
    for (const watch of this.watches) for (const change of changes) watch.onChange(structuredClone(change))
  }

  /** Every open watch fails, as when the API server restarts. */
  dropWatches(reason = 'ECONNRESET'): void {
    for (const watch of [...this.watches]) watch.fail(new DraftError('KUBE_UNREACHABLE', {context: this.resolved.context, server: this.resolved.server, reason}))
  }

  watchCount(): number {
    return this.watches.size
  }

  async watchPods(namespace: string, selector: string, handlers: {onList: (pods: PodState[]) => void; onChange: (change: PodChange) => void}, signal: AbortSignal): Promise<void> {
    const pods = await this.pods(namespace, selector)
    if (signal.aborted) return
    handlers.onList(pods)
    await new Promise<void>((resolve, reject) => {
      const watch = {
        onChange: handlers.onChange,
        fail: (error: Error) => {
          this.watches.delete(watch)
          signal.removeEventListener('abort', stop)
          reject(error)
        },
      }
      const stop = (): void => {
        this.watches.delete(watch)
        resolve()
      }
      this.watches.add(watch)
      signal.addEventListener('abort', stop, {once: true})
    })
  }

  async pods(namespace = 'default', selector = ''): Promise<PodState[]> {
    this.check(namespace, 'list pods')
    if (this.failLists > 0) {
      this.failLists--
      throw new DraftError('KUBE_UNREACHABLE', {context: this.resolved.context, server: this.resolved.server, reason: 'ECONNREFUSED'})
    }
    if (this.podList) return structuredClone(typeof this.podList === 'function' ? this.podList(namespace, selector) : this.podList)
    const problem = this.podProblem
    return [
      {
        name: 'app-abc123-xyz',
        phase: problem ? 'Pending' : 'Running',
        templateHash: 'abc123',
        image: 'image:tag',
        conditions: [
          {type: 'PodScheduled', status: 'True', reason: '', message: ''},
          {type: 'Ready', status: problem ? 'False' : 'True', reason: '', message: ''},
        ],
        containers: [{name: 'app', ready: !problem, restartCount: problem?.restartCount ?? 0, ...(problem ? {waiting: {reason: problem.reason, message: problem.message}} : {running: true})}],
      },
    ]
  }

  async events(): Promise<EventState[]> {
    this.reachable()
    return this.events_
  }

  /** What `secretEnvValues` answers: the values the release's Deployments take from Secrets. */
  secretEnv: {values: string[]; unreadable: string[]} = {values: [], unreadable: []}
  secretEnvReads = 0

  async secretEnvValues(namespace: string, _selector: string): Promise<{values: string[]; unreadable: string[]}> {
    this.check(namespace, 'list Deployments')
    this.secretEnvReads += 1
    return {values: [...this.secretEnv.values], unreadable: [...this.secretEnv.unreadable]}
  }

  /** Pods whose annotations may not be changed (RBAC without patch on pods). */
  readonly unpatchablePods = new Set<string>()
  readonly annotations: {pod: string; annotations: Record<string, string>}[] = []

  async annotatePod(namespace: string, pod: string, annotations: Record<string, string>): Promise<void> {
    this.check(namespace, `annotate pod ${pod}`)
    if (this.unpatchablePods.has(pod)) throw new DraftError('NAMESPACE_FORBIDDEN', {namespace, user: this.resolved.user, verb: `annotate pod ${pod}`})
    this.annotations.push({pod, annotations: {...annotations}})
    if (Array.isArray(this.podList)) {
      const found = this.podList.find(p => p.name === pod)
      if (found) found.annotations = {...found.annotations, ...annotations}
    }
  }

  async deleteSecrets(namespace: string, selector: string): Promise<string[]> {
    this.reachable()
    this.secretDeletes.push({namespace, selector})
    const [instance] = /app\.kubernetes\.io\/instance=([^,]+)/.exec(selector)?.slice(1) ?? []
    const names = [...this.secrets.keys()].filter(k => k.startsWith(`${namespace}/`) && (!instance || k === `${namespace}/${instance}-registry`))
    for (const name of names) this.secrets.delete(name)
    return names.map(k => k.slice(namespace.length + 1))
  }

  private check(namespace: string, verb: string): void {
    this.reachable()
    if (this.unreadableNamespaces.has(namespace)) throw new DraftError('NAMESPACE_FORBIDDEN', {namespace, user: this.resolved.user, verb})
  }

  async applyObject(object: KubeObject, fieldManager = 'draft'): Promise<void> {
    const namespace = object.metadata.namespace
    this.reachable()
    if (this.forbiddenKinds.has(object.kind) || (namespace && this.forbiddenNamespaces.has(namespace))) {
      throw new DraftError('NAMESPACE_FORBIDDEN', {namespace: namespace ?? '(cluster-wide)', user: this.resolved.user, verb: `create or update ${object.kind}s`})
    }
    this.objectLog.push(`apply ${object.kind} ${namespace ? `${namespace}/` : ''}${object.metadata.name}${fieldManager === 'draft' ? '' : ` (${fieldManager})`}`)
    const key = objectKey(object.apiVersion, object.kind, object.metadata.name, namespace)
    const existing = this.objects.get(key)
    const merged = structuredClone(object)
    if (existing) merged.metadata = {...existing.metadata, ...merged.metadata}
    this.objects.set(key, merged)
    if (object.kind === 'Namespace') this.namespaces.add(object.metadata.name)
  }

  async patchObject(ref: ObjectRef, patch: object): Promise<boolean> {
    const key = objectKey(ref.apiVersion, ref.kind, ref.name, ref.namespace)
    const existing = this.objects.get(key)
    this.objectLog.push(`patch ${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`)
    if (!existing) return false
    const metadata = (patch as {metadata?: {annotations?: Record<string, string>}}).metadata
    if (metadata?.annotations) existing.metadata.annotations = {...existing.metadata.annotations, ...metadata.annotations}
    return true
  }

  async readObject(ref: ObjectRef): Promise<KubeObject | undefined> {
    this.reachable()
    const found = this.objects.get(objectKey(ref.apiVersion, ref.kind, ref.name, ref.namespace))
    return found ? structuredClone(found) : undefined
  }

  async listObjects(apiVersion: string, kind: string, namespace: string, selector: string): Promise<KubeObject[]> {
    const wanted = selector.split(',').filter(Boolean).map(pair => pair.split('='))
    return [...this.objects.values()]
      .filter(o => o.apiVersion === apiVersion && o.kind === kind && o.metadata.namespace === namespace)
      .filter(o => wanted.every(([k, v]) => o.metadata.labels?.[k!] === v))
      .map(o => structuredClone(o))
  }

  async deleteObject(ref: ObjectRef): Promise<boolean> {
    this.objectLog.push(`delete ${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`)
    const deleted = this.objects.delete(objectKey(ref.apiVersion, ref.kind, ref.name, ref.namespace))
    if (ref.kind === 'Namespace') {
      for (const [key, o] of this.objects) if (o.metadata.namespace === ref.name) this.objects.delete(key)
      this.namespaces.delete(ref.name)
    }
    return deleted
  }
}

const objectKey = (apiVersion: string, kind: string, name: string, namespace?: string): string => `${apiVersion}/${kind}/${namespace ?? ''}/${name}`
