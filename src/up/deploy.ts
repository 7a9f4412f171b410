import {type ConfigOverrides, type DeployConfig, loadConfig} from '../config/draft-toml.js'
import {isDraftError} from '../core/errors.js'
import type {ConnectEmit, ConnectEvent, DashboardEvent} from '../core/events.js'
import type {StartDashboard} from '../dashboard/dashboard.js'
import type {DashboardSession} from '../dashboard/session.js'
import {type LoopEvent, type SyncCall, WatchLoop} from '../loop/watch-loop.js'
import type {HistoryReport, ReleaseDependencies} from '../release/release-ops.js'
import type {SyncResult} from '../sync/sync-engine.js'
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

export type SessionEmit = (event: LoopEvent | ConnectEvent | DashboardEvent) => void

/**
 * `draft up --watch PATH`: deploy, then again after every burst of saves, until the signal; with the
 * dashboard unless `ui` is off. `watch: false` is `draft dashboard`: nothing is watched and no cycle
 * runs until the page asks for one.
 */
export async function deployOnChange(
  path: string,
  overrides: ConfigOverrides,
  options: {emit: SessionEmit; signal: AbortSignal; cleanup: boolean; watch?: boolean; startDashboard?: StartDashboard},
  wire: Wire = realWire,
): Promise<void> {
  const origin = performance.now()
  const at = (): number => Math.round(performance.now() - origin)
  const watching = options.watch !== false
  const first = loadConfig(path, overrides)
  const deps = await wire(first)
  const engine = new UpEngine(deps)
  const watcher = watching ? new (await import('../watch/chokidar-watcher.js')).ChokidarWatcher() : undefined
  let dashboard: DashboardSession | undefined
  const emit = (event: LoopEvent | ConnectEvent): void => {
    options.emit(event)
    dashboard?.event(event)
  }
  // The session starts after the first good deploy and lasts for the whole watch: the ports and URLs
  // stay the same across cycles, and it follows each redeploy by itself.
  let session: Promise<void> | undefined
  const connect = (config: DeployConfig): Promise<void> =>
    (async () => {
      try {
        await (await stayConnected(config, deps, emit, origin)).run(options.signal)
      } catch (error) {
        if (!isDraftError(error)) throw error
        emit({type: 'connect-failed', at: at(), error: {code: error.code, message: error.message, fix: error.fix}})
        session = undefined
      }
    })()
  const releaseOps = async () => new (await import('../release/release-ops.js')).ReleaseOps(await releaseDependencies(deps))
  const live = deps.streams ? await liveUpdate(first, deps) : undefined
  const loop = new WatchLoop({
    ...(watcher ? {watcher} : {}),
    up: async (config, upOptions) => {
      const result = await engine.run(live?.configure(config) ?? config, upOptions)
      if (first.connect && watching && !session && !options.signal.aborted) session = connect(config)
      return result
    },
    ...(live ? {sync: live.sync} : {}),
    loadConfig: () => loadConfig(path, overrides),
    uninstall: config => deps.helm.uninstall(config.release, config.namespace, config.kubeContext || undefined),
    rollback: async (config, rollbackOptions) => (await releaseOps()).rollback(config, rollbackOptions),
  })
  if (first.ui || !watching) {
    try {
      dashboard = await openDashboard(first, deps, loop, {mode: watching ? 'watch' : 'dashboard', origin, followLogs: !(first.connect && watching), history: async config => (await releaseOps()).history(config), ...(options.startDashboard ? {start: options.startDashboard} : {})})
      options.emit({type: 'dashboard', at: at(), url: dashboard.url})
    } catch (error) {
      // `draft dashboard` is nothing without it; a watch goes on and says why.
      if (!watching) throw error
      options.emit({type: 'dashboard-failed', at: at(), message: error instanceof Error ? error.message : String(error)})
    }
  }
  try {
    await loop.run(first.appDir, {
      emit,
      signal: options.signal,
      cleanup: options.cleanup,
      initialCycle: watching,
      ...(dashboard ? {onBuildLine: (cycle: number, line: string) => dashboard!.buildLine(cycle, line)} : {}),
    })
    await session
  } finally {
    await dashboard?.close()
  }
}

/** The dashboard server and its feed on this loop's systems. */
async function openDashboard(
  config: DeployConfig,
  deps: UpDependencies,
  loop: WatchLoop,
  options: {mode: 'watch' | 'dashboard'; origin: number; followLogs: boolean; history: (config: DeployConfig) => Promise<HistoryReport>; start?: StartDashboard},
): Promise<DashboardSession> {
  const [{startDashboardSession}, {ConnectionRegistry}] = await Promise.all([import('../dashboard/session.js'), import('../connect/connection-registry.js')])
  if (!deps.streams) throw new Error('the dashboard needs pod streams in its dependencies')
  const start = options.start ?? (await import('../dashboard/http-dashboard.js')).startHttpDashboard
  return startDashboardSession({
    config,
    loop,
    mode: options.mode,
    start,
    feed: {kube: deps.kube, streams: deps.streams, credentials: deps.credentials, history: options.history, connections: new ConnectionRegistry()},
    followLogs: options.followLogs,
    origin: options.origin,
    context: deps.kube.target().context,
  })
}

/** What status, history and rollback need, from the systems a deploy already has. */
async function releaseDependencies(deps: UpDependencies): Promise<ReleaseDependencies> {
  const {ConnectionRegistry} = await import('../connect/connection-registry.js')
  return {helm: deps.helm, kube: deps.kube, registry: deps.registry, credentials: deps.credentials, contexts: deps.contexts, connections: new ConnectionRegistry(), ...(deps.pollMs === undefined ? {} : {pollMs: deps.pollMs})}
}

/**
 * Sync mode's side of the watch: the development values every deploy of the session gets (config.sync
 * is set by the loop when sync mode is on) and the sync itself. Each session, and each cycle after a
 * sync that could not apply, deploys a new sync generation when the pods may hold synced files the tree
 * no longer has: new pods, fresh from the image, even when the image is the same.
 */
async function liveUpdate(first: DeployConfig, deps: UpDependencies) {
  const [{SyncEngine}, {developmentValues}, {parseSyncRecord}] = await Promise.all([
    import('../sync/sync-engine.js'),
    import('../sync/development-values.js'),
    import('../sync/record.js'),
  ])
  const engine = new SyncEngine({kube: deps.kube, streams: deps.streams!})
  const fresh = (): string => Date.now().toString(36)
  let generation = '1'
  if (first.sync && first.syncRules && first.syncRules.reload !== 'rebuild') {
    const pods = await deps.kube.pods(first.namespace, `app.kubernetes.io/instance=${first.release}`).catch(() => [])
    if (pods.some(p => parseSyncRecord(p.annotations))) generation = fresh()
  }
  return {
    configure: (config: DeployConfig): DeployConfig => {
      if (!config.sync || !config.syncRules || config.syncRules.reload === 'rebuild') return config
      const values = developmentValues(config.syncRules, generation)
      return {...config, set: {...config.set, ...values.set}, setString: {...config.setString, ...values.setString}}
    },
    sync: async (config: DeployConfig, call: SyncCall): Promise<SyncResult> => {
      try {
        return await engine.run({
          release: config.release,
          namespace: config.namespace,
          appDir: config.appDir,
          rules: config.syncRules!,
          files: call.files,
          image: call.deployed.image,
          tag: call.deployed.tag,
          emit: call.emit,
          signal: call.signal,
        })
      } catch (error) {
        if (isDraftError(error) && error.code === 'SYNC_NOT_APPLIED') generation = fresh()
        throw error
      }
    },
  }
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
