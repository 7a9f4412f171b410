import yaml from 'js-yaml'

import type {DeploymentState, EventState, PodState} from '../kube/kube.js'

/**
 * Judging a rollout from what the API says, as `kubectl rollout status` does, plus early diagnosis:
 * an image that cannot be pulled or a container that keeps crashing will not get better by waiting.
 * Pure, so every cause is unit-tested without a cluster.
 */
export type RolloutVerdict =
  | {state: 'done'; message: string}
  | {state: 'waiting'; message: string}
  | {state: 'failed'; cause: string; fix: string; details: string[]}

export interface RolloutInput {
  namespace: string
  deployment: DeploymentState | undefined
  /** Pods of the newest ReplicaSet. */
  pods: PodState[]
  events: EventState[]
  timedOut: boolean
  containerPort?: number
  healthPath?: string
}

const PULL_FAILURES = ['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'ErrImageNeverPull', 'RegistryUnavailable']
const CONFIG_FAILURES = ['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']

export function judgeRollout(input: RolloutInput): RolloutVerdict {
  const d = input.deployment
  if (!d) return input.timedOut ? fail('the Deployment never appeared', 'Check that the chart renders a Deployment (`helm get manifest`).', []) : {state: 'waiting', message: 'waiting for the Deployment'}

  const diagnosis = diagnose(input)
  if (diagnosis && (diagnosis.fatal || input.timedOut)) return fail(diagnosis.cause, diagnosis.fix, diagnosis.details)

  const progressing = d.conditions.find(c => c.type === 'Progressing')
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return fail(`the rollout exceeded its progress deadline: ${progressing.message}`, diagnosis?.fix ?? 'See the pods\' events: `kubectl describe pods`.', diagnosis?.details ?? [])
  }
  let waiting: string
  if (d.observedGeneration < d.generation) waiting = 'waiting for the new spec to be observed'
  else if (d.updatedReplicas < d.replicas) waiting = `${d.updatedReplicas} of ${d.replicas} pods updated`
  else if (d.availableReplicas < d.updatedReplicas) waiting = `${d.availableReplicas} of ${d.updatedReplicas} updated pods available`
  else if (d.unavailableReplicas > 0) waiting = `${d.unavailableReplicas} old pods still terminating`
  else return {state: 'done', message: `${d.availableReplicas}/${d.replicas} available`}

  if (input.timedOut) {
    return fail(`timed out: ${waiting}`, diagnosis?.fix ?? 'Raise `timeout` in draft.toml if the app starts slowly, or see `kubectl describe pods`.', diagnosis?.details ?? [])
  }
  return {state: 'waiting', message: diagnosis ? `${waiting} (${diagnosis.cause})` : waiting}
}

interface Diagnosis {
  cause: string
  fix: string
  details: string[]
  /** Waiting will not help. */
  fatal: boolean
}

function diagnose(input: RolloutInput): Diagnosis | undefined {
  const events = (pod: string): string[] =>
    input.events.filter(e => e.object.endsWith(`/${pod}`) && e.type === 'Warning').slice(-4).map(e => `${e.reason}: ${e.message}${e.count > 1 ? ` (x${e.count})` : ''}`)
  for (const pod of input.pods) {
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
      if (reason === 'CrashLoopBackOff' || (c.terminated && c.restartCount >= 2)) {
        const exit = c.terminated ? ` (exit code ${c.terminated.exitCode}${c.terminated.reason ? `, ${c.terminated.reason}` : ''})` : ''
        return {
          cause: `CrashLoopBackOff: the container keeps exiting${exit}`,
          fix: `See why in its logs: kubectl logs -n ${input.namespace} ${pod.name} --previous`,
          details: events(pod.name),
          fatal: true,
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
    const probe = input.events.find(e => e.object.endsWith(`/${pod.name}`) && e.reason === 'Unhealthy')
    if (probe) {
      const where = input.containerPort ? ` on port ${input.containerPort}${input.healthPath ? ` at ${input.healthPath}` : ''}` : ''
      return {
        cause: `failing probe: ${firstLine(probe.message)}`,
        fix: `The app does not answer${where}: make it listen on 0.0.0.0 and that port, or change containerPort and probes in the chart's values.yaml.`,
        details: events(pod.name),
        fatal: false,
      }
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
