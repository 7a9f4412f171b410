import {readFileSync} from 'node:fs'
import {join, relative, sep} from 'node:path'

import {type IgnorePattern, parse} from '../build/dockerignore.js'
import type {DeployConfig} from '../config/draft-toml.js'
import {DraftError, describeError as describe} from '../core/errors.js'
import type {Emit, StageError, UpEvent} from '../core/events.js'
import type {RollbackResult} from '../release/release-ops.js'
import type {SyncResult} from '../sync/sync-engine.js'
import {ignoreFileOf} from '../up/build-context-provider.js'
import type {UpOptions, UpResult} from '../up/up-engine.js'
import type {FileWatcher, WatchHandle} from '../watch/file-watcher.js'
import {Coalescer} from './coalescer.js'
import {CycleGate} from './cycle-gate.js'
import {type Route, type WatchLayout, routeChange, unwatched} from './route.js'
import {type CycleDecision, type SyncMode, type SyncedFile, decideCycle, syncMode, syncable} from './sync-route.js'

export type LoopEvent =
  /** `sync`: whether saved files are synced into the running container, and why not (first lines of the watch). */
  | {type: 'watching'; at: number; root: string; folders: number; quietMs: number; sync?: {on: boolean; message: string}}
  | {type: 'change'; at: number; path: string; route: Route}
  /**
   * `rebuild`: asked for by hand (the dashboard's Rebuild now), with every stage run whatever is there.
   * `why`: in sync mode, why these changes are built rather than synced.
   */
  | {type: 'cycle-started'; at: number; cycle: number; route: Route | 'sync'; changes: string[]; rebuild?: true; why?: string}
  | {type: 'stage'; at: number; cycle: number; event: UpEvent}
  | {type: 'cycle-finished'; at: number; cycle: number; result: UpResult}
  /** A sync cycle that delivered its files (its stages: plan, copy, reload). */
  | {type: 'cycle-synced'; at: number; cycle: number; result: SyncResult}
  /** The sync could not apply; the same cycle builds and deploys instead. */
  | {type: 'sync-fallback'; at: number; cycle: number; error: StageError}
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

export interface SyncCall {
  files: readonly SyncedFile[]
  /** What the pods were deployed with. */
  deployed: UpResult
  emit: Emit
  signal: AbortSignal
}

export interface LoopDependencies {
  /** None: nothing is watched, cycles run only when asked for (`draft dashboard`). */
  watcher?: FileWatcher
  /**
   * One deploy; the loop passes the last good result so an unchanged tree costs nothing. `config.sync`
   * says whether this deploy is in sync mode (only then are the development values set).
   */
  up: (config: DeployConfig, options: UpOptions) => Promise<UpResult>
  /** Live update of a burst, in sync mode. Throws SYNC_NOT_APPLIED when the cycle must build instead. */
  sync?: (config: DeployConfig, call: SyncCall) => Promise<SyncResult>
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
 * loop; the last good release keeps running and the next change tries again, with the failed cycle's
 * changes (nothing is dropped). In sync mode a burst that needs no new image is synced into the
 * running pods; a sync that cannot apply builds and deploys in the same cycle.
 */
export class WatchLoop {
  private readonly now: () => number
  private readonly started: number
  private coalescer!: Coalescer
  /** Changes not yet delivered to the cluster, with their route. */
  private readonly changes = new Map<string, Route>()
  private running?: {cycle: number; stage?: string; stale: AbortController; done: Promise<void>}
  private cycles = 0
  private last?: UpResult
  private layout!: WatchLayout & {root: string}
  private config!: DeployConfig
  private options?: LoopOptions
  /** A full cycle was asked for by hand. */
  private rebuildAsked = false
  private readonly gate = new CycleGate({
    now: () => this.now(),
    coalescer: () => this.coalescer,
    running: () => this.running?.done,
    stopping: () => this.options?.signal.aborted ?? true,
    rebuildAsked: () => this.rebuildAsked,
    startCycle: () => this.options && this.startCycle(this.options),
  })
  private mode: SyncMode = {on: false}
  /** Why the next burst cannot be synced even in sync mode (undefined: it can). */
  private syncBlocked: string | undefined = 'nothing runs in sync mode yet'

  constructor(private readonly deps: LoopDependencies) {
    this.now = deps.now ?? (() => performance.now())
    this.started = this.now()
  }

  async run(appDir: string, options: LoopOptions): Promise<void> {
    const at = this.at
    this.options = options
    this.config = this.deps.loadConfig()
    this.layout = layoutOf(appDir, this.config)
    this.mode = this.syncModeOf(this.config)
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
          const previous = this.changes.get(change.path)
          this.changes.set(change.path, previous === 'build' ? 'build' : route)
          const quick = this.mode.on && syncable(change.path, route, this.layout, this.mode.rules)
          this.coalescer.add(this.now(), quick ? Math.min(this.config.watch.syncQuietMs ?? this.config.watch.quietMs, this.config.watch.quietMs) : this.config.watch.quietMs)
          // The running build no longer matches the files: stop it now rather than finish stale work.
          if (route === 'build' && this.running && (this.running.stage === undefined || ['connect', 'tag', 'build'].includes(this.running.stage))) {
            this.running.stale.abort()
          }
          this.gate.schedule()
        },
        onError: error => options.emit({type: 'cycle-failed', at: at(), cycle: this.cycles, error: describe(new DraftError('WATCH_FAILED', {reason: error.message}))}),
      })
      if (handle) {
        options.emit({type: 'watching', at: at(), root: appDir, folders: handle.watchedFolders(), quietMs: this.config.watch.quietMs, ...(this.mode.message ? {sync: {on: this.mode.on, message: this.mode.message}} : {})})
      }
      if (options.initialCycle !== false) this.startCycle(options, true)
      await stopped
    } finally {
      this.gate.cancel()
      await handle?.close()
      await this.running?.done
      await this.gate.released()
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
    this.gate.cancel()
    this.startCycle(options)
  }

  /** Stops starting cycles; saves are still collected and run as one cycle at `resume()`. */
  pause(): void {
    if (this.options && this.gate.pause()) this.options.emit({type: 'paused', at: this.at(), pending: this.changes.size})
  }

  resume(): void {
    if (this.options && this.gate.resume()) this.options.emit({type: 'resumed', at: this.at(), pending: this.changes.size})
  }

  isPaused(): boolean {
    return this.gate.isPaused()
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
    return this.gate.hold(async () => {
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
        // What runs now is a revision's image, without the files synced since: the next burst builds.
        this.last = undefined
        this.syncBlocked = 'a rollback changed what runs'
      }
    })
  }

  private readonly at = (): number => Math.round(this.now() - this.started)

  private startCycle(options: LoopOptions, initial = false): void {
    // Paused: only a cycle asked for by hand runs.
    if (!this.gate.mayStart(this.rebuildAsked)) return
    const at = this.at
    const cycle = ++this.cycles
    const rebuild = this.rebuildAsked
    const batch = [...this.changes].map(([path, route]) => ({path, route}))
    const changes = batch.map(c => c.path).sort()
    this.rebuildAsked = false
    this.changes.clear()
    this.coalescer.reset()
    // Decided on the config the changes were routed with: a draft.toml change is a deploy anyway. The
    // first cycle and a rebuild asked for by hand run every stage.
    const decision: CycleDecision =
      initial || rebuild
        ? {route: 'build'}
        : decideCycle({changes: batch, layout: this.layout, ...(this.mode.on ? {sync: this.mode.rules} : {}), ...(this.syncBlocked ? {blocked: this.syncBlocked} : {})})
    const stale = new AbortController()
    const running: NonNullable<WatchLoop['running']> = {cycle, stale, done: Promise.resolve()}
    this.running = running
    options.emit({type: 'cycle-started', at: at(), cycle, route: decision.route, changes, ...(rebuild ? {rebuild: true as const} : {}), ...('why' in decision && decision.why ? {why: decision.why} : {})})
    const stage = (event: UpEvent): void => {
      if (event.type === 'stage-started') running.stage = event.stage
      options.emit({type: 'stage', at: at(), cycle, event})
    }

    running.done = (async () => {
      try {
        if (decision.route === 'sync' && this.deps.sync && this.last) {
          try {
            const result = await this.deps.sync(this.config, {files: decision.files, deployed: this.last, emit: stage, signal: options.signal})
            options.emit({type: 'cycle-synced', at: at(), cycle, result})
            return
          } catch (error) {
            // Anything else (the app did not come back, Ctrl-C) ends the cycle: a rebuild would not help.
            if (!(error instanceof DraftError && error.code === 'SYNC_NOT_APPLIED')) throw error
            options.emit({type: 'sync-fallback', at: at(), cycle, error: describe(error)})
          }
        }
        this.config = this.deps.loadConfig()
        this.layout = layoutOf(this.layout.root, this.config)
        this.mode = this.syncModeOf(this.config)
        const result = await this.deps.up({...this.config, sync: this.mode.on}, {
          signal: options.signal,
          buildSignal: stale.signal,
          // A rebuild asks everyone again rather than trust what this process last deployed.
          ...(this.last && !rebuild ? {previous: this.last} : {}),
          ...(rebuild ? {rebuild: true} : {}),
          ...(options.onBuildLine ? {onBuildLine: (line: string) => options.onBuildLine!(cycle, line)} : {}),
          emit: stage,
        })
        this.last = result
        this.syncBlocked = this.mode.on ? undefined : 'sync mode is off'
        options.emit({type: 'cycle-finished', at: at(), cycle, result})
      } catch (error) {
        // Nothing of this cycle is known to have reached the cluster: its changes go with the next
        // one, which builds (the pods may hold part of it). An app that did not restart after a sync
        // has its files: the next save syncs again.
        if (!(error instanceof DraftError && error.code === 'SYNC_RELOAD_FAILED')) {
          for (const change of batch) if (!this.changes.has(change.path)) this.changes.set(change.path, change.route)
          this.syncBlocked = 'the last cycle did not finish'
        }
        if (error instanceof DraftError && error.code === 'ABORTED' && stale.signal.aborted && !options.signal.aborted) {
          options.emit({type: 'cycle-cancelled', at: at(), cycle, reason: 'a newer change arrived during the build'})
        } else if (!(options.signal.aborted && error instanceof DraftError && error.code === 'ABORTED')) {
          options.emit({type: 'cycle-failed', at: at(), cycle, error: describe(error)})
        }
      } finally {
        this.running = undefined
        if (!options.signal.aborted && this.rebuildAsked) this.startCycle(options)
        else if (!options.signal.aborted && this.coalescer.pending()) this.gate.schedule()
      }
    })()
  }

  /** Whether this config's deploys are in sync mode: asked for, with rules that sync, and a chart that knows sync mode. */
  private syncModeOf(config: DeployConfig): SyncMode {
    let chartValues: string | undefined
    try {
      chartValues = readFileSync(join(config.chart, 'values.yaml'), 'utf8')
    } catch {
      chartValues = undefined
    }
    return syncMode({requested: Boolean(config.sync), ...(config.syncRules ? {rules: config.syncRules} : {}), chart: relative(this.layout.root, config.chart) || '.', chartValues, canSync: this.deps.sync !== undefined})
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
