import {DraftError} from '../core/errors.js'
import type {Kube} from '../kube/kube.js'
import type {PodStreams} from '../pod-streams/pod-streams.js'
import {type Milestones, formatPhases, observe, phasesOf} from './rollout-phases.js'
import {deploymentsIn, judgeRollout} from './rollout.js'
import type {StageClock} from './stages.js'

/**
 * Waiting for a release's Deployments to roll out, as the `rollout` stage: `draft up` after an
 * upgrade, `draft rollback` after helm's rollback. Polls the API and asks `judgeRollout` each time,
 * so a rollout that cannot succeed fails early with its cause, and one that is merely slow times out
 * with what it was waiting for.
 */
export interface RolloutWaitDependencies {
  kube: Kube
  /** To show a failing container's last log lines in the diagnosis; without it, the events only. */
  streams?: PodStreams
  now: () => number
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>
  /** How often the rollout is polled. */
  pollMs?: number
}

export interface RolloutTarget {
  namespace: string
  timeoutMs: number
  /** For the advice on a failing probe. */
  containerPort?: number
}

export async function waitForRollout(deps: RolloutWaitDependencies, target: RolloutTarget, manifest: string, clock: StageClock, signal?: AbortSignal): Promise<void> {
  const {kube, now} = deps
  const {namespace} = target
  const names = deploymentsIn(manifest)
  if (names.length === 0) {
    clock.skip('rollout', 'the chart has no Deployment to wait for')
    return
  }
  await clock.run(
    'rollout',
    `waiting for ${names.join(', ')} (timeout ${Math.round(target.timeoutMs / 1000)}s)`,
    async progress => {
      const begin = now()
      const deadline = begin + target.timeoutMs
      let milestones: Milestones = {begin}
      let logsReadAt = Number.NEGATIVE_INFINITY
      for (const name of names) {
        let last = ''
        milestones = {begin}
        for (;;) {
          const deployment = await kube.deployment(namespace, name)
          const hash = deployment ? await kube.newestTemplateHash(namespace, deployment) : undefined
          const pods = deployment ? (await kube.pods(namespace, deployment.selector)).filter(p => !hash || p.templateHash === hash) : []
          const timedOut = now() > deadline
          const problems = pods.some(p => p.phase !== 'Running' || p.containers.some(c => !c.ready))
          const events = problems || timedOut ? await kube.events(namespace, pods.map(p => p.name)) : []
          const input = {namespace, deployment, pods, events, timedOut, ...(target.containerPort ? {containerPort: target.containerPort} : {})}
          let verdict = judgeRollout(input)
          // A failure that the container's own output explains is judged again with its last lines;
          // so is a wait that its output may show to be pointless (read every few seconds at most).
          const wanted = verdict.state !== 'done' ? verdict.logsOf : undefined
          if (wanted && deps.streams && (verdict.state === 'failed' || now() - logsReadAt >= LOG_EVERY_MS)) {
            logsReadAt = now()
            const lines = await lastLines(deps.streams, {namespace, ...wanted}, LOG_LINES)
            if (lines.length > 0) verdict = judgeRollout({...input, logs: {...wanted, lines}})
          }
          milestones = observe(milestones, now(), pods, events)
          if (verdict.state === 'done') {
            // The kubelet's measured pull time, from the Pulled events of the pods that rolled out.
            if (milestones.pullMs === undefined && pods.length > 0) milestones = observe(milestones, now(), pods, await kube.events(namespace, pods.map(p => p.name)).catch(() => []))
            milestones = {...milestones, done: now()}
            break
          }
          if (verdict.state === 'failed') {
            throw new DraftError('ROLLOUT_FAILED', {deployment: `${namespace}/${name}`, cause: verdict.cause, fix: verdict.fix, details: verdict.details})
          }
          if (verdict.message !== last) progress({message: `${name}: ${verdict.message}`})
          last = verdict.message
          if (signal?.aborted) return 'interrupted'
          await deps.sleep(deps.pollMs ?? 250, signal)
        }
      }
      return phasesOf(milestones) ?? 'available'
    },
    state => {
      if (state === 'interrupted') return 'stopped waiting (interrupted); the rollout continues in the cluster'
      if (state === 'available') return `${names.join(', ')} available`
      const split = formatPhases(state)
      return {message: `${names.join(', ')} available${split ? ` (${split})` : ''}`, phases: {...state}}
    },
  )
}

const LOG_LINES = 12
const LOG_EVERY_MS = 3000

/** The last lines of a container's log (of its previous instance when asked), or none if unreadable. */
async function lastLines(streams: PodStreams, ref: {namespace: string; pod: string; container: string; previous: boolean}, count: number): Promise<string[]> {
  const lines: string[] = []
  try {
    const stream = await streams.logs({namespace: ref.namespace, pod: ref.pod, container: ref.container}, {tailLines: count, previous: ref.previous}, line => lines.push(line.text))
    const timer = setTimeout(() => stream.stop(), 5000)
    await stream.done
    clearTimeout(timer)
  } catch {
    // The diagnosis stands on the events alone when the log cannot be read (gone, forbidden).
  }
  return lines.slice(-count)
}

/** `containerPort` from helm --set values, when it is a number. */
export const containerPortOf = (set: Record<string, string>): number | undefined => {
  const value = set.containerPort
  return value && /^\d+$/.test(value) ? Number(value) : undefined
}
