import {existsSync, readFileSync} from 'node:fs'
import {join, relative} from 'node:path'

import {DraftError} from '../core/errors.js'
import type {ConnectEmit} from '../core/events.js'
import type {Kube, PodState} from '../kube/kube.js'
import {instanceSelector} from '../kube/labels.js'
import {type LogLine, PodStreamError, type PodStreams} from '../pod-streams/pod-streams.js'
import type {SessionTarget} from './connect-session.js'
import {logPrefix, mergeByTime} from './log-prefix.js'
import {containersOf} from './log-plan.js'

export interface LogsRequest {
  sinceSeconds?: number
  tail?: number
  previous: boolean
  container?: string
}

/** The pods of the release (oldest first), or NOTHING_DEPLOYED; checks --container against them. */
export async function releasePods(target: SessionTarget, kube: Kube, container?: string): Promise<PodState[]> {
  const selector = instanceSelector(target.release)
  const [pods, deployments] = await Promise.all([kube.pods(target.namespace, selector), kube.deployments(target.namespace, selector)])
  if (pods.length === 0 && deployments.length === 0) throw new DraftError('NOTHING_DEPLOYED', {release: target.release, namespace: target.namespace, context: kube.target().context})
  if (container) {
    const available = [...new Set(pods.flatMap(containersOf))]
    if (pods.length > 0 && !available.includes(container)) throw new DraftError('CONTAINER_NOT_FOUND', {container, release: target.release, available})
  }
  return pods.sort((a, b) => (a.created ?? '').localeCompare(b.created ?? '') || a.name.localeCompare(b.name))
}

/**
 * `draft logs` without --follow: every container's log (or the previous instance's with --previous),
 * merged in time order and labelled with the short pod name.
 */
export async function readLogs(target: SessionTarget, request: LogsRequest, deps: {kube: Kube; streams: PodStreams}, emit: ConnectEmit): Promise<{containers: number; lines: number}> {
  const pods = await releasePods(target, deps.kube, request.container)
  const wanted = pods.flatMap(pod =>
    containersOf(pod)
      .filter(c => !request.container || c === request.container)
      .map(container => ({pod, container, status: pod.containers.find(s => s.name === container)})),
  )
  const note = (pod: PodState, container: string, message: string): void =>
    emit({type: 'log-note', at: 0, pod: pod.name, container, prefix: logPrefix(pod, container, pods), message})

  let readable = wanted
  if (request.previous) {
    readable = wanted.filter(w => (w.status?.restartCount ?? 0) > 0)
    if (readable.length === 0) throw new DraftError('NO_PREVIOUS_LOGS', {release: target.release})
  } else {
    readable = wanted.filter(w => {
      const started = Boolean(w.status?.id)
      if (!started) note(w.pod, w.container, `has not started yet${w.status?.waiting?.reason ? ` (${w.status.waiting.reason})` : ''}`)
      return started
    })
  }

  const results = await Promise.all(
    readable.map(async ({pod, container}) => {
      const lines: (LogLine & {pod: PodState; container: string})[] = []
      try {
        const stream = await deps.streams.logs(
          {namespace: target.namespace, pod: pod.name, container},
          {
            ...(request.previous ? {previous: true} : {}),
            ...(request.sinceSeconds ? {sinceSeconds: request.sinceSeconds} : {}),
            ...(request.tail !== undefined ? {tailLines: request.tail} : {}),
          },
          line => lines.push({...line, pod, container}),
        )
        const end = await stream.done
        if (end.state === 'lost') throw new PodStreamError('unreachable', end.reason)
      } catch (error) {
        if (!(error instanceof PodStreamError)) throw error
        if (error.failure === 'forbidden') throw new DraftError('STREAM_FORBIDDEN', {namespace: target.namespace, user: deps.kube.target().user, what: 'read pod logs (pods/log)'})
        if (error.failure === 'unreachable') {
          const t = deps.kube.target()
          throw new DraftError('KUBE_UNREACHABLE', {context: t.context, server: t.server, reason: error.message})
        }
        // A pod that finished shutting down since it was listed has nothing more to say.
        if (error.failure !== 'not-found') note(pod, container, `has no log to show: ${error.message}`)
      }
      return lines
    }),
  )
  let count = 0
  for (const line of mergeByTime(results)) {
    count += 1
    emit({type: 'log-line', at: 0, pod: line.pod.name, container: line.container, prefix: logPrefix(line.pod, line.container, pods), time: line.time, line: line.text})
  }
  return {containers: readable.length, lines: count}
}

/** `draft logs --build`: the log `draft up` wrote at its last build. */
export function readBuildLog(appDir: string): {path: string; text: string} {
  const path = join(appDir, '.draft', 'logs', 'build.log')
  if (!existsSync(path)) throw new DraftError('NO_BUILD_LOG', {path: relative(process.cwd(), path) || path})
  return {path, text: readFileSync(path, 'utf8')}
}
