import {resolve} from 'node:path'

import {type ConfigOverrides, loadConfig} from '../config/draft-toml.js'
import {DraftError} from '../core/errors.js'
import type {ConnectEmit} from '../core/events.js'
import type {Kube} from '../kube/kube.js'
import type {PodStreams} from '../pod-streams/pod-streams.js'
import {parseDuration} from '../util/duration.js'
import {ConnectSession} from './connect-session.js'
import {ConnectionRegistry} from './connection-registry.js'
import {parsePortFlag} from './local-ports.js'
import {type LogsRequest, readBuildLog, readLogs, releasePods} from './read-logs.js'

type Wire = (kubeContext: string) => Promise<{kube: Kube; streams: PodStreams}>
type Overrides = Pick<ConfigOverrides, 'env' | 'namespace' | 'kubeContext' | 'release'>

const realWire: Wire = async kubeContext => (await import('./wire.js')).realStreams(kubeContext)

/** Lines of the pods already running that `connect` shows when it starts: their start-up, usually. */
export const CONNECT_TAIL = 10

/** `draft connect PATH`: forward the release's ports and follow its logs until the signal. */
export async function connect(
  path: string,
  overrides: Overrides,
  options: {ports: readonly string[]; logs: boolean; emit: ConnectEmit; signal: AbortSignal},
  wire: Wire = realWire,
): Promise<void> {
  const config = loadConfig(path, overrides)
  const requested = options.ports.map(parsePortFlag)
  const deps = await wire(config.kubeContext)
  const session = new ConnectSession(
    {release: config.release, namespace: config.namespace},
    {forward: requested, logs: options.logs ? {initial: {tailLines: CONNECT_TAIL}} : false, emit: options.emit},
    {...deps, privileged: process.getuid?.() === 0, registry: new ConnectionRegistry()},
  )
  await session.start()
  await session.run(options.signal)
}

/** `draft logs PATH`: print the release's logs, or follow them (and new pods) until the signal. */
export async function logs(
  path: string,
  overrides: Overrides,
  flags: Omit<LogsRequest, 'sinceSeconds'> & {follow: boolean; since?: string},
  options: {emit: ConnectEmit; signal: AbortSignal},
  wire: Wire = realWire,
): Promise<void> {
  const {since, ...rest} = flags
  const request: LogsRequest & {follow: boolean} = {...rest, ...(since === undefined ? {} : {sinceSeconds: sinceSeconds(since)})}
  const config = loadConfig(path, overrides)
  const deps = await wire(config.kubeContext)
  const target = {release: config.release, namespace: config.namespace}
  if (!request.follow) {
    await readLogs(target, request, deps, options.emit)
    return
  }
  await releasePods(target, deps.kube, request.container)
  const initial = {...(request.sinceSeconds ? {sinceSeconds: request.sinceSeconds} : {}), ...(request.tail !== undefined ? {tailLines: request.tail} : {})}
  const session = new ConnectSession(target, {forward: false, logs: {initial, ...(request.container ? {container: request.container} : {})}, emit: options.emit}, deps)
  await session.start()
  await session.run(options.signal)
}

/** --since 10m as whole seconds (the API's unit), at least one. */
export function sinceSeconds(text: string): number {
  const ms = parseDuration(text)
  if (ms === undefined) throw new DraftError('CONFIG_INVALID', {file: '--since', key: 'since', problem: `"${text}" is not a duration`, fix: 'Write it like "30s", "10m" or "2h".'})
  return Math.max(1, Math.ceil(ms / 1000))
}

/** `draft logs --build PATH`. */
export function buildLog(path: string): {path: string; text: string} {
  return readBuildLog(resolve(path))
}
