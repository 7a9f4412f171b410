import type {EventState, PodState} from '../kube/kube.js'

/**
 * Where a rollout's time goes, as seen by the one watching it: scheduling, image pull, container start
 * (sandbox, network, process), readiness (the probes), and the old pods handing over. The API's own
 * timestamps have a resolution of a second, which is the whole rollout on a fast node, so the phases
 * come from when each state was first observed, refined by the kubelet's measured pull time. A
 * milestone first seen together with the next one gets the whole interval, and the next none.
 */
export interface RolloutPhases {
  scheduling: number
  pull: number
  start: number
  readiness: number
  /** From the new pods Ready to the Deployment available (old ReplicaSet scaled down). */
  handover: number
}

export type PhaseName = keyof RolloutPhases

/** The first moment each milestone of the newest pods was seen; all in the watcher's milliseconds. */
export interface Milestones {
  begin: number
  created?: number
  scheduled?: number
  started?: number
  ready?: number
  done?: number
  /** The kubelet's own pull time, from its Pulled event. */
  pullMs?: number
}

/** Records the milestones reached by the newest pods in one observation. Pure: returns a new value. */
export function observe(previous: Milestones, at: number, pods: readonly PodState[], events: readonly EventState[] = []): Milestones {
  const next = {...previous}
  const live = pods.filter(p => !p.terminating)
  if (live.length === 0) return next
  const every = (test: (p: PodState) => boolean): boolean => live.every(test)
  if (next.created === undefined) next.created = at
  if (next.scheduled === undefined && every(p => p.conditions.some(c => c.type === 'PodScheduled' && c.status === 'True'))) next.scheduled = at
  if (next.started === undefined && every(p => p.containers.length > 0 && p.containers.every(c => c.running === true || c.ready))) next.started = at
  if (next.ready === undefined && every(p => p.conditions.some(c => c.type === 'Ready' && c.status === 'True'))) next.ready = at
  if (next.pullMs === undefined) {
    const pulled = pulledMs(events, live.map(p => p.name))
    if (pulled !== undefined) next.pullMs = pulled
  }
  return next
}

/** "Successfully pulled image "x" in 1.234s (1.234s including waiting)", or "already present" (0). */
export function pulledMs(events: readonly EventState[], pods: readonly string[]): number | undefined {
  let total: number | undefined
  for (const e of events) {
    if (e.reason !== 'Pulled' || !pods.some(p => e.object.endsWith(`/${p}`))) continue
    const m = /in ([\d.]+)(ms|s)\b/.exec(e.message)
    const ms = m ? Number(m[1]) * (m[2] === 's' ? 1000 : 1) : /already present/.test(e.message) ? 0 : undefined
    if (ms !== undefined) total = Math.max(total ?? 0, ms)
  }
  return total
}

/** The phases of a finished rollout; the pull comes out of the start phase when the kubelet reported it. */
export function phasesOf(m: Milestones): RolloutPhases | undefined {
  if (m.done === undefined) return undefined
  const created = m.created ?? m.begin
  const scheduled = m.scheduled ?? created
  const started = m.started ?? m.ready ?? scheduled
  const ready = m.ready ?? m.done
  const toStart = Math.max(0, started - scheduled)
  const pull = Math.min(toStart, Math.round(m.pullMs ?? 0))
  return {
    scheduling: Math.max(0, scheduled - m.begin),
    pull,
    start: toStart - pull,
    readiness: Math.max(0, ready - started),
    handover: Math.max(0, m.done - ready),
  }
}

const LABELS: Record<PhaseName, string> = {scheduling: 'schedule', pull: 'pull', start: 'start', readiness: 'ready', handover: 'old pods'}

/** "schedule 0.1s · pull 0.4s · start 0.9s · ready 1.1s · old pods 0.2s", leaving out empty phases. */
export function formatPhases(phases: RolloutPhases): string {
  return (Object.keys(LABELS) as PhaseName[])
    .filter(k => phases[k] >= 50)
    .map(k => `${LABELS[k]} ${(phases[k] / 1000).toFixed(1)}s`)
    .join(' · ')
}
