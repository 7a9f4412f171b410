import {existsSync, readFileSync} from 'node:fs'
import {join, relative} from 'node:path'

import {type ProjectConfig, type ProjectOverrides, loadProject} from '../config/project-toml.js'
import {ConnectSession} from '../connect/connect-session.js'
import {ConnectionRegistry} from '../connect/connection-registry.js'
import {CONNECT_TAIL} from '../connect/connect.js'
import {type LogsRequest, readLogs, releasePods} from '../connect/read-logs.js'
import {DraftError, isDraftError} from '../core/errors.js'
import type {ConnectEvent} from '../core/events.js'
import type {Kube} from '../kube/kube.js'
import type {PodStreams} from '../pod-streams/pod-streams.js'

/**
 * `draft connect` and `draft logs` at a project root: one session per service, side by side. Each
 * event says which service it is about, and a log line's label starts with the service, so the lines of
 * every service can share one terminal. A service that has nothing deployed is said once and the others
 * go on; only when none can be reached is it an error.
 */
export type ServiceConnectEvent = ConnectEvent & {service: string}

type Wire = (kubeContext: string) => Promise<{kube: Kube; streams: PodStreams}>

const realWire: Wire = async kubeContext => (await import('../connect/wire.js')).realStreams(kubeContext)

/** Every event of a service's session, marked with the service; its log labels start with it. */
export function forService(service: string, emit: (event: ServiceConnectEvent) => void): (event: ConnectEvent) => void {
  return event => emit({...event, service, ...('prefix' in event ? {prefix: `${service} ${event.prefix}`} : {})} as ServiceConnectEvent)
}

/** Forward every service's ports (a worker has none: only its logs) and follow all the logs until the signal. */
export async function connectProject(
  path: string,
  overrides: ProjectOverrides,
  options: {logs: boolean; emit: (event: ServiceConnectEvent) => void; signal: AbortSignal; project?: ProjectConfig},
  wire: Wire = realWire,
): Promise<void> {
  const project = options.project ?? loadProject(path, overrides)
  const deps = await wire(project.services[0]!.config.kubeContext)
  const registry = new ConnectionRegistry()
  const sessions: ConnectSession[] = []
  let first: unknown
  // One at a time: each binds its local ports, and the next takes the next free ones.
  for (const service of project.services) {
    const emit = forService(service.name, options.emit)
    const forwards = service.kind === 'image' || service.port !== undefined
    const session = new ConnectSession(
      {release: service.config.release, namespace: service.config.namespace},
      {forward: forwards ? [] : false, logs: options.logs ? {initial: {tailLines: CONNECT_TAIL}} : false, emit},
      {...deps, privileged: process.getuid?.() === 0, registry},
    )
    try {
      await session.start()
      sessions.push(session)
    } catch (error) {
      if (!isDraftError(error)) throw error
      first ??= error
      emit({type: 'connect-failed', at: 0, error: {code: error.code, message: error.message, fix: error.fix}})
    }
  }
  if (sessions.length === 0) throw first
  await Promise.all(sessions.map(s => s.run(options.signal)))
}

/** `draft logs` at a project root: each service's logs (in service order), or all of them followed. */
export async function projectLogs(
  path: string,
  overrides: ProjectOverrides,
  request: LogsRequest & {follow: boolean},
  options: {emit: (event: ServiceConnectEvent) => void; signal: AbortSignal},
  wire: Wire = realWire,
): Promise<void> {
  const project = loadProject(path, overrides)
  const deps = await wire(project.services[0]!.config.kubeContext)
  const failures: DraftError[] = []
  const sessions: ConnectSession[] = []
  for (const service of project.services) {
    const emit = forService(service.name, options.emit)
    const target = {release: service.config.release, namespace: service.config.namespace}
    try {
      if (!request.follow) {
        await readLogs(target, request, deps, emit)
        continue
      }
      await releasePods(target, deps.kube, request.container)
      const initial = {...(request.sinceSeconds ? {sinceSeconds: request.sinceSeconds} : {}), ...(request.tail !== undefined ? {tailLines: request.tail} : {})}
      const session = new ConnectSession(target, {forward: false, logs: {initial, ...(request.container ? {container: request.container} : {})}, emit}, deps)
      await session.start()
      sessions.push(session)
    } catch (error) {
      if (!isDraftError(error)) throw error
      failures.push(error)
      emit({type: 'connect-failed', at: 0, error: {code: error.code, message: error.message, fix: error.fix}})
    }
  }
  if (failures.length === project.services.length) throw failures[0]
  await Promise.all(sessions.map(s => s.run(options.signal)))
}

/** `draft logs --build` at a project root: the last build log of each service that has one. */
export function projectBuildLogs(path: string, overrides: ProjectOverrides): {service: string; path: string; text: string}[] {
  const project = loadProject(path, overrides)
  const found = project.services.flatMap(s => {
    const file = join(s.config.stateDir ?? join(s.config.appDir, '.draft'), 'logs', 'build.log')
    return existsSync(file) ? [{service: s.name, path: relative(process.cwd(), file) || file, text: readFileSync(file, 'utf8')}] : []
  })
  if (found.length === 0) throw new DraftError('NO_BUILD_LOG', {path: relative(process.cwd(), join(project.root, '.draft', 'services', '*', 'logs', 'build.log'))})
  return found
}
