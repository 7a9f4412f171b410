import type {ContainerState, PodState} from '../kube/kube.js'

/**
 * Which container logs a follow should be reading, from the pods as the watch sees them. Pure: the
 * follower keeps a record per stream and carries out the actions.
 */
export interface StreamRecord {
  /** The container instance (runtime id) the stream reads. */
  instance: string
  /** `ended`: the server finished it. `open` and `retrying` need nothing from the plan. */
  state: 'open' | 'ended' | 'retrying'
}

export type LogAction =
  /** Read a container that has no stream yet: `initial` for pods that were there when the follow began. */
  | {kind: 'open'; pod: string; container: string; instance: string; from: 'initial' | 'start'}
  /** The container restarted: read the new instance from its first line. */
  | {kind: 'restarted'; pod: string; container: string; instance: string}
  /** The stream ended while the same instance still runs (the kubelet or API server closed it): continue it. */
  | {kind: 'resume'; pod: string; container: string; instance: string}
  /** The pod is gone. */
  | {kind: 'stop'; pod: string; container: string}

export const streamKey = (pod: string, container: string): string => `${pod}/${container}`

/** The containers of a pod in spec order (statuses appear only once it is scheduled). */
export const containersOf = (pod: PodState): string[] => pod.containerNames ?? pod.containers.map(c => c.name)

const running = (c: ContainerState): boolean => Boolean(c.running) && !c.terminated && !c.waiting

/** A container has a log once it has been created: it then has a runtime id. */
const instanceOf = (c: ContainerState | undefined): string | undefined => (c?.id && (c.running || c.terminated) ? c.id : undefined)

export function planLogStreams(input: {
  pods: readonly PodState[]
  streams: ReadonlyMap<string, StreamRecord>
  /** --container: only this one. */
  container?: string
  /** Pods that were there when the follow began. */
  initialPods: ReadonlySet<string>
}): LogAction[] {
  const actions: LogAction[] = []
  const present = new Set<string>()
  for (const pod of input.pods) {
    for (const container of containersOf(pod)) {
      if (input.container && container !== input.container) continue
      const key = streamKey(pod.name, container)
      present.add(key)
      const status = pod.containers.find(c => c.name === container)
      const instance = instanceOf(status)
      if (!instance) continue
      const record = input.streams.get(key)
      if (!record) actions.push({kind: 'open', pod: pod.name, container, instance, from: input.initialPods.has(pod.name) ? 'initial' : 'start'})
      else if (record.state === 'ended' && record.instance !== instance) actions.push({kind: 'restarted', pod: pod.name, container, instance})
      else if (record.state === 'ended' && running(status!)) actions.push({kind: 'resume', pod: pod.name, container, instance})
    }
  }
  for (const key of input.streams.keys()) {
    if (present.has(key)) continue
    const slash = key.indexOf('/')
    actions.push({kind: 'stop', pod: key.slice(0, slash), container: key.slice(slash + 1)})
  }
  return actions
}
