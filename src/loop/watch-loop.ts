import {readFileSync} from 'node:fs'
import {relative, sep} from 'node:path'

import {type IgnorePattern, parse} from '../build/dockerignore.js'
import type {DeployConfig} from '../config/draft-toml.js'
import {DraftError, describeError as describe} from '../core/errors.js'
import type {StageError, UpEvent} from '../core/events.js'
import {ignoreFileOf} from '../up/build-context-provider.js'
import type {UpOptions, UpResult} from '../up/up-engine.js'
import type {FileWatcher, WatchHandle} from '../watch/file-watcher.js'
import {Coalescer} from './coalescer.js'
import {type Route, type WatchLayout, combine, routeChange, unwatched} from './route.js'

export type LoopEvent =
  | {type: 'watching'; at: number; root: string; folders: number; quietMs: number}
  | {type: 'change'; at: number; path: string; route: Route}
  | {type: 'cycle-started'; at: number; cycle: number; route: Route; changes: string[]}
  | {type: 'stage'; at: number; cycle: number; event: UpEvent}
  | {type: 'cycle-finished'; at: number; cycle: number; result: UpResult}
  | {type: 'cycle-cancelled'; at: number; cycle: number; reason: string}
  | {type: 'cycle-failed'; at: number; cycle: number; error: StageError}
  | {type: 'stopped'; at: number; cycles: number; reason: string}

export interface LoopDependencies {
  watcher: FileWatcher
  /** One deploy; the loop passes the last good result so an unchanged tree costs nothing. */
  up: (config: DeployConfig, options: UpOptions) => Promise<UpResult>
  /** Reads draft.toml again (it may have changed) with the command's flags. */
  loadConfig: () => DeployConfig
  /** `helm uninstall` for --cleanup. */
  uninstall?: (config: DeployConfig) => Promise<void>
  now?: () => number
}

export interface LoopOptions {
  emit: (event: LoopEvent) => void
  /** SIGINT/SIGTERM: stop watching, abort in-flight work, return. */
  signal: AbortSignal
  cleanup?: boolean
}

/**
 * `draft up --watch`: deploy, then deploy again after every burst of saves, one cycle at a time.
 * A change during a build makes that build stale: it is aborted and the next cycle starts from the
 * newest files. A change during push or deploy waits for it to finish. A failed cycle never ends the
 * loop; the last good release keeps running and the next change tries again.
 */
export class WatchLoop {
  private readonly now: () => number
  private readonly started: number
  private coalescer!: Coalescer
  private pending: Route = 'none'
  private changes = new Set<string>()
  private running?: {cycle: number; stage?: string; stale: AbortController; done: Promise<void>}
  private timer?: NodeJS.Timeout
  private cycles = 0
  private last?: UpResult
  private layout!: WatchLayout & {root: string}
  private config!: DeployConfig

  constructor(private readonly deps: LoopDependencies) {
    this.now = deps.now ?? (() => performance.now())
    this.started = this.now()
  }

  async run(appDir: string, options: LoopOptions): Promise<void> {
    const at = (): number => Math.round(this.now() - this.started)
    this.config = this.deps.loadConfig()
    this.layout = layoutOf(appDir, this.config)
    this.coalescer = new Coalescer(this.config.watch.quietMs, this.config.watch.maxWaitMs)

    let handle: WatchHandle | undefined
    const stopped = new Promise<void>(resolve => options.signal.addEventListener('abort', () => resolve(), {once: true}))
    try {
      handle = await this.deps.watcher.watch(appDir, {
        ignored: (path, isDirectory) => unwatched(path, isDirectory, this.layout),
        onChange: change => {
          const route = routeChange(change.path, this.layout)
          if (route === 'none') return
          options.emit({type: 'change', at: at(), path: change.path, route})
          this.pending = combine(this.pending, route)
          this.changes.add(change.path)
          this.coalescer.add(this.now())
          // The running build no longer matches the files: stop it now rather than finish stale work.
          if (route === 'build' && this.running && (this.running.stage === undefined || ['connect', 'tag', 'build'].includes(this.running.stage))) {
            this.running.stale.abort()
          }
          this.schedule(options)
        },
        onError: error => options.emit({type: 'cycle-failed', at: at(), cycle: this.cycles, error: describe(new DraftError('WATCH_FAILED', {reason: error.message}))}),
      })
      options.emit({type: 'watching', at: at(), root: appDir, folders: handle.watchedFolders(), quietMs: this.config.watch.quietMs})
      this.pending = 'build'
      this.startCycle(options)
      await stopped
    } finally {
      clearTimeout(this.timer)
      await handle?.close()
      await this.running?.done
      if (options.cleanup && this.deps.uninstall) {
        await this.deps.uninstall(this.config).catch(() => undefined)
      }
      options.emit({type: 'stopped', at: at(), cycles: this.cycles, reason: options.signal.aborted ? 'interrupted' : 'done'})
    }
  }

  private schedule(options: LoopOptions): void {
    if (this.running || options.signal.aborted) return
    clearTimeout(this.timer)
    const due = this.coalescer.dueAt()
    if (due === undefined) return
    this.timer = setTimeout(() => this.startCycle(options), Math.max(0, due - this.now()))
  }

  private startCycle(options: LoopOptions): void {
    if (this.running || options.signal.aborted) return
    const at = (): number => Math.round(this.now() - this.started)
    const cycle = ++this.cycles
    const route = this.pending
    const changes = [...this.changes].sort()
    this.pending = 'none'
    this.changes.clear()
    this.coalescer.reset()
    const stale = new AbortController()
    const running: NonNullable<WatchLoop['running']> = {cycle, stale, done: Promise.resolve()}
    this.running = running
    options.emit({type: 'cycle-started', at: at(), cycle, route, changes})

    running.done = (async () => {
      try {
        this.config = this.deps.loadConfig()
        this.layout = layoutOf(this.layout.root, this.config)
        const result = await this.deps.up(this.config, {
          signal: options.signal,
          buildSignal: stale.signal,
          ...(this.last ? {previous: this.last} : {}),
          emit: event => {
            if (event.type === 'stage-started') running.stage = event.stage
            options.emit({type: 'stage', at: at(), cycle, event})
          },
        })
        this.last = result
        options.emit({type: 'cycle-finished', at: at(), cycle, result})
      } catch (error) {
        if (error instanceof DraftError && error.code === 'ABORTED' && stale.signal.aborted && !options.signal.aborted) {
          options.emit({type: 'cycle-cancelled', at: at(), cycle, reason: 'a newer change arrived during the build'})
        } else if (!(options.signal.aborted && error instanceof DraftError && error.code === 'ABORTED')) {
          options.emit({type: 'cycle-failed', at: at(), cycle, error: describe(error)})
        }
      } finally {
        this.running = undefined
        if (!options.signal.aborted && this.coalescer.pending()) this.schedule(options)
      }
    })()
  }
}

/** Where the loop looks, relative to the watched app folder. */
export function layoutOf(appDir: string, config: DeployConfig): WatchLayout & {root: string} {
  const rel = (path: string): string => relative(appDir, path).split(sep).join('/')
  if (config.prebuilt) {
    // An image deployed as it is: no context, no Dockerfile; its chart and settings are all that count.
    return {root: appDir, context: '', dockerfile: '', ignoreFile: '', configFile: rel(config.file), chart: rel(config.chart), values: config.values.map(rel), patterns: [], noBuild: true}
  }
  // The ignore file the build uses: the Dockerfile's own one when there is one.
  const ignorePath = ignoreFileOf(config)
  const ignoreFile = rel(ignorePath)
  let patterns: IgnorePattern[] = []
  try {
    patterns = parse(readFileSync(ignorePath, 'utf8'))
  } catch {
    // No .dockerignore (or an unreadable one, which the build reports): everything counts.
  }
  return {
    root: appDir,
    context: rel(config.context),
    dockerfile: rel(config.dockerfile),
    ignoreFile,
    configFile: rel(config.file),
    chart: rel(config.chart),
    values: config.values.map(rel),
    patterns,
  }
}
