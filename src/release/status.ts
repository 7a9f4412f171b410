import type {HelmRevision} from '../helm/helm.js'
import {parseSyncRecord} from '../sync/record.js'
import type {DeploymentState, EventState, PodState} from '../kube/kube.js'
import {judgeRollout, type RolloutVerdict} from '../up/rollout.js'
import {tagOf} from './manifest.js'
import {describeRevisions, liveRevision} from './revisions.js'

/**
 * `draft status`, decided: what runs, whether it is what the folder would deploy, how each pod is,
 * and whether the app is available (the exit code). Pure: everything read from helm, the API and
 * the folder comes in as StatusInput.
 */
export interface DeploymentFacts {
  name: string
  state: DeploymentState | undefined
  /** Pods of its newest ReplicaSet. */
  newestPods: PodState[]
  events: EventState[]
}

export interface StatusInput {
  release: string
  namespace: string
  context: string
  history: readonly HelmRevision[]
  /** Images of the live revision's workloads (from its manifest). */
  images: string[]
  deployments: DeploymentFacts[]
  /** Every pod with the release's instance label. */
  pods: PodState[]
  /** The content tag of the folder as it is now, or why it could not be computed. */
  folder: {tag: string} | {error: string}
  /** Where `draft connect` serves the app, when it runs. */
  urls?: string[]
}

export interface PodRow {
  name: string
  /** Ready containers / containers. */
  ready: string
  /** Running, Pending, Terminating, or why a container waits (CrashLoopBackOff, ImagePullBackOff...). */
  state: string
  restarts: number
  /** Why a container last stopped, e.g. "Error (exit code 1)" or "OOMKilled (exit code 137)". */
  lastTermination?: string
  /** Files live update copied into it since it started from its image (`draft up --watch --sync`). */
  synced?: number
}

export interface DeploymentRow {
  name: string
  /** Available replicas / desired. */
  available: string
  /** Its Available and Progressing conditions, e.g. "Available=True (MinimumReplicasAvailable)". */
  conditions: string[]
  /** The rollout as `draft up` judges it: done, waiting (with the diagnosis) or failed (with cause and fix). */
  rollout: RolloutVerdict
  serving: boolean
}

export interface StatusReport {
  release: string
  namespace: string
  context: string
  /** The live revision, with helm's status; absent when no revision is deployed. */
  revision?: number
  /** The newest revision, when it is not the live one (a deploy that failed or is in progress). */
  newest?: {revision: number; status: string; description: string}
  rollbackOf?: number
  images: string[]
  /** The deployed image tag. */
  tag?: string
  commit?: string
  folder: {tag?: string; matches?: boolean; error?: string}
  deployments: DeploymentRow[]
  pods: PodRow[]
  urls?: string[]
  /**
   * Live update: the pods hold files synced since their image (the most any pod holds), so what runs
   * is not the image alone. The next plain `draft up` builds the folder into a new image.
   */
  synced?: {files: number; image: string; pods: string[]; message: string}
  /** At least one ready pod behind every Deployment of the live revision. */
  available: boolean
  /** One line: why it is or is not available. */
  verdict: string
}

export function judgeStatus(input: StatusInput): StatusReport {
  const live = liveRevision(input.history)
  const views = describeRevisions(input.history)
  const view = live ? views.find(v => v.revision === live.revision) : undefined
  const newest = input.history.at(-1)
  const tag = (input.images[0] ? tagOf(input.images[0]) : undefined) ?? view?.tag
  const folder = 'error' in input.folder ? {error: input.folder.error} : {tag: input.folder.tag, ...(tag ? {matches: tag === input.folder.tag} : {})}

  const deployments = input.deployments.map(d => deploymentRow(input.namespace, d))
  const pods = input.pods.map(podRow)
  const records = input.pods.filter(p => !p.terminating).flatMap(p => {
    const record = parseSyncRecord(p.annotations)
    return record ? [{pod: p.name, ...record}] : []
  })
  const most = records.reduce<(typeof records)[number] | undefined>((a, b) => (!a || b.files > a.files ? b : a), undefined)
  const synced = most
    ? {files: most.files, image: most.image, pods: records.map(r => r.pod), message: `synced ${most.files} file${most.files === 1 ? '' : 's'} since image ${most.image}`}
    : undefined
  let available: boolean
  let verdict: string
  if (!live) {
    available = false
    verdict = newest ? `no revision is deployed: revision ${newest.revision} is ${newest.status}` : 'nothing is deployed'
  } else if (deployments.length === 0) {
    available = true
    verdict = `revision ${live.revision} is deployed (it has no Deployment to check)`
  } else {
    const down = deployments.filter(d => !d.serving)
    available = down.length === 0
    const failing = deployments.find(d => d.rollout.state === 'failed')
    if (!available) {
      const d = down[0]!
      verdict = `${d.name} has no available pod${d.rollout.state === 'failed' ? `: ${d.rollout.cause}` : d.rollout.state === 'waiting' ? `: ${d.rollout.message}` : ''}`
    } else if (failing && failing.rollout.state === 'failed') {
      verdict = `available, but the rollout of ${failing.name} is stuck: ${failing.rollout.cause}`
    } else {
      const rolling = deployments.find(d => d.rollout.state === 'waiting')
      verdict = rolling && rolling.rollout.state === 'waiting' ? `available, rolling out: ${rolling.rollout.message}` : `available (${deployments.map(d => `${d.name} ${d.available}`).join(', ')})`
    }
  }

  return {
    release: input.release,
    namespace: input.namespace,
    context: input.context,
    ...(live ? {revision: live.revision} : {}),
    ...(newest && newest.revision !== live?.revision ? {newest: {revision: newest.revision, status: newest.status, description: newest.description}} : {}),
    ...(view?.rollbackOf === undefined ? {} : {rollbackOf: view.rollbackOf}),
    images: input.images,
    ...(tag ? {tag} : {}),
    ...(view?.commit ? {commit: view.commit} : {}),
    folder,
    deployments,
    pods,
    ...(input.urls?.length ? {urls: input.urls} : {}),
    ...(synced ? {synced} : {}),
    available,
    verdict,
  }
}

function deploymentRow(namespace: string, d: DeploymentFacts): DeploymentRow {
  const s = d.state
  // What `draft up` would conclude right now, without waiting: stuck causes show at once.
  const rollout = judgeRollout({namespace, deployment: s, pods: d.newestPods, events: d.events, timedOut: false})
  const availableCondition = s?.conditions.find(c => c.type === 'Available')
  return {
    name: d.name,
    available: s ? `${s.availableReplicas}/${s.replicas}` : 'missing',
    conditions: (s?.conditions ?? []).filter(c => c.type === 'Available' || c.type === 'Progressing').map(c => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}`),
    rollout: !s ? {state: 'failed', cause: 'the Deployment does not exist', fix: 'It was deleted outside helm: run `draft up` (or `draft rollback`) to create it again.', details: []} : rollout,
    serving: Boolean(s && s.availableReplicas > 0 && availableCondition?.status !== 'False'),
  }
}

export function podRow(pod: PodState): PodRow {
  const record = parseSyncRecord(pod.annotations)
  const ready = pod.containers.filter(c => c.ready).length
  const waiting = pod.containers.find(c => c.waiting?.reason)?.waiting?.reason
  const terminated = pod.containers.find(c => c.terminated)?.terminated
  return {
    name: pod.name,
    ready: `${ready}/${pod.containers.length}`,
    state: pod.terminating ? 'Terminating' : (waiting ?? pod.phase),
    restarts: pod.containers.reduce((sum, c) => sum + c.restartCount, 0),
    ...(terminated ? {lastTermination: `${terminated.reason || 'terminated'} (exit code ${terminated.exitCode})`} : {}),
    ...(record ? {synced: record.files} : {}),
  }
}
