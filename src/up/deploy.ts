import {type ConfigOverrides, type DeployConfig, loadConfig} from '../config/draft-toml.js'
import {type LoopEvent, WatchLoop} from '../loop/watch-loop.js'
import {type UpDependencies, UpEngine, type UpOptions, type UpResult} from './up-engine.js'

type Wire = (config: DeployConfig) => Promise<UpDependencies>

const realWire: Wire = async config => (await import('./wire.js')).realDependencies(config)

/**
 * `draft up PATH`: resolve draft.toml with the flags, connect the real systems, deploy once, and choose
 * a free local port for reaching the app: its own port when free (what its developer knows it by).
 */
export async function deploy(path: string, overrides: ConfigOverrides, options: UpOptions, wire: Wire = realWire): Promise<UpResult> {
  const config = loadConfig(path, overrides)
  const result = await new UpEngine(await wire(config)).run(config, options)
  if (!result.service) return result
  const {freeLocalPort} = await import('../util/free-port.js')
  const {containerPort, port} = result.service
  const localPort = await freeLocalPort([...(containerPort ? [containerPort] : []), port, 8080])
  return {...result, service: {...result.service, localPort}}
}

/** `draft up --watch PATH`: deploy, then again after every burst of saves, until the signal. */
export async function deployOnChange(
  path: string,
  overrides: ConfigOverrides,
  options: {emit: (event: LoopEvent) => void; signal: AbortSignal; cleanup: boolean},
  wire: Wire = realWire,
): Promise<void> {
  const first = loadConfig(path, overrides)
  const deps = await wire(first)
  const engine = new UpEngine(deps)
  const {ChokidarWatcher} = await import('../watch/chokidar-watcher.js')
  const loop = new WatchLoop({
    watcher: new ChokidarWatcher(),
    up: (config, upOptions) => engine.run(config, upOptions),
    loadConfig: () => loadConfig(path, overrides),
    uninstall: config => deps.helm.uninstall(config.release, config.namespace, config.kubeContext || undefined),
  })
  await loop.run(first.appDir, options)
}
