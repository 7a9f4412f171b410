import {basename} from 'node:path'

import type {DeployConfig} from '../config/draft-toml.js'
import type {ConnectEvent} from '../core/events.js'
import type {LoopEvent, WatchLoop} from '../loop/watch-loop.js'
import {draftStateDir} from '../util/draft-dir.js'
import type {Dashboard, StartDashboard} from './dashboard.js'
import {DashboardFeed, type FeedDependencies} from './feed.js'
import {initialState} from './state.js'

export interface DashboardSession {
  readonly url: string
  /** Every event of the loop (and of its connect session). */
  event(event: LoopEvent | ConnectEvent): void
  buildLine(cycle: number, line: string): void
  close(): Promise<void>
}

/**
 * The dashboard of one app's loop: the server, fed with the loop's events and with what the feed
 * reads (pods, logs, history), its buttons wired to the loop (which runs one thing at a time).
 */
export async function startDashboardSession(input: {
  config: DeployConfig
  loop: Pick<WatchLoop, 'rebuild' | 'pause' | 'resume' | 'rollback'>
  mode: 'watch' | 'dashboard'
  start: StartDashboard
  feed: FeedDependencies
  /** Whether the loop's own connect session follows the logs already. */
  followLogs: boolean
  origin: number
  context: string
}): Promise<DashboardSession> {
  const {config, loop} = input
  const service = config.release
  const dashboard: Dashboard = await input.start({
    state: initialState({
      mode: input.mode,
      app: {name: basename(config.appDir), root: config.appDir, env: config.env, context: input.context},
      startedAt: Date.now() - Math.round(performance.now() - input.origin),
      watching: input.mode === 'watch',
      services: [{name: service, release: config.release, namespace: config.namespace}],
    }),
    actions: {
      rebuild: () => loop.rebuild(),
      ...(input.mode === 'watch' ? {pause: () => loop.pause(), resume: () => loop.resume()} : {}),
      rollback: revision => loop.rollback(revision),
    },
    snapshotDir: () => draftStateDir(config.appDir, 'snapshots'),
  })
  const feed = new DashboardFeed(config, input.feed, {
    service,
    publish: event => dashboard.publish(event),
    hide: values => dashboard.hide(values),
    followLogs: input.followLogs,
    origin: input.origin,
  })
  try {
    await feed.prepare()
  } catch (error) {
    await dashboard.close()
    throw error
  }
  // The history, the Secrets and the pods are read while the first cycle runs: its log lines wait for the Secrets.
  const started = feed.start()
  return {
    url: dashboard.url,
    event(event) {
      dashboard.publish(event)
      feed.event(event)
    },
    buildLine(cycle, line) {
      dashboard.publish({type: 'build-line', at: Math.round(performance.now() - input.origin), cycle, line})
    },
    async close() {
      await started
      await feed.close()
      await dashboard.close()
    },
  }
}
