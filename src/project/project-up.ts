import {availableParallelism} from 'node:os'

import type {DeployConfig} from '../config/draft-toml.js'
import type {ProjectConfig, ServiceConfig} from '../config/project-toml.js'
import {DraftError} from '../core/errors.js'
import type {Stage, StageError, UpEvent} from '../core/events.js'
import type {UpOptions, UpResult} from '../up/up-engine.js'

/**
 * `draft up` at a project root: every service through the same engine as a lone app, all at once,
 * with two things shared. Builds take a slot of the machine's cores (a service whose image is there
 * needs none); a service is deployed only once the services it depends on are ready, and not at all
 * when one of them failed. One service failing never stops the others: each ends as a row.
 */

/** Events of a run of several services: each of the engine's events, with the service it is about. */
export type ProjectEvent =
  | (UpEvent & {service: string})
  | {type: 'service-waiting'; service: string; at: number; dependencies: string[]}
  | {type: 'service-done'; service: string; at: number; row: ServiceRow}

export type ServiceState = 'deployed' | 'unchanged' | 'failed' | 'blocked' | 'cancelled'

/** One line of the summary. */
export interface ServiceRow {
  service: string
  release: string
  state: ServiceState
  tag?: string
  image?: string
  built: boolean
  revision?: number
  error?: StageError
  timings: Partial<Record<Stage, number>>
  totalMs: number
  result?: UpResult
}

export interface ProjectRunOptions {
  emit: (event: ProjectEvent) => void
  /** Ctrl-C: every service stops as a lone `draft up` does. */
  signal?: AbortSignal
  /** Only these services (default: all of the project). Dependencies outside them are taken as ready. */
  services?: readonly string[]
  /** Per service: a newer change makes its build stale (the watch loop). */
  buildSignals?: ReadonlyMap<string, AbortSignal>
  /** Per service: its last good deploy in this process (the watch loop). */
  previous?: ReadonlyMap<string, UpResult>
  /** Services that run every stage whatever is there (the dashboard's Rebuild now). */
  rebuild?: ReadonlySet<string>
  /** Each line of a service's build log, as it is written. */
  onBuildLine?: (service: string, line: string) => void
  /** How many builds run at once (default: the machine's cores). */
  builds?: number
  now?: () => number
}

export interface ProjectRun {
  rows: ServiceRow[]
  totalMs: number
}

export type RunOne = (config: DeployConfig, options: UpOptions) => Promise<UpResult>

export async function upProject(project: ProjectConfig, up: RunOne, options: ProjectRunOptions): Promise<ProjectRun> {
  const now = options.now ?? (() => performance.now())
  const started = now()
  const at = (): number => Math.round(now() - started)
  const chosen = options.services ? project.services.filter(s => options.services!.includes(s.name)) : project.services
  const running = new Set(chosen.map(s => s.name))
  const slots = semaphore(options.builds ?? Math.max(1, availableParallelism()))
  const ready = new Map(chosen.map(s => [s.name, outcome()]))

  const runOne = async (service: ServiceConfig): Promise<ServiceRow> => {
    const begin = now()
    const timings: Partial<Record<Stage, number>> = {}
    const emit = (event: UpEvent): void => {
      if (event.type === 'stage-finished' || event.type === 'stage-failed') timings[event.stage] = event.ms
      options.emit({...event, service: service.name})
    }
    const gates = {
      build: () => slots.take(),
      deploy: async () => {
        const waitFor = service.dependsOn.map(d => d.name).filter(name => running.has(name) && !ready.get(name)!.settled())
        if (waitFor.length) options.emit({type: 'service-waiting', service: service.name, at: at(), dependencies: waitFor})
        for (const dep of service.dependsOn) {
          if (!running.has(dep.name)) continue
          const problem = await ready.get(dep.name)!.promise
          if (problem) throw new DraftError('DEPENDENCY_FAILED', {service: service.name, dependency: dep.name, reason: problem})
        }
      },
    }
    const buildSignal = options.buildSignals?.get(service.name)
    const previous = options.previous?.get(service.name)
    let row: ServiceRow
    try {
      const result = await up(service.config, {
        emit,
        gates,
        ...(options.signal ? {signal: options.signal} : {}),
        ...(buildSignal ? {buildSignal} : {}),
        ...(previous ? {previous} : {}),
        ...(options.rebuild?.has(service.name) ? {rebuild: true} : {}),
        ...(options.onBuildLine ? {onBuildLine: (line: string) => options.onBuildLine!(service.name, line)} : {}),
      })
      row = {
        service: service.name,
        release: result.release,
        state: result.upToDate ? 'unchanged' : 'deployed',
        tag: result.tag,
        image: result.image,
        built: result.built,
        revision: result.revision,
        timings: {...timings, ...result.timings},
        totalMs: Math.round(now() - begin),
        result,
      }
      ready.get(service.name)!.settle(undefined)
    } catch (error) {
      const described = describe(error)
      const state: ServiceState =
        error instanceof DraftError && error.code === 'DEPENDENCY_FAILED'
          ? 'blocked'
          : error instanceof DraftError && error.code === 'ABORTED' && buildSignal?.aborted && !options.signal?.aborted
            ? 'cancelled'
            : 'failed'
      row = {service: service.name, release: service.config.release, state, built: false, error: described, timings, totalMs: Math.round(now() - begin)}
      ready.get(service.name)!.settle(state === 'blocked' ? 'was not deployed' : state === 'cancelled' ? 'was cancelled by a newer change' : `failed (${described.code}: ${described.message})`)
    }
    options.emit({type: 'service-done', service: service.name, at: at(), row})
    return row
  }

  const rows = await Promise.all(chosen.map(runOne))
  return {rows, totalMs: at()}
}

/** The services that did not end deployed or unchanged. */
export const failedRows = (run: ProjectRun): ServiceRow[] => run.rows.filter(r => r.state !== 'deployed' && r.state !== 'unchanged')

/** A counting semaphore: take() resolves with the function that gives the slot back (once). */
export function semaphore(size: number): {take(): Promise<() => void>; inUse(): number} {
  let used = 0
  const waiting: (() => void)[] = []
  const release = (): void => {
    const next = waiting.shift()
    if (next) next()
    else used--
  }
  return {
    take: () =>
      new Promise(resolve => {
        let given = false
        const give = (): void => resolve(() => {
          if (given) return
          given = true
          release()
        })
        if (used < size) {
          used++
          give()
        } else waiting.push(give)
      }),
    inUse: () => used,
  }
}

/** A service's end: undefined when it is ready, else why dependents cannot deploy. */
function outcome(): {promise: Promise<string | undefined>; settle(problem: string | undefined): void; settled(): boolean} {
  let settle!: (problem: string | undefined) => void
  let done = false
  const promise = new Promise<string | undefined>(resolve => (settle = resolve))
  return {
    promise,
    settle: problem => {
      done = true
      settle(problem)
    },
    settled: () => done,
  }
}

function describe(error: unknown): StageError {
  if (error instanceof DraftError) {
    const details = (error.context as {details?: string[]}).details
    return {code: error.code, message: error.message, fix: error.fix, ...(details ? {details} : {})}
  }
  return {code: 'INTERNAL', message: error instanceof Error ? error.message : String(error), fix: 'This is a bug in draft: please report it with the output above.'}
}
