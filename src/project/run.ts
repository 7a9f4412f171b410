import type {DeployConfig} from '../config/draft-toml.js'
import {type ProjectConfig, type ProjectOverrides, loadProject} from '../config/project-toml.js'
import type {DashboardEvent} from '../core/events.js'
import type {StartDashboard} from '../dashboard/dashboard.js'
import type {ProjectDashboardSession} from '../dashboard/session.js'
import type {ProjectLoopEvent} from '../loop/project-loop.js'
import type {ReleaseDependencies} from '../release/release-ops.js'
import type {UpDependencies} from '../up/up-engine.js'
import {UpEngine} from '../up/up-engine.js'
import {type ProjectEvent, type ProjectRun, upProject} from './project-up.js'

type Wire = (config: DeployConfig) => Promise<UpDependencies>

const realWire: Wire = async config => (await import('../up/wire.js')).realDependencies(config)

/** `draft up` at a project root: draft.toml with the flags, the real systems, every service once. */
export async function deployProject(
  path: string,
  overrides: ProjectOverrides,
  options: {emit: (event: ProjectEvent) => void; signal?: AbortSignal; builds?: number},
  wire: Wire = realWire,
): Promise<{project: ProjectConfig; run: ProjectRun}> {
  const project = loadProject(path, overrides)
  // One set of connections for all: the services share the cluster, the registry and the engine.
  const engine = new UpEngine(await wire(project.services[0]!.config))
  const run = await upProject(project, (config, upOptions) => engine.run(config, upOptions), {
    emit: options.emit,
    ...(options.signal ? {signal: options.signal} : {}),
    ...(options.builds ? {builds: options.builds} : {}),
  })
  return {project, run}
}

export type ProjectSessionEmit = (event: ProjectLoopEvent | DashboardEvent) => void

/**
 * `draft up --watch` at a project root: every service, then the services each burst of saves concerns,
 * with the dashboard of every service unless `ui` is off. `watch: false` is `draft dashboard` at the
 * root: nothing is watched and no cycle runs until the page asks for one.
 */
export async function deployProjectOnChange(
  path: string,
  overrides: ProjectOverrides,
  options: {emit: ProjectSessionEmit; signal: AbortSignal; cleanup: boolean; watch?: boolean; startDashboard?: StartDashboard},
  wire: Wire = realWire,
): Promise<void> {
  const origin = performance.now()
  const at = (): number => Math.round(performance.now() - origin)
  const watching = options.watch !== false
  const first = loadProject(path, overrides)
  const deps = await wire(first.services[0]!.config)
  const engine = new UpEngine(deps)
  const [{ProjectLoop}, watcher] = await Promise.all([
    import('../loop/project-loop.js'),
    watching ? import('../watch/chokidar-watcher.js').then(m => new m.ChokidarWatcher()) : undefined,
  ])
  const releaseOps = async () => new (await import('../release/release-ops.js')).ReleaseOps(await releaseDependencies(deps))
  const loop = new ProjectLoop({
    ...(watcher ? {watcher} : {}),
    run: (project, runOptions) => upProject(project, (config, upOptions) => engine.run(config, upOptions), runOptions),
    loadProject: () => loadProject(path, overrides),
    uninstall: async project => {
      await Promise.all(project.services.map(s => deps.helm.uninstall(s.config.release, s.config.namespace, s.config.kubeContext || undefined).catch(() => undefined)))
    },
    rollback: async (config, rollbackOptions) => (await releaseOps()).rollback(config, rollbackOptions),
  })
  let dashboard: ProjectDashboardSession | undefined
  if (first.ui || !watching) {
    try {
      const [{startProjectDashboardSession}, {ConnectionRegistry}] = await Promise.all([import('../dashboard/session.js'), import('../connect/connection-registry.js')])
      if (!deps.streams) throw new Error('the dashboard needs pod streams in its dependencies')
      dashboard = await startProjectDashboardSession({
        project: first,
        loop,
        mode: watching ? 'watch' : 'dashboard',
        start: options.startDashboard ?? (await import('../dashboard/http-dashboard.js')).startHttpDashboard,
        feed: {kube: deps.kube, streams: deps.streams, credentials: deps.credentials, history: async config => (await releaseOps()).history(config), connections: new ConnectionRegistry()},
        origin,
        context: deps.kube.target().context,
      })
      options.emit({type: 'dashboard', at: at(), url: dashboard.url})
    } catch (error) {
      // `draft dashboard` is nothing without it; a watch goes on and says why.
      if (!watching) throw error
      options.emit({type: 'dashboard-failed', at: at(), message: error instanceof Error ? error.message : String(error)})
    }
  }
  try {
    await loop.run({
      emit: event => {
        options.emit(event)
        dashboard?.event(event)
      },
      signal: options.signal,
      cleanup: options.cleanup,
      initialCycle: watching,
      ...(dashboard ? {onBuildLine: (cycle: number, service: string, line: string) => dashboard!.buildLine(cycle, service, line)} : {}),
    })
  } finally {
    await dashboard?.close()
  }
}

/** What history and rollback need, from the systems a deploy already has. */
async function releaseDependencies(deps: UpDependencies): Promise<ReleaseDependencies> {
  const {ConnectionRegistry} = await import('../connect/connection-registry.js')
  return {helm: deps.helm, kube: deps.kube, registry: deps.registry, credentials: deps.credentials, contexts: deps.contexts, connections: new ConnectionRegistry(), ...(deps.pollMs === undefined ? {} : {pollMs: deps.pollMs})}
}
