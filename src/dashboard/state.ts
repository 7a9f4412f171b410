/**
 * What the dashboard shows, and how events change it: `reduce(state, event)` is pure and is the only
 * way the page state changes, on the server and in the page (which loads this file as it is compiled:
 * it imports types only, so it runs in a browser unchanged). The server keeps one state and sends each
 * event on; every page reduces the same events and ends with the same state.
 *
 * Everything kept is capped (LIMITS), so a session of any length holds a bounded amount: the newest
 * cycles with their stage timings, a longer series of cycle times for the chart, the build logs of
 * the newest cycles, and the newest runtime log lines.
 */
import type {ConnectEvent, Stage, StageError, UpEvent} from '../core/events.js'
import type {ProjectLoopEvent} from '../loop/project-loop.js'
import type {Route} from '../loop/route.js'
import type {LoopEvent} from '../loop/watch-loop.js'
import type {ServiceRow, ServiceState} from '../project/project-up.js'

export const LIMITS = {
  /** Cycles listed with their stages (older ones stay only as points of the chart). */
  cycles: 100,
  /** Points of the cycle-time chart. */
  series: 1000,
  /** The newest cycles that keep their build log. */
  buildLogCycles: 20,
  /** Lines of one cycle's build log (the last ones: a failure is at the end). */
  buildLogLines: 2000,
  /** Runtime log lines and notes, of all pods. */
  runtimeLines: 3000,
  /** Changed files named per cycle (the rest are counted). */
  changesPerCycle: 20,
  /** Events of the pods that are not ready. */
  podEvents: 30,
  revisions: 50,
  notices: 20,
  rollbacks: 20,
} as const

export type ServiceStateName = 'idle' | 'building' | 'pushing' | 'deploying' | 'syncing' | 'running' | 'failed'

export interface PodView {
  name: string
  /** Ready containers / containers. */
  ready: string
  /** Running, Pending, Terminating, or why a container waits (CrashLoopBackOff...). */
  state: string
  restarts: number
  lastTermination?: string
  /** Of the newest ReplicaSet (false: an old pod on its way out). */
  newest: boolean
  created?: string
}

export interface EventRow {
  object: string
  type: string
  reason: string
  message: string
  count: number
}

export interface RevisionRow {
  revision: number
  updated: string
  status: string
  live: boolean
  tag?: string
  commit?: string
  rollbackOf?: number
  byDraft: boolean
}

export interface ServiceView {
  name: string
  release: string
  namespace: string
  state: ServiceStateName
  /** The state to go back to when a cycle is cancelled. */
  settled: ServiceStateName
  stage?: Stage
  /** The running stage's latest message. */
  detail?: string
  urls: string[]
  tag?: string
  image?: string
  revision?: number
  commit?: string
  /** Files synced into the pods since their image (sync mode). */
  synced?: number
  pods: PodView[]
  events: EventRow[]
  history: RevisionRow[]
  /** Why the last cycle or rollback failed, until one succeeds. */
  error?: StageError
}

export interface StageBar {
  stage: Stage
  state: 'running' | 'done' | 'skipped' | 'failed'
  /** Since the cycle started. */
  at: number
  ms: number
  message: string
  /** The rollout's split: schedule, pull, start, readiness, old pods. */
  phases?: Record<string, number>
}

export interface LogLine {
  seq: number
  at: number
  text: string
  /** Whose build it is (several services build in one cycle). */
  service?: string
}

export interface BuildLog {
  lines: LogLine[]
  /** Lines left out: the head of a long log, or all of it for an old cycle. */
  dropped: number
  /** The step the build failed at, and the lines that belong to it (seq numbers). */
  failedStep?: string
  failedLines?: number[]
}

export type CycleResult = 'running' | 'deployed' | 'unchanged' | 'synced' | 'failed' | 'cancelled'

export interface CycleView {
  cycle: number
  at: number
  endedAt?: number
  route: string
  changes: string[]
  moreChanges: number
  rebuild: boolean
  result: CycleResult
  /** Why it was cancelled. */
  reason?: string
  /** Sync mode: why the changes were built rather than synced, or why the sync fell back to a build. */
  why?: string
  /** A synced cycle: files copied and removed. */
  synced?: {copied: number; removed: number}
  error?: StageError
  /** A project's cycle: the services it runs, and how (a build, or only a deploy). */
  services?: Record<string, Route>
  /** A project's cycle: how each of its services ended. */
  results?: Record<string, {state: ServiceState; revision?: number; tag?: string; error?: StageError}>
  /** Per service, its stages in order. */
  stages: Record<string, StageBar[]>
  revision?: number
  tag?: string
  totalMs?: number
  build: BuildLog
}

export interface SeriesPoint {
  cycle: number
  at: number
  ms: number
  result: CycleResult
}

export interface LogEntry {
  seq: number
  at: number
  kind: 'runtime' | 'note'
  service: string
  pod: string
  container: string
  prefix: string
  text: string
  /** The container's own timestamp (RFC 3339), when the API gave one. */
  time?: string
}

export interface RollbackView {
  at: number
  /** The service rolled back (several services: one at a time). */
  service?: string
  revision?: number
  state: 'running' | 'done' | 'failed'
  stages: StageBar[]
  result?: {changed: boolean; revision: number; target: number; from?: number; tag?: string; commit?: string}
  error?: StageError
}

export interface Notice {
  at: number
  level: 'info' | 'warn' | 'error'
  message: string
  fix?: string
}

export interface PageState {
  version: 1
  mode: 'watch' | 'dashboard' | 'snapshot'
  app: {name: string; root: string; env: string; context: string}
  /** Wall-clock time (ms since the epoch) of `at` 0. */
  startedAt: number
  /** `at` of the newest event. */
  at: number
  watching: {on: boolean; paused: boolean; pending: number; folders?: number; quietMs?: number; stopped?: string}
  services: ServiceView[]
  cycles: CycleView[]
  series: SeriesPoint[]
  logs: LogEntry[]
  rollbacks: RollbackView[]
  notices: Notice[]
  /** The API server is unreachable (pods and logs are stale) since `at`. */
  connection?: {lost: true; at: number; what: string; reason: string}
  /** The next line's sequence number: orders build and runtime lines in one view. */
  seq: number
  /** What the caps have left out so far. */
  dropped: {cycles: number; logs: number; buildLines: number}
}

/** Events that only the dashboard sends: what it reads besides the loop's and connect's events. */
export type PageEvent =
  | {type: 'build-line'; at: number; cycle: number; service?: string; line: string}
  | {type: 'pods'; at: number; service: string; pods: PodView[]}
  | {type: 'pod-events'; at: number; service: string; events: EventRow[]}
  | {type: 'history'; at: number; service: string; revisions: RevisionRow[]; urls?: string[]}
  | {type: 'notice'; at: number; level: Notice['level']; message: string; fix?: string}

/** A connect event of one service's pods (several services: the feed of each says whose). */
export type ServiceConnectEvent = ConnectEvent & {service?: string}

/** A lone app's loop, a project's loop (each service's events inside), connect's events, and the page's own. */
export type DashboardInput = LoopEvent | ProjectLoopEvent | ServiceConnectEvent | PageEvent

export interface SessionInfo {
  mode: PageState['mode']
  app: PageState['app']
  startedAt: number
  watching: boolean
  services: {name: string; release: string; namespace: string}[]
}

export function initialState(info: SessionInfo): PageState {
  return {
    version: 1,
    mode: info.mode,
    app: info.app,
    startedAt: info.startedAt,
    at: 0,
    watching: {on: info.watching, paused: false, pending: 0},
    services: info.services.map(s => ({...s, state: 'idle', settled: 'idle', urls: [], pods: [], events: [], history: []})),
    cycles: [],
    series: [],
    logs: [],
    rollbacks: [],
    notices: [],
    seq: 0,
    dropped: {cycles: 0, logs: 0, buildLines: 0},
  }
}

const STAGE_STATE: Partial<Record<string, ServiceStateName>> = {
  connect: 'building',
  tag: 'building',
  build: 'building',
  push: 'pushing',
  load: 'pushing',
  plan: 'syncing',
  copy: 'syncing',
  reload: 'syncing',
  deploy: 'deploying',
  rollout: 'deploying',
  rollback: 'deploying',
}

/** The next state. Returns `state` itself for an event that changes nothing (the server then sends nothing). */
export function reduce(state: PageState, event: DashboardInput): PageState {
  const next = apply(state, event)
  if (next === state) return state
  return 'at' in event && typeof event.at === 'number' && event.at > next.at ? {...next, at: event.at} : next
}

function apply(state: PageState, event: DashboardInput): PageState {
  switch (event.type) {
    case 'watching':
      return {...state, watching: {...state.watching, on: true, folders: event.folders, quietMs: event.quietMs}}
    case 'change':
      return state.watching.paused ? {...state, watching: {...state.watching, pending: state.watching.pending + 1}} : state
    case 'paused':
      return {...state, watching: {...state.watching, paused: true, pending: event.pending}}
    case 'resumed':
      return {...state, watching: {...state.watching, paused: false, pending: 0}}
    case 'stopped':
      return {...state, watching: {...state.watching, on: false, stopped: event.reason}}
    case 'cycle-started':
      return 'services' in event ? projectCycleStarted(state, event) : cycleStarted(state, event)
    case 'stage':
      return stage(state, event.cycle, event.event)
    case 'service':
      return serviceEvent(state, event)
    case 'build-cancelled':
      return {...state, services: mapService(state, event.service, s => ({...s, detail: `build cancelled: ${event.path} changed; it builds again next cycle`}))}
    case 'cycle-finished':
      if ('rows' in event) return projectCycleEnded(state, event)
      return cycleEnded(state, event.cycle, event.at, event.result.upToDate ? 'unchanged' : 'deployed', {
        revision: event.result.revision,
        tag: event.result.tag,
        service: s => ({
          ...s,
          state: 'running',
          settled: 'running',
          stage: undefined,
          detail: undefined,
          error: undefined,
          tag: event.result.tag,
          image: event.result.image,
          revision: event.result.revision,
          ...(event.result.commit ? {commit: event.result.commit} : {}),
          // New pods from the image: nothing synced into them yet.
          ...(event.result.upToDate ? {} : {synced: undefined}),
        }),
      })
    case 'cycle-synced':
      return cycleEnded(state, event.cycle, event.at, 'synced', {
        tag: event.result.tag,
        synced: {copied: event.result.copied, removed: event.result.removed},
        service: s => ({...s, state: 'running', settled: 'running', stage: undefined, detail: undefined, error: undefined, synced: event.result.sinceImage}),
      })
    case 'sync-fallback': {
      const why = `${event.error.message}; built and deployed instead`
      const cycles = updateCycle(state.cycles, event.cycle, c => ({...c, route: 'build', why}))
      return {...state, cycles, services: mapService(state, undefined, s => ({...s, state: 'building', stage: undefined, detail: 'the sync could not apply: building'}))}
    }
    case 'cycle-cancelled':
      return cycleEnded(state, event.cycle, event.at, 'cancelled', {reason: event.reason, service: s => ({...s, state: s.settled, stage: undefined, detail: undefined})})
    case 'cycle-failed': {
      const known = state.cycles.find(c => c.cycle === event.cycle && c.result === 'running')
      // A failure outside any cycle (the watcher itself): a notice.
      if (!known) return notice(state, {at: event.at, level: 'error', message: event.error.message, fix: event.error.fix})
      // A project's cycle failed as a whole (draft.toml cannot be read): its services failed, not the others.
      const inCycle = known.services ? new Set(Object.keys(known.services)) : undefined
      return cycleEnded(state, event.cycle, event.at, 'failed', {error: event.error, service: s => (inCycle && !inCycle.has(s.name) ? s : {...s, state: 'failed', settled: 'failed', stage: undefined, detail: undefined, error: event.error})})
    }
    case 'rollback-started':
      return {
        ...state,
        rollbacks: capped([...state.rollbacks, {at: event.at, ...('service' in event ? {service: event.service} : {}), ...(event.revision === undefined ? {} : {revision: event.revision}), state: 'running', stages: []}], LIMITS.rollbacks),
        services: mapService(state, serviceNamed(event), s => ({...s, state: 'deploying', stage: 'rollback', detail: `rolling back${event.revision === undefined ? '' : ` to revision ${event.revision}`}`})),
      }
    case 'rollback-stage':
      return rollbackStage(state, event.event, serviceNamed(event))
    case 'rollback-finished':
      return {
        ...state,
        rollbacks: lastRollback(state, r => ({...r, state: 'done', result: event.result})),
        services: mapService(state, serviceNamed(event), s => ({...s, state: 'running', settled: 'running', stage: undefined, detail: undefined, error: undefined, revision: event.result.revision, ...(event.result.tag ? {tag: event.result.tag} : {}), ...(event.result.commit ? {commit: event.result.commit} : {})})),
      }
    case 'rollback-failed':
      return {
        ...state,
        rollbacks: lastRollback(state, r => ({...r, state: 'failed', error: event.error})),
        services: mapService(state, serviceNamed(event), s => ({...s, state: s.settled, stage: undefined, detail: undefined})),
        notices: capped([...state.notices, {at: event.at, level: 'error' as const, message: `rollback${'service' in event ? ` of ${event.service}` : ''} failed: ${event.error.message}`, fix: event.error.fix}], LIMITS.notices),
      }
    case 'build-line':
      return buildLine(state, event)
    case 'pods':
      return {...state, services: mapService(state, event.service, s => ({...s, pods: event.pods}))}
    case 'pod-events':
      return {...state, services: mapService(state, event.service, s => ({...s, events: event.events.slice(-LIMITS.podEvents)}))}
    case 'history':
      return history(state, event)
    case 'notice':
      return notice(state, {at: event.at, level: event.level, message: event.message, ...(event.fix ? {fix: event.fix} : {})})
    case 'log-line':
      return logEntry(state, {at: event.at, kind: 'runtime', service: serviceOf(state, event), pod: event.pod, container: event.container, prefix: event.prefix, text: event.line, ...(event.time ? {time: event.time} : {})})
    case 'log-note':
      return logEntry(state, {at: event.at, kind: 'note', service: serviceOf(state, event), pod: event.pod, container: event.container, prefix: event.prefix, text: event.message})
    case 'forward-listening':
      return {...state, services: mapService(state, serviceNamed(event), s => (s.urls.includes(event.url) ? s : {...s, urls: [...s.urls, event.url]}))}
    case 'forward-waiting':
      return logEntry(state, {at: event.at, kind: 'note', service: serviceOf(state, event), pod: '', container: '', prefix: 'connect', text: `no Ready pod: ${event.message}`})
    case 'connection-lost':
      return {...state, connection: {lost: true, at: event.at, what: event.what, reason: event.reason}}
    case 'connection-restored': {
      const {connection: _gone, ...rest} = state
      return rest
    }
    case 'connect-failed':
      return notice(state, {at: event.at, level: 'warn', message: `cannot connect${'service' in event && event.service ? ` to ${event.service}` : ''}: ${event.error.message}`, fix: event.error.fix})
    default:
      return state
  }
}

function cycleStarted(state: PageState, event: Extract<LoopEvent, {type: 'cycle-started'}>, only?: ReadonlySet<string>): PageState {
  const cycle: CycleView = {
    cycle: event.cycle,
    at: event.at,
    route: event.route,
    changes: event.changes.slice(0, LIMITS.changesPerCycle),
    moreChanges: Math.max(0, event.changes.length - LIMITS.changesPerCycle),
    rebuild: Boolean(event.rebuild),
    ...(event.why ? {why: event.why} : {}),
    result: 'running',
    stages: {},
    build: {lines: [], dropped: 0},
  }
  let cycles = [...state.cycles, cycle]
  let dropped = state.dropped
  if (cycles.length > LIMITS.cycles) {
    dropped = {...dropped, cycles: dropped.cycles + cycles.length - LIMITS.cycles}
    cycles = cycles.slice(-LIMITS.cycles)
  }
  // Only the newest cycles keep their build log.
  const keepFrom = cycles.length - LIMITS.buildLogCycles
  cycles = cycles.map((c, i) => {
    if (i >= keepFrom || c.build.lines.length === 0) return c
    dropped = {...dropped, buildLines: dropped.buildLines + c.build.lines.length}
    return {...c, build: {...c.build, lines: [], dropped: c.build.dropped + c.build.lines.length}}
  })
  const first: ServiceStateName = event.route === 'deploy' ? 'deploying' : event.route === 'sync' ? 'syncing' : 'building'
  return {
    ...state,
    cycles,
    dropped,
    watching: {...state.watching, pending: 0},
    services: mapService(state, undefined, s => (only && !only.has(s.name) ? s : {...s, state: first, stage: undefined, detail: event.rebuild ? 'rebuild asked for' : undefined})),
  }
}

/** A project's cycle: only the services it runs start working; the others keep their state. */
function projectCycleStarted(state: PageState, event: Extract<ProjectLoopEvent, {type: 'cycle-started'}>): PageState {
  const routes = Object.values(event.services)
  const route: Route = routes.includes('build') ? 'build' : routes.includes('deploy') ? 'deploy' : 'none'
  const started = cycleStarted(state, {type: 'cycle-started', at: event.at, cycle: event.cycle, route, changes: event.changes, ...(event.rebuild ? {rebuild: true as const} : {})}, new Set(Object.keys(event.services)))
  const cycles = updateCycle(started.cycles, event.cycle, c => ({...c, services: event.services, results: {}}))
  return {
    ...started,
    cycles,
    // Each service's first state follows its own route.
    services: started.services.map(s => (event.services[s.name] === 'deploy' && s.state === 'building' ? {...s, state: 'deploying' as const} : s)),
  }
}

/** One service's event within a project's cycle. */
function serviceEvent(state: PageState, event: Extract<ProjectLoopEvent, {type: 'service'}>): PageState {
  const inner = event.event
  switch (inner.type) {
    case 'service-waiting':
      return {...state, services: mapService(state, inner.service, s => ({...s, detail: `waiting for ${inner.dependencies.join(', ')} to be ready`}))}
    case 'service-done':
      return serviceDone(state, event.cycle, inner.row)
    default:
      return stage(state, event.cycle, inner)
  }
}

/** A service's row of a project's cycle: its state, and its result in the cycle. */
function serviceDone(state: PageState, cycleNumber: number, row: ServiceRow): PageState {
  const cycles = updateCycle(state.cycles, cycleNumber, c => ({
    ...c,
    results: {...c.results, [row.service]: {state: row.state, ...(row.revision === undefined ? {} : {revision: row.revision}), ...(row.tag ? {tag: row.tag} : {}), ...(row.error ? {error: row.error} : {})}},
  }))
  const services = mapService(state, row.service, s => {
    const base = {...s, stage: undefined, detail: undefined}
    switch (row.state) {
      case 'deployed':
      case 'unchanged':
        return {...base, state: 'running' as const, settled: 'running' as const, error: undefined, ...(row.tag ? {tag: row.tag} : {}), ...(row.image ? {image: row.image} : {}), ...(row.revision === undefined ? {} : {revision: row.revision}), ...(row.result?.commit ? {commit: row.result.commit} : {})}
      case 'cancelled':
        return {...base, state: s.settled, detail: 'build cancelled by a newer change; it builds again next cycle'}
      default:
        // Failed, or blocked by a dependency that failed: its last good release keeps running.
        return {...base, state: 'failed' as const, settled: 'failed' as const, ...(row.error ? {error: row.error} : {})}
    }
  })
  return {...state, cycles, services}
}

/** A project's cycle ends with a row per service: failed when one failed, deployed when one deployed. */
function projectCycleEnded(state: PageState, event: Extract<ProjectLoopEvent, {type: 'cycle-finished'}>): PageState {
  let next = state
  // The rows also came one by one (service-done); they are applied again in case one was missed.
  for (const row of event.rows) next = serviceDone(next, event.cycle, row)
  const states = event.rows.map(r => r.state)
  const failed = event.rows.filter(r => r.state === 'failed' || r.state === 'blocked')
  const result: CycleResult = failed.length ? 'failed' : states.includes('deployed') ? 'deployed' : states.length > 0 && states.every(x => x === 'cancelled') ? 'cancelled' : 'unchanged'
  // The error shown for the cycle is the first failure's own (not a dependent's "blocked").
  const error = (failed.find(r => r.state === 'failed') ?? failed[0])?.error
  const steps = new Map(failed.filter(r => r.error?.step).map(r => [r.service, r.error!.step!]))
  return cycleEnded(next, event.cycle, event.at, result, {
    ...(error ? {error} : {}),
    ...(result === 'cancelled' ? {reason: 'newer changes arrived during the builds'} : {}),
    steps,
    service: s => s,
  })
}

function stage(state: PageState, cycleNumber: number, event: UpEvent): PageState {
  const service = serviceOf(state, event)
  const cycles = updateCycle(state.cycles, cycleNumber, c => {
    const bars = c.stages[service] ?? []
    const updated = applyStage(bars, event)
    return updated === bars ? c : {...c, stages: {...c.stages, [service]: updated}}
  })
  const services = mapService(state, service, s => serviceStage(s, event))
  return cycles === state.cycles && services === state.services ? state : {...state, cycles, services}
}

/** A stage event on the bars of one service (its `at` counts from the start of that service's run). */
function applyStage(bars: StageBar[], event: UpEvent): StageBar[] {
  const i = bars.findIndex(b => b.stage === event.stage)
  const put = (bar: StageBar): StageBar[] => (i < 0 ? [...bars, bar] : bars.map((b, j) => (j === i ? bar : b)))
  switch (event.type) {
    case 'stage-started':
      return put({stage: event.stage, state: 'running', at: event.at, ms: 0, message: event.message})
    case 'stage-progress':
      return i < 0 ? bars : put({...bars[i]!, message: event.message})
    case 'stage-finished':
      return put({stage: event.stage, state: 'done', at: i < 0 ? event.at - event.ms : bars[i]!.at, ms: event.ms, message: event.message, ...(event.phases ? {phases: event.phases} : {})})
    case 'stage-skipped':
      return put({stage: event.stage, state: 'skipped', at: event.at, ms: 0, message: event.message})
    case 'stage-failed':
      return put({stage: event.stage, state: 'failed', at: i < 0 ? event.at - event.ms : bars[i]!.at, ms: event.ms, message: event.error.message})
  }
}

function serviceStage(s: ServiceView, event: UpEvent): ServiceView {
  switch (event.type) {
    case 'stage-started':
      return {...s, state: STAGE_STATE[event.stage] ?? s.state, stage: event.stage, detail: event.message}
    case 'stage-progress':
      return {...s, detail: event.message}
    default:
      return s
  }
}

function cycleEnded(
  state: PageState,
  cycleNumber: number,
  at: number,
  result: CycleResult,
  extra: {revision?: number; tag?: string; reason?: string; error?: StageError; steps?: ReadonlyMap<string, string>; synced?: CycleView['synced']; service: (s: ServiceView) => ServiceView},
): PageState {
  let ended: CycleView | undefined
  const cycles = updateCycle(state.cycles, cycleNumber, c => {
    const build = extra.steps ? markFailures(c.build, extra.steps) : result === 'failed' && extra.error?.step ? markFailure(c.build, extra.error.step) : c.build
    ended = {
      ...c,
      result,
      endedAt: at,
      totalMs: at - c.at,
      build,
      // A stage still running when the cycle ended was stopped with it.
      stages: Object.fromEntries(Object.entries(c.stages).map(([k, bars]) => [k, bars.map(b => (b.state === 'running' ? {...b, state: 'failed' as const, ms: Math.max(0, at - c.at - b.at)} : b))])),
      ...(extra.revision === undefined ? {} : {revision: extra.revision}),
      ...(extra.tag ? {tag: extra.tag} : {}),
      ...(extra.reason ? {reason: extra.reason} : {}),
      ...(extra.error ? {error: extra.error} : {}),
      ...(extra.synced ? {synced: extra.synced} : {}),
    }
    return ended
  })
  const series = ended ? capped([...state.series, {cycle: cycleNumber, at: ended.at, ms: ended.totalMs ?? 0, result}], LIMITS.series) : state.series
  return {...state, cycles, series, services: mapService(state, undefined, extra.service)}
}

function rollbackStage(state: PageState, event: UpEvent, service: string | undefined): PageState {
  const last = state.rollbacks.at(-1)
  if (!last || last.state !== 'running') return state
  return {
    ...state,
    rollbacks: lastRollback(state, r => ({...r, stages: applyStage(r.stages, event)})),
    services: mapService(state, service, s => serviceStage(s, event)),
  }
}

function lastRollback(state: PageState, change: (r: RollbackView) => RollbackView): RollbackView[] {
  return state.rollbacks.map((r, i) => (i === state.rollbacks.length - 1 ? change(r) : r))
}

function buildLine(state: PageState, event: Extract<PageEvent, {type: 'build-line'}>): PageState {
  let dropped = state.dropped
  const cycles = updateCycle(state.cycles, event.cycle, c => {
    let lines = [...c.build.lines, {seq: state.seq, at: event.at, text: event.line, ...(event.service ? {service: event.service} : {})}]
    let gone = c.build.dropped
    if (lines.length > LIMITS.buildLogLines) {
      gone += lines.length - LIMITS.buildLogLines
      dropped = {...dropped, buildLines: dropped.buildLines + lines.length - LIMITS.buildLogLines}
      lines = lines.slice(-LIMITS.buildLogLines)
    }
    return {...c, build: {...c.build, lines, dropped: gone}}
  })
  return cycles === state.cycles ? state : {...state, cycles, seq: state.seq + 1, dropped}
}

function history(state: PageState, event: Extract<PageEvent, {type: 'history'}>): PageState {
  const revisions = event.revisions.slice(-LIMITS.revisions)
  const live = revisions.find(r => r.live)
  return {
    ...state,
    services: mapService(state, event.service, s => ({
      ...s,
      history: revisions,
      // helm's live revision is what runs, whoever deployed it (a rollback, another terminal).
      ...(live ? {revision: live.revision, ...(live.tag ? {tag: live.tag} : {}), ...(live.commit ? {commit: live.commit} : {})} : {}),
      ...(live && s.state === 'idle' ? {state: 'running' as const, settled: 'running' as const} : {}),
      ...(event.urls && event.urls.length > 0 ? {urls: [...new Set([...s.urls, ...event.urls])]} : {}),
    })),
  }
}

function logEntry(state: PageState, entry: Omit<LogEntry, 'seq'>): PageState {
  let logs = [...state.logs, {...entry, seq: state.seq}]
  let dropped = state.dropped
  if (logs.length > LIMITS.runtimeLines) {
    dropped = {...dropped, logs: dropped.logs + logs.length - LIMITS.runtimeLines}
    logs = logs.slice(-LIMITS.runtimeLines)
  }
  return {...state, logs, seq: state.seq + 1, dropped}
}

function notice(state: PageState, n: Notice): PageState {
  return {...state, notices: capped([...state.notices, n], LIMITS.notices)}
}

/**
 * The lines of a build log that belong to the step it failed at: BuildKit's lines of that step
 * (`<step>: ...`), the classic builder's lines after `Step N/M : <step>`, and the engine's ERROR lines.
 */
export function failingLines(lines: readonly string[], step: string): number[] {
  const marked: number[] = []
  let inClassicStep = false
  lines.forEach((line, i) => {
    const classic = /^Step \d+\/\d+ : (.*)$/.exec(line)
    if (classic) inClassicStep = classic[1] === step
    if (line.startsWith(`${step}: `) || line === `DONE ${step}` || inClassicStep || line.startsWith('ERROR ')) marked.push(i)
  })
  return marked
}

function markFailure(build: BuildLog, step: string): BuildLog {
  const marked = failingLines(build.lines.map(l => l.text), step)
  return {...build, failedStep: step, failedLines: marked.slice(-200).map(i => build.lines[i]!.seq)}
}

/** Several services' builds failed in one cycle: each one's step is looked for in its own lines. */
function markFailures(build: BuildLog, steps: ReadonlyMap<string, string>): BuildLog {
  if (steps.size === 0) return build
  const failedLines: number[] = []
  for (const [service, step] of steps) {
    const own = build.lines.filter(l => l.service === service)
    failedLines.push(...failingLines(own.map(l => l.text), step).slice(-200).map(i => own[i]!.seq))
  }
  const [first] = steps
  return {...build, failedStep: steps.size === 1 ? first![1] : [...steps].map(([service, step]) => `${service}: ${step}`).join('; '), failedLines: failedLines.sort((a, b) => a - b)}
}

function updateCycle(cycles: CycleView[], number: number, change: (c: CycleView) => CycleView): CycleView[] {
  // The cycle is nearly always the newest: look from the end.
  for (let i = cycles.length - 1; i >= 0; i--) {
    if (cycles[i]!.cycle !== number) continue
    const updated = change(cycles[i]!)
    if (updated === cycles[i]) return cycles
    const copy = cycles.slice()
    copy[i] = updated
    return copy
  }
  return cycles
}

/** Events of one service carry its name (several services); a lone app's events are about its one service. */
function serviceOf(state: PageState, event: object): string {
  const named = (event as {service?: unknown}).service
  return typeof named === 'string' ? named : (state.services[0]?.name ?? '')
}

/** The service an event names, if it names one (undefined: every service, i.e. a lone app's one). */
function serviceNamed(event: object): string | undefined {
  const named = (event as {service?: unknown}).service
  return typeof named === 'string' ? named : undefined
}

function mapService(state: PageState, name: string | undefined, change: (s: ServiceView) => ServiceView): ServiceView[] {
  let changed = false
  const services = state.services.map(s => {
    if (name !== undefined && s.name !== name) return s
    const updated = change(s)
    if (updated !== s) changed = true
    return updated
  })
  return changed ? services : state.services
}

function capped<T>(list: T[], limit: number): T[] {
  return list.length > limit ? list.slice(-limit) : list
}
