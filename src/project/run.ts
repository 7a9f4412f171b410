import type {DeployConfig} from '../config/draft-toml.js'
import {type ProjectConfig, type ProjectOverrides, loadProject} from '../config/project-toml.js'
import type {ProjectLoopEvent} from '../loop/project-loop.js'
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

/** `draft up --watch` at a project root: every service, then the services each burst of saves concerns. */
export async function deployProjectOnChange(
  path: string,
  overrides: ProjectOverrides,
  options: {emit: (event: ProjectLoopEvent) => void; signal: AbortSignal; cleanup: boolean},
  wire: Wire = realWire,
): Promise<void> {
  const first = loadProject(path, overrides)
  const deps = await wire(first.services[0]!.config)
  const engine = new UpEngine(deps)
  const [{ChokidarWatcher}, {ProjectLoop}] = await Promise.all([import('../watch/chokidar-watcher.js'), import('../loop/project-loop.js')])
  const loop = new ProjectLoop({
    watcher: new ChokidarWatcher(),
    run: (project, runOptions) => upProject(project, (config, upOptions) => engine.run(config, upOptions), runOptions),
    loadProject: () => loadProject(path, overrides),
    uninstall: async project => {
      await Promise.all(project.services.map(s => deps.helm.uninstall(s.config.release, s.config.namespace, s.config.kubeContext || undefined).catch(() => undefined)))
    },
  })
  await loop.run(options)
}
