import {readFileSync} from 'node:fs'
import {relative, sep} from 'node:path'

import {type IgnorePattern, parse} from '../build/dockerignore.js'
import type {DeployConfig} from '../config/draft-toml.js'
import {DraftError, describeError as describe} from '../core/errors.js'
import type {Emit, StageError, UpEvent} from '../core/events.js'
import type {RollbackResult} from '../release/release-ops.js'
import {ignoreFileOf} from '../up/build-context-provider.js'
import type {UpOptions, UpResult} from '../up/up-engine.js'
import type {FileWatcher, WatchHandle} from '../watch/file-watcher.js'
import {Coalescer} from './coalescer.js'
import {type Route, type WatchLayout, combine, routeChange, unwatched} from './route.js'

export type LoopEvent =
  | {type: 'watching'; at: number; root: string; folders: number; quietMs: number}
  | {type: 'change'; at: number; path: string; route: Route}
  /** `rebuild`: asked for by hand (the dashboard's Rebuild now), with every stage run whatever is there. */
  | {type: 'cycle-started'; at: number; cycle: number; route: Route; changes: string[]; rebuild?: true}
  | {type: 'stage'; at: number; cycle: number; event: UpEvent}
  | {type: 'cycle-finished'; at: number; cycle: number; result: UpResult}
  | {type: 'cycle-cancelled'; at: number; cycle: number; reason: string}
  | {type: 'cycle-failed'; at: number; cycle: number; error: StageError}
  | {type: 'stopped'; at: number; cycles: number; reason: string}
  /** No cycle starts until `resumed`; saves are still collected (`pending` of them so far). */
  | {type: 'paused'; at: number; pending: number}
  | {type: 'resumed'; at: number; pending: number}
  /** A rollback asked for during the loop: it waits for the running cycle, and no cycle runs during it. */
  | {type: 'rollback-started'; at: number; revision?: number}
  | {type: 'rollback-stage'; at: number; event: UpEvent}
  | {type: 'rollback-finished'; at: number; result: Pick<RollbackResult, 'changed' | 'revision' | 'target' | 'from' | 'tag' | 'commit' | 'totalMs'>}
  | {type: 'rollback-failed'; at: number; error: StageError}

export interface LoopDependencies {
  /** None: nothing is watched, cycles run only when asked for (`draft dashboard`). */
  watcher?: FileWatcher
  /** One deploy; the loop passes the last good result so an unchanged tree costs nothing. */
  up: (config: DeployConfig, options: UpOptions) => Promise<UpResult>
  /** Reads draft.toml again (it may have changed) with the command's flags. */
  loadConfig: () => DeployConfig
  /** `helm uninstall` for --cleanup. */
  uninstall?: (config: DeployConfig) => Promise<void>
  /** `draft rollback` of the release, for `rollback()`. */
  rollback?: (config: DeployConfig, options: {revision?: string; emit: Emit; signal?: AbortSignal}) => Promise<RollbackResult>
  now?: () => number
}

export interface LoopOptions {
  emit: (event: LoopEvent) => void
  /** SIGINT/SIGTERM: stop watching, abort in-flight work, return. */
  signal: AbortSignal
  cleanup?: boolean
  /** False: no cycle at the start, only when a change or `rebuild()` asks (default true). */
  initialCycle?: boolean
  /** Each line of a cycle's build log, as it is written. */
  onBuildLine?: (cycle: number, line: string) => void
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
  private options?: LoopOptions
  private paused = false
  /** A full cycle was asked for by hand. */
  private rebuildAsked = false
  /** A rollback holds the release: no cycle starts until it is done. */
  private holding?: Promise<unknown>

  constructor(private readonly deps: LoopDependencies) {
    this.now = deps.now ?? (() => performance.now())
    this.started = this.now()
  }

  async run(appDir: string, options: LoopOptions): Promise<void> {
    const at = this.at
    this.options = options
    this.config = this.deps.loadConfig()
    this.layout = layoutOf(appDir, this.config)
    this.coalescer = new Coalescer(this.config.watch.quietMs, this.config.watch.maxWaitMs)

    let handle: WatchHandle | undefined
    const stopped = new Promise<void>(resolve => options.signal.addEventListener('abort', () => resolve(), {once: true}))
    try {
      handle = await this.deps.watcher?.watch(appDir, {
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
      if (handle) options.emit({type: 'watching', at: at(), root: appDir, folders: handle.watchedFolders(), quietMs: this.config.watch.quietMs})
      if (options.initialCycle !== false) {
        this.pending = 'build'
        this.startCycle(options)
      }
      await stopped
    } finally {
      clearTimeout(this.timer)
      await handle?.close()
      await this.running?.done
      await this.holding?.catch(() => undefined)
      if (options.cleanup && this.deps.uninstall) {
        await this.deps.uninstall(this.config).catch(() => undefined)
      }
      options.emit({type: 'stopped', at: at(), cycles: this.cycles, reason: options.signal.aborted ? 'interrupted' : 'done'})
    }
  }

  /** A full cycle now (after the running one), even with nothing changed: every stage runs. */
  rebuild(): void {
    const options = this.options
    if (!options || options.signal.aborted) return
    this.rebuildAsked = true
    this.pending = combine(this.pending, 'build')
    clearTimeout(this.timer)
    this.startCycle(options)
  }

  /** Stops starting cycles; saves are still collected and run as one cycle at `resume()`. */
  pause(): void {
    if (!this.options || this.paused) return
    this.paused = true
    clearTimeout(this.timer)
    this.options.emit({type: 'paused', at: this.at(), pending: this.changes.size})
  }

  resume(): void {
    if (!this.options || !this.paused) return
    this.paused = false
    this.options.emit({type: 'resumed', at: this.at(), pending: this.changes.size})
    if (this.coalescer.pending()) this.schedule(this.options)
  }

  isPaused(): boolean {
    return this.paused
  }

  /**
   * `draft rollback` while the loop runs: after the running cycle, and with no cycle during it, so
   * that only one thing changes the release at a time. Afterwards the loop forgets its last deploy:
   * the next cycle asks the cluster what runs, and deploys the folder again.
   */
  async rollback(revision?: number): Promise<RollbackResult> {
    const options = this.options
    const rollback = this.deps.rollback
    if (!options || !rollback) throw new Error('rollback needs a running loop with a rollback dependency')
    const previous = this.holding
    const work = (async () => {
      await previous?.catch(() => undefined)
      await this.running?.done
      options.emit({type: 'rollback-started', at: this.at(), ...(revision === undefined ? {} : {revision})})
      try {
        const result = await rollback(this.config, {
          ...(revision === undefined ? {} : {revision: String(revision)}),
          emit: event => options.emit({type: 'rollback-stage', at: this.at(), event}),
          signal: options.signal,
        })
        const {changed, revision: live, target, from, tag, commit, totalMs} = result
        options.emit({type: 'rollback-finished', at: this.at(), result: {changed, revision: live, target, ...(from === undefined ? {} : {from}), ...(tag ? {tag} : {}), ...(commit ? {commit} : {}), totalMs}})
        return result
      } catch (error) {
        options.emit({type: 'rollback-failed', at: this.at(), error: describe(error)})
        throw error
      } finally {
        this.last = undefined
      }
    })()
    this.holding = work
    try {
      return await work
    } finally {
      if (this.holding === work) this.holding = undefined
      if (!options.signal.aborted && this.rebuildAsked) this.startCycle(options)
      else if (!options.signal.aborted && this.coalescer.pending()) this.schedule(options)
    }
  }

  private readonly at = (): number => Math.round(this.now() - this.started)

  private schedule(options: LoopOptions): void {
    if (this.running || this.holding || this.paused || options.signal.aborted) return
    clearTimeout(this.timer)
    const due = this.coalescer.dueAt()
    if (due === undefined) return
    this.timer = setTimeout(() => this.startCycle(options), Math.max(0, due - this.now()))
  }

  private startCycle(options: LoopOptions): void {
    if (this.running || this.holding || options.signal.aborted) return
    // Paused: only a cycle asked for by hand runs.
    if (this.paused && !this.rebuildAsked) return
    const at = this.at
    const cycle = ++this.cycles
    const route = this.pending
    const rebuild = this.rebuildAsked
    const changes = [...this.changes].sort()
    this.pending = 'none'
    this.rebuildAsked = false
    this.changes.clear()
    this.coalescer.reset()
    const stale = new AbortController()
    const running: NonNullable<WatchLoop['running']> = {cycle, stale, done: Promise.resolve()}
    this.running = running
    options.emit({type: 'cycle-started', at: at(), cycle, route, changes, ...(rebuild ? {rebuild: true as const} : {})})

    running.done = (async () => {
      try {
        this.config = this.deps.loadConfig()
        this.layout = layoutOf(this.layout.root, this.config)
        const result = await this.deps.up(this.config, {
          signal: options.signal,
          buildSignal: stale.signal,
          // A rebuild asks everyone again rather than trust what this process last deployed.
          ...(this.last && !rebuild ? {previous: this.last} : {}),
          ...(rebuild ? {rebuild: true} : {}),
          ...(options.onBuildLine ? {onBuildLine: (line: string) => options.onBuildLine!(cycle, line)} : {}),
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
        if (!options.signal.aborted && this.rebuildAsked) this.startCycle(options)
        else if (!options.signal.aborted && this.coalescer.pending()) this.schedule(options)
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
