import type {EventState, PodState} from '../kube/kube.js'
import type {BuilderSpec} from './workload.js'

/**
 * The decisions about the builder, pure: whether to create, upgrade or keep it; whether it is Ready
 * or why not; which replica an app builds on. `KubeBuildKit` observes, asks these, then applies.
 */
export type BuilderPlan =
  | {action: 'create'; message: string}
  /** Apply the new spec in place; the pods roll over one by one. */
  | {action: 'upgrade'; changes: string[]; message: string}
  /** The cache volume's template changed, which a StatefulSet cannot do in place: delete it (caches stay) and create it again. */
  | {action: 'replace'; changes: string[]; message: string}
  | {action: 'keep'; message?: string}

const FIELDS: {key: keyof BuilderSpec; name: string}[] = [
  {key: 'version', name: 'BuildKit'},
  {key: 'image', name: 'image'},
  {key: 'rootless', name: 'rootless'},
  {key: 'hostNetwork', name: 'host-network'},
  {key: 'replicas', name: 'replicas'},
  {key: 'cacheSize', name: 'cache-size'},
  {key: 'storageClass', name: 'storage-class'},
  {key: 'cpu', name: 'cpu'},
  {key: 'memory', name: 'memory'},
  {key: 'mirrors', name: 'mirrors'},
  {key: 'insecureRegistries', name: 'insecure-registries'},
  {key: 'dns', name: 'dns'},
]

const shown = (value: unknown): string =>
  value === '' || value === undefined || (Array.isArray(value) && value.length === 0) || (typeof value === 'object' && value !== null && Object.keys(value).length === 0)
    ? '(none)'
    : typeof value === 'object' ? JSON.stringify(value) : String(value)
const same = (a: unknown, b: unknown): boolean => shown(a) === shown(b)

/** What differs between the running builder's spec and the wanted one, as "name old → new". */
export function specChanges(from: BuilderSpec, to: BuilderSpec): string[] {
  return FIELDS.filter(f => !same(from[f.key], to[f.key])).map(f => `${f.name} ${shown(from[f.key])} → ${shown(to[f.key])}`)
}

/**
 * Create when there is none; keep one that matches; upgrade one that differs. A builder that a newer
 * draft has upgraded is kept as it is: teammates with different draft versions must not take turns
 * downgrading and upgrading the one builder they share.
 */
export function planBuilder(wanted: BuilderSpec, namespace: string, existing: {spec?: BuilderSpec} | undefined): BuilderPlan {
  const mode = wanted.rootless ? 'rootless' : 'privileged'
  if (!existing) {
    return {action: 'create', message: `creating the builder: BuildKit ${wanted.version} (${mode}) in namespace ${namespace}, first use in this cluster`}
  }
  const recorded = existing.spec
  if (!recorded) {
    return {action: 'upgrade', changes: ['unrecorded settings'], message: `upgrading the builder in namespace ${namespace} to BuildKit ${wanted.version} (${mode}): it does not say how it was made`}
  }
  if (compareVersions(recorded.version, wanted.version) > 0) {
    return {action: 'keep', message: `the builder runs BuildKit ${recorded.version}, newer than this draft's ${wanted.version}: building with it`}
  }
  const changes = specChanges(recorded, wanted)
  if (changes.length === 0) return {action: 'keep'}
  const volumeChanged = recorded.cacheSize !== wanted.cacheSize || recorded.storageClass !== wanted.storageClass
  return volumeChanged
    ? {action: 'replace', changes, message: `replacing the builder in namespace ${namespace} (${changes.join(', ')}): a StatefulSet cannot change its volumes in place`}
    : {action: 'upgrade', changes, message: `upgrading the builder in namespace ${namespace}: ${changes.join(', ')}`}
}

/** v0.34.2 against v0.35.0: negative, zero or positive. Anything that is not vX.Y.Z sorts as 0.0.0. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string): number[] => (/^v?(\d+)\.(\d+)\.(\d+)/.exec(v)?.slice(1) ?? ['0', '0', '0']).map(Number)
  const [x, y] = [parts(a), parts(b)]
  for (let i = 0; i < 3; i++) if (x[i]! !== y[i]!) return x[i]! - y[i]!
  return 0
}

export type NotReadyCause = 'image-pull' | 'resources' | 'security-policy' | 'crashed' | 'container-config' | 'timeout'

export type Readiness =
  | {state: 'ready'; pods: string[]}
  | {state: 'waiting'; message: string}
  | {state: 'failed'; cause: NotReadyCause; pod?: string; detail: string}

const PULL_FAILURES = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull', 'RegistryUnavailable'])
const CONFIG_FAILURES = new Set(['CreateContainerConfigError', 'CreateContainerError'])

/**
 * Whether the builder can take a build, and if not, why, from its pods and the events of the pods
 * and the StatefulSet. Pods that are shutting down or run another revision do not count as Ready; a
 * pod that cannot pull, fit, start or stay up fails at once (waiting longer changes nothing).
 * `waitedMs` past `timeoutMs` turns a wait into a failure that says what was last seen.
 */
export function judgeReadiness(input: {
  pods: PodState[]
  events: EventState[]
  /** The StatefulSet's update revision: pods of an older one are being replaced. */
  revision?: string
  /** Pods of an older revision may serve while an upgrade rolls; not right after draft's own upgrade, which is about to replace them. */
  acceptOlder?: boolean
  waitedMs: number
  timeoutMs: number
}): Readiness {
  const {pods, events, revision} = input
  const live = pods.filter(p => !p.terminating)
  const current = live.filter(p => !revision || !p.revision || p.revision === revision)
  const ready = current.filter(isReady).map(p => p.name).sort()
  if (ready.length) return {state: 'ready', pods: ready}
  // Older pods still serve while someone else's upgrade rolls: better than waiting for the new one.
  const oldReady = input.acceptOlder === false ? [] : live.filter(isReady).map(p => p.name).sort()
  if (oldReady.length) return {state: 'ready', pods: oldReady}

  for (const pod of current) {
    for (const c of pod.containers) {
      if (c.waiting && PULL_FAILURES.has(c.waiting.reason)) return {state: 'failed', cause: 'image-pull', pod: pod.name, detail: `${c.waiting.reason}: ${c.waiting.message || 'no message'}`}
      if (c.waiting && CONFIG_FAILURES.has(c.waiting.reason)) return {state: 'failed', cause: 'container-config', pod: pod.name, detail: `${c.waiting.reason}: ${c.waiting.message}`}
      if (c.waiting?.reason === 'CrashLoopBackOff' || (c.restartCount > 0 && c.terminated)) {
        const t = c.terminated
        return {state: 'failed', cause: 'crashed', pod: pod.name, detail: t ? `exited with code ${t.exitCode}${t.reason ? ` (${t.reason})` : ''}${t.message ? `: ${t.message}` : ''}` : `${c.waiting?.reason}: ${c.waiting?.message}`}
      }
      if (c.waiting?.reason === 'RunContainerError') return {state: 'failed', cause: 'crashed', pod: pod.name, detail: c.waiting.message}
    }
    const unschedulable = pod.conditions.find(c => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable')
    if (unschedulable) return {state: 'failed', cause: 'resources', pod: pod.name, detail: unschedulable.message}
  }

  // A pod the API refused never exists: the StatefulSet's events say why.
  const refused = [...events].reverse().find(e => e.object.startsWith('StatefulSet/') && e.reason === 'FailedCreate')
  if (refused && current.length === 0) {
    const quota = /exceeded quota|insufficient quota|LimitRange|must specify (limits|requests)/i.test(refused.message)
    return {state: 'failed', cause: quota ? 'resources' : 'security-policy', detail: refused.message.replace(/^create Pod \S+ in StatefulSet \S+ failed error: /, '')}
  }

  const seen = describePods(current)
  if (input.waitedMs >= input.timeoutMs) return {state: 'failed', cause: 'timeout', detail: seen || 'no builder pod was created'}
  return {state: 'waiting', message: seen || 'waiting for the builder pod to be created'}
}

const isReady = (p: PodState): boolean =>
  p.phase === 'Running' && p.conditions.some(c => c.type === 'Ready' && c.status === 'True') && p.containers.every(c => c.ready)

function describePods(pods: PodState[]): string {
  return pods
    .map(p => {
      const waiting = p.containers.find(c => c.waiting)?.waiting
      if (waiting) return `${p.name}: ${waiting.reason}${waiting.reason === 'ContainerCreating' && /pull/i.test(waiting.message) ? ` (${waiting.message})` : ''}`
      if (p.phase === 'Pending') return `${p.name}: Pending${p.conditions.some(c => c.type === 'PodScheduled' && c.status === 'True') ? ' (scheduled, starting)' : ''}`
      if (p.phase === 'Running') return `${p.name}: running, buildkitd not serving yet`
      return `${p.name}: ${p.phase}`
    })
    .join('; ')
}

/**
 * The replica an app builds on: highest-random-weight hashing of the app over the Ready pods, so an
 * app stays on one replica (and its cache) while that replica is Ready, and only the apps of a
 * replica that goes away move.
 */
export function choosePod(app: string, ready: readonly string[]): string | undefined {
  let best: {pod: string; weight: number} | undefined
  for (const pod of ready) {
    const weight = fnv1a(`${app}\u0000${pod}`)
    if (!best || weight > best.weight || (weight === best.weight && pod < best.pod)) best = {pod, weight}
  }
  return best?.pod
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash
}
