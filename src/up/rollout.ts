import yaml from 'js-yaml'

import type {DeploymentState, EventState, PodState} from '../kube/kube.js'
import {EVENT_NOISE, explainProbe} from './probe-diagnosis.js'

/**
 * Judging a rollout from what the API says, as `kubectl rollout status` does, plus early diagnosis:
 * an image that cannot be pulled or a container that keeps crashing will not get better by waiting.
 * Pure, so every cause is unit-tested without a cluster.
 */
export type RolloutVerdict =
  | {state: 'done'; message: string}
  /** `logsOf`: the container whose log may show that waiting is pointless; judge again with it. */
  | {state: 'waiting'; message: string; logsOf?: LogsWanted}
  /** `logsOf`: the container whose last log lines would explain the failure; judge again with them. */
  | {state: 'failed'; cause: string; fix: string; details: string[]; logsOf?: LogsWanted}

export interface LogsWanted {
  pod: string
  container: string
  /** The instance that crashed, not the one now starting. */
  previous: boolean
}

/** The last lines of the container a verdict asked about. */
export interface ContainerLogs extends LogsWanted {
  lines: string[]
}

export interface RolloutInput {
  namespace: string
  deployment: DeploymentState | undefined
  /** Pods of the newest ReplicaSet. */
  pods: PodState[]
  events: EventState[]
  timedOut: boolean
  containerPort?: number
  healthPath?: string
  logs?: ContainerLogs
}

const PULL_FAILURES = ['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'ErrImageNeverPull', 'RegistryUnavailable']
const CONFIG_FAILURES = ['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']

export function judgeRollout(input: RolloutInput): RolloutVerdict {
  const d = input.deployment
  if (!d) return input.timedOut ? fail('the Deployment never appeared', 'Check that the chart renders a Deployment (`helm get manifest`).', []) : {state: 'waiting', message: 'waiting for the Deployment'}

  // Until the controller has seen the new spec, the newest pods may be the previous release's: what
  // ails them is not this rollout's problem (a fix deployed after a broken one would be judged broken).
  const probe = {port: input.containerPort ?? d.probe?.port, path: input.healthPath ?? d.probe?.path}
  const diagnosis = d.observedGeneration < d.generation ? undefined : diagnose(input, probe)
  if (diagnosis && (diagnosis.fatal || input.timedOut)) return {...fail(diagnosis.cause, diagnosis.fix, diagnosis.details), ...(diagnosis.logsOf ? {logsOf: diagnosis.logsOf} : {})}

  const progressing = d.conditions.find(c => c.type === 'Progressing')
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return fail(`the rollout exceeded its progress deadline: ${progressing.message}`, diagnosis?.fix ?? 'See the pods\' events: `kubectl describe pods`.', diagnosis?.details ?? [])
  }
  // The Deployment's counts lag behind the pods, and count old pods as available while the new ones
  // start: the newest pods say what is really being waited for.
  const starting = input.pods.filter(p => !p.terminating && !podReady(p))
  let waiting: string
  if (d.observedGeneration < d.generation) waiting = 'waiting for the new spec to be observed'
  else if (d.updatedReplicas < d.replicas) waiting = `${d.updatedReplicas} of ${d.replicas} pods updated`
  else if (starting.length > 0) waiting = `${input.pods.length - starting.length} of ${input.pods.length} new pods ready (${startingState(starting[0]!)})`
  else if (d.availableReplicas < d.updatedReplicas) waiting = `${d.availableReplicas} of ${d.updatedReplicas} updated pods available`
  else if (d.unavailableReplicas > 0) waiting = `${d.unavailableReplicas} old pods still terminating`
  else return {state: 'done', message: `${d.availableReplicas}/${d.replicas} available`}

  if (input.timedOut) {
    return fail(`timed out: ${waiting}`, diagnosis?.fix ?? 'Raise `timeout` in draft.toml if the app starts slowly, or see `kubectl describe pods`.', diagnosis?.details ?? [])
  }
  return {state: 'waiting', message: diagnosis ? `${waiting} (${diagnosis.cause})` : waiting, ...(diagnosis?.logsOf && !input.logs ? {logsOf: diagnosis.logsOf} : {})}
}

interface Diagnosis {
  cause: string
  fix: string
  details: string[]
  /** Waiting will not help. */
  fatal: boolean
  logsOf?: LogsWanted
}

/** The pod's Ready condition; before the kubelet reports conditions, whether every container is ready. */
function podReady(pod: PodState): boolean {
  const ready = pod.conditions.find(c => c.type === 'Ready')
  return ready ? ready.status === 'True' : pod.containers.length > 0 && pod.containers.every(c => c.ready)
}

/** What a starting pod is doing, in a few words. */
function startingState(pod: PodState): string {
  if (pod.conditions.some(c => c.type === 'PodScheduled' && c.status === 'False')) return 'not scheduled yet'
  const c = pod.containers[0]
  if (!c) return 'creating'
  if (c.waiting) return c.waiting.reason === 'ContainerCreating' ? 'pulling and starting' : c.waiting.reason
  return c.running ? 'running, waiting for its probe' : 'starting'
}

/** The container's last log lines, under a heading, as lines of an error's details. */
function logDetails(logs: ContainerLogs | undefined, pod: string, container: string): string[] {
  if (!logs || logs.pod !== pod || logs.container !== container || logs.lines.length === 0) return []
  return [`last lines of ${logs.previous ? 'the crashed' : 'the'} container's log:`, ...logs.lines.map(l => `  ${l}`)]
}

function diagnose(input: RolloutInput, probeTarget: {port: number | undefined; path: string | undefined}): Diagnosis | undefined {
  const events = (pod: string): string[] =>
    input.events
      .filter(e => e.object.endsWith(`/${pod}`) && e.type === 'Warning' && !EVENT_NOISE.has(e.reason))
      .slice(-4)
      .map(e => `${e.reason}: ${e.message}${e.count > 1 ? ` (x${e.count})` : ''}`)
  const probeFailure = (pod: string): EventState | undefined => [...input.events].reverse().find(e => e.object.endsWith(`/${pod}`) && e.reason === 'Unhealthy')
  const probeKills = (pod: string): number =>
    input.events.filter(e => e.object.endsWith(`/${pod}`) && e.reason === 'Killing' && /failed (startup|liveness) probe/.test(e.message)).reduce((n, e) => n + e.count, 0)
  const explainFailedProbe = (pod: PodState, probe: EventState, fatal: boolean): Diagnosis => {
    const container = pod.containers[0]?.name ?? ''
    const logs = input.logs?.pod === pod.name ? input.logs.lines : undefined
    const explained = explainProbe(probe.message, {containerPort: probeTarget.port, path: probeTarget.path, logs})
    const kind = /^(\w+) probe/i.exec(probe.message)?.[1]?.toLowerCase() ?? 'the'
    return {
      cause: `${kind} probe failing: ${explained.cause}`,
      fix: explained.fix,
      details: [...events(pod.name), ...logDetails(input.logs, pod.name, container)],
      fatal: fatal || explained.decisive === true,
      ...(container ? {logsOf: {pod: pod.name, container, previous: (pod.containers[0]?.restartCount ?? 0) > 0 && !pod.containers[0]?.running}} : {}),
    }
  }
  for (const pod of input.pods) {
    // Init containers run first: while one fails, the app's own container never starts.
    for (const c of pod.initContainers ?? []) {
      const reason = c.waiting?.reason ?? ''
      if (PULL_FAILURES.includes(reason)) break
      const failing = reason === 'CrashLoopBackOff' || (c.terminated && c.terminated.exitCode !== 0 && c.restartCount >= 2)
      if (!failing) continue
      const exit = c.terminated ? ` (exit code ${c.terminated.exitCode}${c.terminated.reason ? `, ${c.terminated.reason}` : ''})` : ''
      const what = c.name === 'release' ? 'the release phase (release.command in values.yaml: migrations and the like)' : c.name.startsWith('seed-') ? 'copying the image\'s files into a writable volume' : `the init container ${c.name}`
      return {
        cause: `Init:CrashLoopBackOff: ${what} keeps failing${exit}, so the app never starts`,
        fix: `See why in its logs: kubectl logs -n ${input.namespace} ${pod.name} -c ${c.name}`,
        details: events(pod.name),
        fatal: true,
      }
    }
    for (const c of pod.containers) {
      const reason = c.waiting?.reason ?? ''
      if (PULL_FAILURES.includes(reason)) {
        return {
          cause: `${reason}: the cluster cannot pull ${pod.image}${c.waiting?.message ? ` (${firstLine(c.waiting.message)})` : ''}`,
          fix: 'Check that the image is in the registry and that the cluster can reach it; for a private registry, make sure your Docker config has credentials for it (draft then creates a pull secret); for a local cluster, use the cluster\'s registry.',
          details: events(pod.name),
          fatal: reason !== 'ErrImagePull' || c.restartCount > 0,
        }
      }
      // A container the kubelet kills for failing its startup or liveness probe restarts like one that
      // crashes: the probe is the cause, and twice is enough to know.
      const probe = probeFailure(pod.name)
      const kills = probeKills(pod.name)
      if (probe && kills > 0 && (reason === 'CrashLoopBackOff' || c.restartCount >= 2 || kills >= 2)) return explainFailedProbe(pod, probe, true)
      if (reason === 'CrashLoopBackOff' || (c.terminated && c.restartCount >= 2)) {
        const exit = c.terminated ? ` (exit code ${c.terminated.exitCode}${c.terminated.reason ? `, ${c.terminated.reason}` : ''})` : ''
        return {
          cause: `CrashLoopBackOff: the container keeps exiting${exit}`,
          fix: 'See all of its output with `draft logs --previous`, fix the cause, then deploy again.',
          details: [...logDetails(input.logs, pod.name, c.name), ...events(pod.name)],
          fatal: true,
          logsOf: {pod: pod.name, container: c.name, previous: true},
        }
      }
      if (CONFIG_FAILURES.includes(reason)) {
        return {cause: `${reason}: ${firstLine(c.waiting?.message ?? '')}`, fix: 'Fix the missing Secret, ConfigMap or setting the message names, then deploy again.', details: events(pod.name), fatal: true}
      }
    }
    const unschedulable = pod.conditions.find(c => c.type === 'PodScheduled' && c.status === 'False')
    if (pod.phase === 'Pending' && unschedulable) {
      return {
        cause: `Pending: ${unschedulable.reason || 'not scheduled'}${unschedulable.message ? `: ${firstLine(unschedulable.message)}` : ''}`,
        fix: 'Lower resources.requests in the chart\'s values.yaml, or add capacity (nodes) to the cluster.',
        details: events(pod.name),
        fatal: false,
      }
    }
    const probe = probeFailure(pod.name)
    if (probe && !podReady(pod)) {
      const failing = explainFailedProbe(pod, probe, false)
      // The inner loop's readiness check runs the moment the container does, often before the app
      // listens: a failure or two is the app starting, not yet a cause worth a line.
      if (failing.fatal || probe.count >= 3 || input.timedOut) return failing
    }
  }
  return undefined
}

const fail = (cause: string, fix: string, details: string[]): RolloutVerdict => ({state: 'failed', cause, fix, details})
const firstLine = (text: string): string => text.split('\n')[0]!.trim()

/** Deployments rendered by a release, from helm's manifest. */
export function deploymentsIn(manifest: string): string[] {
  const names: string[] = []
  yaml.loadAll(manifest, doc => {
    const object = doc as {kind?: string; metadata?: {name?: string}} | null
    if (object?.kind === 'Deployment' && object.metadata?.name) names.push(object.metadata.name)
  })
  return names
}
