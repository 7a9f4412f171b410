import {basename} from 'node:path'

import type {DeployConfig} from '../config/draft-toml.js'
import type {ProjectConfig} from '../config/project-toml.js'
import type {ConnectEvent} from '../core/events.js'
import type {ProjectLoop, ProjectLoopEvent} from '../loop/project-loop.js'
import type {LoopEvent, WatchLoop} from '../loop/watch-loop.js'
import {draftStateDir} from '../util/draft-dir.js'
import type {Dashboard, DashboardActions, StartDashboard} from './dashboard.js'
import {DashboardFeed, type FeedDependencies} from './feed.js'
import {type PageState, initialState} from './state.js'

export interface DashboardSession {
  readonly url: string
  /** Every event of the loop (and of its connect session). */
  event(event: LoopEvent | ConnectEvent): void
  buildLine(cycle: number, line: string): void
  close(): Promise<void>
}

/** The dashboard of a project's loop: one page, a feed per service. */
export interface ProjectDashboardSession {
  readonly url: string
  /** Every event of the project's loop (each service's events inside). */
  event(event: ProjectLoopEvent): void
  buildLine(cycle: number, service: string, line: string): void
  close(): Promise<void>
}

interface SessionInput {
  mode: 'watch' | 'dashboard'
  start: StartDashboard
  feed: FeedDependencies
  origin: number
  context: string
}

/**
 * The dashboard of one app's loop: the server, fed with the loop's events and with what the feed
 * reads (pods, logs, history), its buttons wired to the loop (which runs one thing at a time).
 */
export async function startDashboardSession(
  input: SessionInput & {
    config: DeployConfig
    loop: Pick<WatchLoop, 'rebuild' | 'pause' | 'resume' | 'rollback'>
    /** Whether the loop's own connect session follows the logs already. */
    followLogs: boolean
  },
): Promise<DashboardSession> {
  const {config, loop} = input
  const opened = await open(input, {
    app: {name: basename(config.appDir), root: config.appDir, env: config.env, context: input.context},
    services: [{name: config.release, config}],
    actions: {
      rebuild: () => loop.rebuild(),
      ...(input.mode === 'watch' ? {pause: () => loop.pause(), resume: () => loop.resume()} : {}),
      rollback: revision => loop.rollback(revision),
    },
    snapshotRoot: config.appDir,
    followLogs: input.followLogs,
  })
  const feed = opened.feeds[0]!
  return {
    url: opened.dashboard.url,
    event(event) {
      opened.dashboard.publish(event)
      feed.event(event)
    },
    buildLine(cycle, line) {
      opened.dashboard.publish({type: 'build-line', at: opened.at(), cycle, line})
    },
    close: opened.close,
  }
}

/**
 * The dashboard of a project's loop: a row per service, each service's pods, logs and history read by
 * its own feed (per release, as `draft logs` and `draft history` at the root do), and the buttons wired
 * to the project's loop: Rebuild now of every service or one, pause, and a rollback of one service.
 */
export async function startProjectDashboardSession(
  input: SessionInput & {
    project: ProjectConfig
    loop: Pick<ProjectLoop, 'rebuild' | 'pause' | 'resume' | 'rollback'>
  },
): Promise<ProjectDashboardSession> {
  const {project, loop} = input
  const opened = await open(input, {
    app: {name: basename(project.root), root: project.root, env: project.env, context: input.context},
    services: project.services.map(s => ({name: s.name, config: s.config})),
    actions: {
      rebuild: service => loop.rebuild(service),
      ...(input.mode === 'watch' ? {pause: () => loop.pause(), resume: () => loop.resume()} : {}),
      rollback: (revision, service) => loop.rollback(service ?? project.services[0]!.name, revision),
    },
    snapshotRoot: project.root,
    followLogs: true,
  })
  const feeds = new Map(project.services.map((s, i) => [s.name, opened.feeds[i]!]))
  let inCycle = new Set<string>()
  return {
    url: opened.dashboard.url,
    event(event) {
      opened.dashboard.publish(event)
      // While a cycle or a rollback runs, no feed asks helm or the API anything; afterwards each
      // feed reads what changed for its own service.
      switch (event.type) {
        case 'cycle-started':
          inCycle = new Set(Object.keys(event.services))
          for (const feed of feeds.values()) feed.started()
          return
        case 'cycle-finished': {
          const rows = new Map(event.rows.map(r => [r.service, r.state]))
          for (const [name, feed] of feeds) {
            const state = rows.get(name)
            feed.ended(state === 'deployed' || state === 'unchanged' ? 'deployed' : state === 'cancelled' ? 'cancelled' : state ? 'changed' : 'untouched')
          }
          // The feed that hides the registry's credentials reads them again after any deploy, as a lone app's does.
          const first = project.services[0]!.name
          const deployed = (name: string) => rows.get(name) === 'deployed' || rows.get(name) === 'unchanged'
          if (!deployed(first) && event.rows.some(r => deployed(r.service))) feeds.get(first)!.readCredentials()
          return
        }
        case 'cycle-failed':
          for (const [name, feed] of feeds) feed.ended(inCycle.has(name) ? 'changed' : 'untouched')
          return
        case 'rollback-started':
          for (const feed of feeds.values()) feed.started()
          return
        case 'rollback-finished':
        case 'rollback-failed':
          for (const [name, feed] of feeds) feed.ended(name === event.service ? 'changed' : 'untouched')
          return
        default:
      }
    },
    buildLine(cycle, service, line) {
      opened.dashboard.publish({type: 'build-line', at: opened.at(), cycle, service, line})
    },
    close: opened.close,
  }
}

/** The server and a feed per service; the feeds' reads start while the first cycle runs. */
async function open(
  input: SessionInput,
  what: {app: PageState['app']; services: {name: string; config: DeployConfig}[]; actions: DashboardActions; snapshotRoot: string; followLogs: boolean},
) {
  const dashboard: Dashboard = await input.start({
    state: initialState({
      mode: input.mode,
      app: what.app,
      startedAt: Date.now() - Math.round(performance.now() - input.origin),
      watching: input.mode === 'watch',
      services: what.services.map(s => ({name: s.name, release: s.config.release, namespace: s.config.namespace})),
    }),
    actions: what.actions,
    snapshotDir: () => draftStateDir(what.snapshotRoot, 'snapshots'),
  })
  const feeds = what.services.map(
    (s, i) =>
      new DashboardFeed(s.config, input.feed, {
        service: s.name,
        named: what.services.length > 1,
        // One registry for every service of a project (`registry` is the environment's): its credentials are looked up once.
        credentials: i === 0,
        publish: event => dashboard.publish(event),
        hide: values => dashboard.hide(values),
        followLogs: what.followLogs,
        origin: input.origin,
      }),
  )
  try {
    // The registry's credentials are hidden before the first event is shown.
    await Promise.all(feeds.map(f => f.prepare()))
  } catch (error) {
    await dashboard.close()
    throw error
  }
  // The history, the Secrets and the pods are read while the first cycle runs: its log lines wait for the Secrets.
  const started = Promise.all(feeds.map(f => f.start()))
  return {
    dashboard,
    feeds,
    at: () => Math.round(performance.now() - input.origin),
    async close() {
      await started
      await Promise.all(feeds.map(f => f.close()))
      await dashboard.close()
    },
  }
}
