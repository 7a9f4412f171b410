import {DraftError} from '../core/errors.js'
import type {DeploymentState, EventState, Kube, KubeTarget, LocalRegistryHosting, PodState} from './kube.js'
import {kubeError} from './kube-errors.js'

/**
 * A cluster in memory. Deployments become available `readyAfterPolls` polls after they appear;
 * `podProblem` puts a waiting reason on the new pods instead (ImagePullBackOff, CrashLoopBackOff...).
 * `podList` replaces the one generated pod (a function is asked on every poll, so a test can make
 * pods go away); `unreadableNamespaces` answer reads as the API does for a user without a Role there.
 * `unreachable` fails every call as the real client does when the API server is gone: a refused
 * connection, classified by `kubeError`.
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
    return 'abc123'
  }

  async pods(namespace = 'default', selector = ''): Promise<PodState[]> {
    this.reachable()
    if (this.unreadableNamespaces.has(namespace)) throw new DraftError('NAMESPACE_FORBIDDEN', {namespace, user: this.resolved.user, verb: 'list pods'})
    if (this.podList) return typeof this.podList === 'function' ? this.podList(namespace, selector) : this.podList
    const problem = this.podProblem
    return [
      {
        name: 'app-abc123-xyz',
        phase: problem ? 'Pending' : 'Running',
        templateHash: 'abc123',
        image: 'image:tag',
        conditions: [],
        containers: [{name: 'app', ready: !problem, restartCount: problem?.restartCount ?? 0, ...(problem ? {waiting: {reason: problem.reason, message: problem.message}} : {running: true})}],
      },
    ]
  }

  async events(): Promise<EventState[]> {
    this.reachable()
    return this.events_
  }

  async deleteSecrets(namespace: string, selector: string): Promise<string[]> {
    this.reachable()
    this.secretDeletes.push({namespace, selector})
    const [instance] = /app\.kubernetes\.io\/instance=([^,]+)/.exec(selector)?.slice(1) ?? []
    const names = [...this.secrets.keys()].filter(k => k.startsWith(`${namespace}/`) && (!instance || k === `${namespace}/${instance}-registry`))
    for (const name of names) this.secrets.delete(name)
    return names.map(k => k.slice(namespace.length + 1))
  }
}
