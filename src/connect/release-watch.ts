import {DraftError} from '../core/errors.js'
import type {DeploymentState, Kube, PodState} from '../kube/kube.js'
import {backoffDelay, nextAttempt} from './backoff.js'
import type {Outage} from './outage.js'

export interface ReleaseView {
  pods: PodState[]
  deployments: DeploymentState[]
  /** Pod template hashes of each Deployment's newest ReplicaSet. */
  newest: Set<string>
}

/**
 * The release's pods as the API sees them, kept current by a watch. A watch that ends is started
 * again; one that fails (the API server went away) is started again with backoff, and the outage is
 * reported once. Listeners hear of every change.
 */
export class ReleaseWatch {
  private readonly pods = new Map<string, PodState>()
  private deployments: DeploymentState[] = []
  private newest = new Set<string>()
  private readonly listeners = new Set<() => void>()
  private refreshing?: Promise<void>
  private refreshAgain = false
  private loaded!: () => void
  /** Resolves once the Deployments have been read: until then the view cannot explain a rollout. */
  readonly deploymentsLoaded = new Promise<void>(resolve => (this.loaded = resolve))

  constructor(
    private readonly kube: Kube,
    private readonly namespace: string,
    private readonly selector: string,
    private readonly deps: {outage: Outage; sleep: (ms: number, signal?: AbortSignal) => Promise<void>; now: () => number},
  ) {}

  view(): ReleaseView {
    return {pods: [...this.pods.values()], deployments: this.deployments, newest: this.newest}
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** The Deployments and their newest ReplicaSets, asked again (one request at a time). */
  refreshDeployments(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true
      return this.refreshing
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false
        try {
          const deployments = await this.kube.deployments(this.namespace, this.selector)
          const hashes = await Promise.all(deployments.map(d => this.kube.newestTemplateHash(this.namespace, d)))
          this.deployments = deployments
          this.newest = new Set(hashes.filter((h): h is string => Boolean(h)))
          this.loaded()
          this.notify()
        } catch {
          // The watch notices an API server that went away and reports it; this is asked again then.
        }
      } while (this.refreshAgain)
    })().finally(() => (this.refreshing = undefined))
    return this.refreshing
  }

  /**
   * Watches until the signal. The session checked the API before it started, so a failure here is an
   * outage: reported once, and retried with backoff. Only a lost permission ends it.
   */
  async run(signal: AbortSignal): Promise<void> {
    let attempt = 0
    while (!signal.aborted) {
      const began = this.deps.now()
      try {
        await this.kube.watchPods(
          this.namespace,
          this.selector,
          {
            onList: pods => {
              this.pods.clear()
              for (const pod of pods) this.pods.set(pod.name, pod)
              this.deps.outage.up('pods')
              void this.refreshDeployments()
              this.notify()
            },
            onChange: change => {
              if (change.type === 'deleted') this.pods.delete(change.pod.name)
              else this.pods.set(change.pod.name, change.pod)
              if (change.type !== 'modified' || !this.newest.has(change.pod.templateHash)) void this.refreshDeployments()
              this.notify()
            },
          },
          signal,
        )
        attempt = 0
      } catch (error) {
        if (error instanceof DraftError && error.code === 'NAMESPACE_FORBIDDEN') throw error
        attempt = nextAttempt(attempt, this.deps.now() - began)
        this.deps.outage.down('pods', 'the API server', reasonOf(error))
        await this.deps.sleep(backoffDelay(attempt), signal)
      }
    }
  }

  private notify(): void {
    for (const listener of this.listeners) listener()
  }
}

export function reasonOf(error: unknown): string {
  if (error instanceof DraftError && error.code === 'KUBE_UNREACHABLE') return (error.context as {reason: string}).reason
  return error instanceof Error ? error.message : String(error)
}
