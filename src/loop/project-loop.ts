import type {ProjectConfig} from '../config/project-toml.js'
import type {DeployConfig} from '../config/draft-toml.js'
import {DraftError} from '../core/errors.js'
import type {Route} from './route.js'
import type {Emit, StageError, UpEvent} from '../core/events.js'
import type {ProjectEvent, ProjectRun, ProjectRunOptions, ServiceRow} from '../project/project-up.js'
import type {RollbackResult} from '../release/release-ops.js'
import type {UpResult} from '../up/up-engine.js'
import type {FileWatcher, WatchHandle} from '../watch/file-watcher.js'
import {Coalescer} from './coalescer.js'
import {CycleGate} from './cycle-gate.js'
import {type ServiceLayout, mergeRoutes, routeToServices, unwatchedByAll} from './service-route.js'
import {layoutOf} from './watch-loop.js'

/**
 * `draft up --watch` at a project root. One watcher on the root; each saved change goes to the
 * services it concerns (service-route.ts). A burst of changes, across services, becomes one cycle that
 * runs those services as `draft up` does (builds in parallel, deploys in depends-on order). A change to
 * a service while its image builds makes that build stale: only that build is stopped, and the service
 * runs again in the next cycle; the others go on. A failed service never ends the loop.
 *
 * The dashboard drives it as it drives a lone app's loop: Rebuild now (every service, or one), pause
 * and resume, and a rollback of one service, which waits for the running cycle and holds the next.
 */
export type ProjectLoopEvent =
  | {type: 'watching'; at: number; root: string; folders: number; quietMs: number; services: string[]}
  | {type: 'change'; at: number; path: string; services: Record<string, Route>}
  /** `rebuild`: asked for by hand (the dashboard's Rebuild now): those services run every stage. */
  | {type: 'cycle-started'; at: number; cycle: number; services: Record<string, Route>; changes: string[]; rebuild?: true}
  | {type: 'service'; at: number; cycle: number; event: ProjectEvent}
  | {type: 'build-cancelled'; at: number; cycle: number; service: string; path: string}
  | {type: 'cycle-finished'; at: number; cycle: number; rows: ServiceRow[]; ms: number}
  | {type: 'cycle-failed'; at: number; cycle: number; error: StageError}
  | {type: 'stopped'; at: number; cycles: number; reason: string}
  /** No cycle starts until `resumed`; saves are still collected (`pending` files so far). */
  | {type: 'paused'; at: number; pending: number}
  | {type: 'resumed'; at: number; pending: number}
  /** A rollback of one service, asked for during the loop: after the running cycle, and none during it. */
  | {type: 'rollback-started'; at: number; service: string; revision?: number}
  | {type: 'rollback-stage'; at: number; service: string; event: UpEvent}
  | {type: 'rollback-finished'; at: number; service: string; result: Pick<RollbackResult, 'changed' | 'revision' | 'target' | 'from' | 'tag' | 'commit' | 'totalMs'>}
  | {type: 'rollback-failed'; at: number; service: string; error: StageError}

export interface ProjectLoopDependencies {
  /** None: nothing is watched, cycles run only when asked for (`draft dashboard` at a root). */
  watcher?: FileWatcher
  /** One run of some services (upProject with the real engine). */
  run: (project: ProjectConfig, options: ProjectRunOptions) => Promise<ProjectRun>
  /** Reads draft.toml again (it may have changed) with the command's flags. */
  loadProject: () => ProjectConfig
  /** `helm uninstall` of every service, for --cleanup. */
  uninstall?: (project: ProjectConfig) => Promise<void>
  /** `draft rollback --service` of one service, for `rollback()`. */
  rollback?: (config: DeployConfig, options: {revision?: string; emit: Emit; signal?: AbortSignal}) => Promise<RollbackResult>
  now?: () => number
}

export interface ProjectLoopOptions {
  emit: (event: ProjectLoopEvent) => void
  signal: AbortSignal
  cleanup?: boolean
  /** False: no cycle at the start, only when a change or `rebuild()` asks (default true). */
  initialCycle?: boolean
  /** Each line of a service's build log in a cycle, as it is written. */
  onBuildLine?: (cycle: number, service: string, line: string) => void
}

/** Stages during which a newer change makes the work stale: the image is not pushed yet. */
const STALE_STAGES = ['connect', 'tag', 'build']

export class ProjectLoop {
  private readonly now: () => number
  private readonly started: number
  private coalescer!: Coalescer
  private pending = new Map<string, Route>()
  private changes = new Set<string>()
  private running?: {cycle: number; stages: Map<string, string>; stale: Map<string, AbortController>; done: Promise<void>}
  private cycles = 0
  private readonly last = new Map<string, UpResult>()
  private project!: ProjectConfig
  private layouts: ServiceLayout[] = []
  private options?: ProjectLoopOptions
  /** Services whose full cycle was asked for by hand. */
  private rebuildAsked = new Set<string>()
  private readonly gate = new CycleGate({
    now: () => this.now(),
    coalescer: () => this.coalescer,
    running: () => this.running?.done,
    stopping: () => this.options?.signal.aborted ?? true,
    rebuildAsked: () => this.rebuildAsked.size > 0,
    startCycle: () => this.options && this.startCycle(this.options),
  })

  constructor(private readonly deps: ProjectLoopDependencies) {
    this.now = deps.now ?? (() => performance.now())
    this.started = this.now()
  }

  async run(options: ProjectLoopOptions): Promise<void> {
    const at = this.at
    this.options = options
    this.load()
    let handle: WatchHandle | undefined
    const stopped = new Promise<void>(resolve => options.signal.addEventListener('abort', () => resolve(), {once: true}))
    try {
      handle = await this.deps.watcher?.watch(this.project.root, {
        ignored: (path, isDirectory) => unwatchedByAll(path, isDirectory, this.layouts),
        onChange: change => {
          const routes = routeToServices(change.path, this.layouts)
          if (routes.size === 0) return
          options.emit({type: 'change', at: at(), path: change.path, services: Object.fromEntries(routes)})
          mergeRoutes(this.pending, routes)
          this.changes.add(change.path)
          this.coalescer.add(this.now())
          // Only the builds this change makes stale stop; every other service of the cycle goes on.
          const running = this.running
          if (running) {
            for (const [service, route] of routes) {
              const stage = running.stages.get(service)
              const stale = running.stale.get(service)
              if (route !== 'build' || !stale || stale.signal.aborted || (stage !== undefined && !STALE_STAGES.includes(stage))) continue
              stale.abort()
              options.emit({type: 'build-cancelled', at: at(), cycle: running.cycle, service, path: change.path})
            }
          }
          this.gate.schedule()
        },
        onError: error => options.emit({type: 'cycle-failed', at: at(), cycle: this.cycles, error: {code: 'WATCH_FAILED', message: error.message, fix: 'draft keeps running; if changes stop being seen, restart draft up --watch.'}}),
      })
      if (handle) options.emit({type: 'watching', at: at(), root: this.project.root, folders: handle.watchedFolders(), quietMs: this.project.watch.quietMs, services: this.project.services.map(s => s.name)})
      if (options.initialCycle !== false) {
        for (const s of this.project.services) this.pending.set(s.name, 'build')
        this.startCycle(options)
      }
      await stopped
    } finally {
      this.gate.cancel()
      await handle?.close()
      await this.running?.done
      await this.gate.released()
      if (options.cleanup && this.deps.uninstall) await this.deps.uninstall(this.project).catch(() => undefined)
      options.emit({type: 'stopped', at: at(), cycles: this.cycles, reason: options.signal.aborted ? 'interrupted' : 'done'})
    }
  }

  private load(): void {
    this.project = this.deps.loadProject()
    this.layouts = this.project.services.map(s => ({...layoutOf(this.project.root, s.config), service: s.name}))
    this.coalescer ??= new Coalescer(this.project.watch.quietMs, this.project.watch.maxWaitMs)
  }

  /** A full cycle of `service` (all services when none is named) after the running one, even with nothing changed. */
  rebuild(service?: string): void {
    const options = this.options
    if (!options || options.signal.aborted) return
    const names = this.project.services.map(s => s.name)
    if (service !== undefined && !names.includes(service)) throw new DraftError('UNKNOWN_SERVICE', {name: service, flag: 'rebuild', services: names})
    const chosen = service === undefined ? names : [service]
    for (const name of chosen) this.rebuildAsked.add(name)
    mergeRoutes(this.pending, new Map(chosen.map(name => [name, 'build' as Route])))
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

  /**
   * `draft rollback --service` while the loop runs: after the running cycle, with no cycle during it.
   * Afterwards the loop forgets that service's last deploy: its next cycle deploys the folder again.
   */
  async rollback(service: string, revision?: number): Promise<RollbackResult> {
    const options = this.options
    const rollback = this.deps.rollback
    if (!options || !rollback) throw new Error('rollback needs a running loop with a rollback dependency')
    const names = this.project.services.map(s => s.name)
    if (!names.includes(service)) throw new DraftError('UNKNOWN_SERVICE', {name: service, flag: 'rollback', services: names})
    return this.gate.hold(async () => {
      const config = this.project.services.find(s => s.name === service)?.config
      options.emit({type: 'rollback-started', at: this.at(), service, ...(revision === undefined ? {} : {revision})})
      try {
        if (!config) throw new DraftError('UNKNOWN_SERVICE', {name: service, flag: 'rollback', services: this.project.services.map(s => s.name)})
        const result = await rollback(config, {
          ...(revision === undefined ? {} : {revision: String(revision)}),
          emit: event => options.emit({type: 'rollback-stage', at: this.at(), service, event}),
          signal: options.signal,
        })
        const {changed, revision: live, target, from, tag, commit, totalMs} = result
        options.emit({type: 'rollback-finished', at: this.at(), service, result: {changed, revision: live, target, ...(from === undefined ? {} : {from}), ...(tag ? {tag} : {}), ...(commit ? {commit} : {}), totalMs}})
        return result
      } catch (error) {
        options.emit({type: 'rollback-failed', at: this.at(), service, error: describe(error)})
        throw error
      } finally {
        this.last.delete(service)
      }
    })
  }

  private readonly at = (): number => Math.round(this.now() - this.started)

  private startCycle(options: ProjectLoopOptions): void {
    // Paused: only a cycle asked for by hand runs (with what was saved meanwhile).
    if (this.pending.size === 0 || !this.gate.mayStart(this.rebuildAsked.size > 0)) return
    const at = this.at
    const cycle = ++this.cycles
    const routes = new Map(this.pending)
    const changes = [...this.changes].sort()
    const rebuild = new Set(this.rebuildAsked)
    this.pending.clear()
    this.changes.clear()
    this.rebuildAsked.clear()
    this.coalescer.reset()
    const stale = new Map([...routes.keys()].map(name => [name, new AbortController()]))
    const running: NonNullable<ProjectLoop['running']> = {cycle, stages: new Map(), stale, done: Promise.resolve()}
    this.running = running
    options.emit({type: 'cycle-started', at: at(), cycle, services: Object.fromEntries(routes), changes, ...(rebuild.size ? {rebuild: true as const} : {})})

    running.done = (async () => {
      const begin = this.now()
      try {
        this.load()
        const names = [...routes.keys()].filter(name => this.project.services.some(s => s.name === name))
        const run = await this.deps.run(this.project, {
          services: names,
          signal: options.signal,
          buildSignals: new Map([...stale].map(([name, c]) => [name, c.signal])),
          // A rebuilt service asks everyone again rather than trust what this process last deployed.
          previous: new Map([...this.last].filter(([name]) => !rebuild.has(name))),
          ...(rebuild.size ? {rebuild} : {}),
          ...(options.onBuildLine ? {onBuildLine: (service: string, line: string) => options.onBuildLine!(cycle, service, line)} : {}),
          emit: event => {
            if (event.type === 'stage-started') running.stages.set(event.service, event.stage)
            options.emit({type: 'service', at: at(), cycle, event})
          },
        })
        for (const row of run.rows) {
          if (row.result) this.last.set(row.service, row.result)
          // A cancelled or failed service is tried again with the next change (a cancelled one at once).
          if (row.state === 'cancelled') mergeRoutes(this.pending, new Map([[row.service, 'build' as Route]]))
        }
        options.emit({type: 'cycle-finished', at: at(), cycle, rows: run.rows, ms: Math.round(this.now() - begin)})
      } catch (error) {
        if (!(options.signal.aborted && error instanceof DraftError && error.code === 'ABORTED')) {
          options.emit({type: 'cycle-failed', at: at(), cycle, error: describe(error)})
        }
      } finally {
        this.running = undefined
        if (!options.signal.aborted && this.rebuildAsked.size) this.startCycle(options)
        else if (!options.signal.aborted && (this.coalescer.pending() || this.pending.size)) {
          if (!this.coalescer.pending()) this.coalescer.add(this.now())
          this.gate.schedule()
        }
      }
    })()
  }
}

function describe(error: unknown): StageError {
  if (error instanceof DraftError) return {code: error.code, message: error.message, fix: error.fix}
  return {code: 'INTERNAL', message: error instanceof Error ? error.message : String(error), fix: 'This is a bug in draft: please report it.'}
}
