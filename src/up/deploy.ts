import {type ConfigOverrides, type DeployConfig, loadConfig} from '../config/draft-toml.js'
import {isDraftError} from '../core/errors.js'
import type {ConnectEmit, ConnectEvent} from '../core/events.js'
import {type LoopEvent, WatchLoop} from '../loop/watch-loop.js'
import {type UpDependencies, UpEngine, type UpOptions, type UpResult} from './up-engine.js'

type Wire = (config: DeployConfig) => Promise<UpDependencies>

const realWire: Wire = async config => (await import('./wire.js')).realDependencies(config)

export interface Deployed {
  result: UpResult
  /** With --connect (or `connect = true`): forwards the ports and streams the logs until the signal. */
  connect?: (emit: ConnectEmit) => Promise<void>
}

/**
 * `draft up PATH`: resolve draft.toml with the flags, connect the real systems, deploy once, and choose
 * a free local port for reaching the app: its own port when free (what its developer knows it by).
 */
export async function deploy(path: string, overrides: ConfigOverrides, options: UpOptions, wire: Wire = realWire): Promise<Deployed> {
  const config = loadConfig(path, overrides)
  const deps = await wire(config)
  let result = await new UpEngine(deps).run(config, options)
  if (result.service) {
    const {freeLocalPort} = await import('../util/free-port.js')
    const {containerPort, port} = result.service
    const localPort = await freeLocalPort([...(containerPort ? [containerPort] : []), port, 8080])
    result = {...result, service: {...result.service, localPort}}
  }
  if (!config.connect || options.signal?.aborted) return {result}
  return {result, connect: async emit => (await stayConnected(config, deps, emit)).run(options.signal ?? new AbortController().signal)}
}

/** `draft up --watch PATH`: deploy, then again after every burst of saves, until the signal. */
export async function deployOnChange(
  path: string,
  overrides: ConfigOverrides,
  options: {emit: (event: LoopEvent | ConnectEvent) => void; signal: AbortSignal; cleanup: boolean},
  wire: Wire = realWire,
): Promise<void> {
  const origin = performance.now()
  const first = loadConfig(path, overrides)
  const deps = await wire(first)
  const engine = new UpEngine(deps)
  const {ChokidarWatcher} = await import('../watch/chokidar-watcher.js')
  // The session starts after the first good deploy and lasts for the whole watch: the ports and URLs
  // stay the same across cycles, and it follows each redeploy by itself.
  let session: Promise<void> | undefined
  const connect = (config: DeployConfig): Promise<void> =>
    (async () => {
      try {
        await (await stayConnected(config, deps, options.emit, origin)).run(options.signal)
      } catch (error) {
        if (!isDraftError(error)) throw error
        options.emit({type: 'connect-failed', at: Math.round(performance.now() - origin), error: {code: error.code, message: error.message, fix: error.fix}})
        session = undefined
      }
    })()
  const loop = new WatchLoop({
    watcher: new ChokidarWatcher(),
    up: async (config, upOptions) => {
      const result = await engine.run(config, upOptions)
      if (first.connect && !session && !options.signal.aborted) session = connect(config)
      return result
    },
    loadConfig: () => loadConfig(path, overrides),
    uninstall: config => deps.helm.uninstall(config.release, config.namespace, config.kubeContext || undefined),
  })
  await loop.run(first.appDir, options)
  await session
}

/** A connect session on the deployed release, started (ports bound, URLs announced). */
async function stayConnected(config: DeployConfig, deps: UpDependencies, emit: ConnectEmit, origin?: number) {
  const [{ConnectSession}, {CONNECT_TAIL}, {ConnectionRegistry}] = await Promise.all([
    import('../connect/connect-session.js'),
    import('../connect/connect.js'),
    import('../connect/connection-registry.js'),
  ])
  if (!deps.streams) throw new Error('draft up --connect needs pod streams in its dependencies')
  const session = new ConnectSession(
    {release: config.release, namespace: config.namespace},
    {forward: [], logs: {initial: {tailLines: CONNECT_TAIL}}, emit},
    {kube: deps.kube, streams: deps.streams, privileged: process.getuid?.() === 0, registry: new ConnectionRegistry(), ...(origin === undefined ? {} : {origin})},
  )
  await session.start()
  return session
}
