import type {DeploymentState, EventState, PodState} from '../kube/kube.js'
import {judgeRollout} from '../up/rollout.js'

/**
 * Where new connections of a forward go. Pure: the session feeds it the release's pods as the watch
 * sees them and the newest ReplicaSet of each Deployment.
 */
export const isReady = (pod: PodState): boolean =>
  pod.phase === 'Running' && !pod.terminating && pod.conditions.some(c => c.type === 'Ready' && c.status === 'True')

export const declaresPort = (pod: PodState, port: number): boolean => (pod.ports ?? []).some(p => p.port === port)

export interface TargetInput {
  pods: readonly PodState[]
  remote: number
  /** Pod template hashes of the Deployments' newest ReplicaSets. */
  newest: ReadonlySet<string>
  /** Where new connections go now: kept while it is as good as any, so connections do not hop. */
  current?: string
  /** The port was named with --port: any Ready pod will do, declared or not. */
  explicit: boolean
  /** Pods that just refused a connection: another Ready pod is preferred, if there is one. */
  avoid?: ReadonlySet<string>
}

/**
 * A Ready pod of the newest ReplicaSet; while a rollout has none, a Ready pod of an older one (the old
 * version keeps serving until the new one is Ready). A pod that is shutting down takes nothing new.
 */
export function chooseTarget(input: TargetInput): string | undefined {
  const usable = input.pods.filter(p => isReady(p) && (input.explicit || p.ports === undefined || declaresPort(p, input.remote)))
  const fresh = usable.filter(p => input.newest.has(p.templateHash))
  const group = fresh.length ? fresh : usable
  const avoided = input.avoid ?? new Set<string>()
  const preferred = group.filter(p => !avoided.has(p.name))
  const candidates = preferred.length ? preferred : group
  if (input.current && candidates.some(p => p.name === input.current)) return input.current
  return [...candidates].sort(byAge)[0]?.name
}

const byAge = (a: PodState, b: PodState): number => (a.created ?? '').localeCompare(b.created ?? '') || a.name.localeCompare(b.name)

/** Why a new target was chosen, in a few words. */
export function retargetReason(previous: PodState | undefined, next: PodState, newest: ReadonlySet<string>): string {
  if (!previous) return 'Ready'
  if (previous.templateHash !== next.templateHash && newest.has(next.templateHash)) return 'the new version is Ready'
  if (previous.terminating) return `${previous.name} is shutting down`
  if (!isReady(previous)) return `${previous.name} is not Ready`
  return `${previous.name} is gone`
}

export interface WaitingInput {
  namespace: string
  release: string
  deployments: readonly DeploymentState[]
  pods: readonly PodState[]
  newest: ReadonlySet<string>
  events: readonly EventState[]
}

/**
 * Why no pod can take connections, in the words `draft up` uses for a rollout (an image that cannot
 * be pulled, a container that keeps crashing, a failing probe, a pod that cannot be scheduled). A
 * `fix` means waiting alone will not help.
 */
export function explainWaiting(input: WaitingInput): {message: string; fix?: string} {
  if (input.deployments.length === 0) {
    if (input.pods.length === 0) return {message: `release ${input.release} has no pods yet`}
    return {message: `no pod of release ${input.release} is Ready`}
  }
  for (const deployment of input.deployments) {
    const pods = input.pods.filter(p => input.newest.has(p.templateHash) && !p.terminating)
    const verdict = judgeRollout({namespace: input.namespace, deployment, pods, events: [...input.events], timedOut: false})
    if (verdict.state === 'failed') return {message: `${deployment.name}: ${verdict.cause}`, fix: verdict.fix}
    if (verdict.state === 'waiting') return {message: `${deployment.name}: ${verdict.message}`}
  }
  const deleting = input.pods.filter(p => p.terminating).map(p => p.name)
  if (deleting.length) return {message: `${deleting.join(', ')} ${deleting.length === 1 ? 'is' : 'are'} shutting down and no other pod is Ready yet`}
  return {message: `no pod of release ${input.release} is Ready`}
}
