import {type SyncRules, containerPath, rebuildRule} from '../sync/rules.js'
import {type Route, type WatchLayout, combine} from './route.js'

/**
 * Sync, rebuild or redeploy: what a burst of changes needs when live update is on, decided from the
 * paths and the rules alone. Pure. A change is synced only when every change of the burst can be:
 * one change that needs the image rebuilt (a manifest, a lockfile, the Dockerfile, a file outside the
 * synced folders) rebuilds the whole burst, so nothing is ever half delivered.
 */
export interface SyncedFile {
  /** Relative to the app folder. */
  path: string
  /** Where it goes in the container. */
  target: string
}

export type CycleDecision =
  | {route: 'sync'; files: SyncedFile[]}
  /** The deploy pipeline; `why` says why the changes were not synced when sync mode is on. */
  | {route: Route; why?: string}

export interface SyncDecisionInput {
  /** Every change not yet delivered to the cluster, with what routeChange made of it. */
  changes: readonly {path: string; route: Route}[]
  layout: WatchLayout
  /** The rules when sync mode is on; undefined when it is off. */
  sync?: SyncRules
  /**
   * The pods run what this session deployed in sync mode (the last cycle delivered everything before
   * it): there is something to sync onto. False before the first deploy and after a failed cycle.
   */
  deployed: boolean
}

export function decideCycle(input: SyncDecisionInput): CycleDecision {
  const route = input.changes.reduce<Route>((r, c) => combine(r, c.route), 'none')
  const sync = input.sync
  if (!sync || sync.reload === 'rebuild' || route === 'none') return {route}
  if (!input.deployed) return {route: 'build', why: 'nothing runs in sync mode yet'}
  const files: SyncedFile[] = []
  for (const change of [...input.changes].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    if (change.route === 'none') continue
    const why = whyRebuild(change.path, change.route, input.layout, sync)
    if (why) return {route, why}
    files.push({path: change.path, target: containerPath(sync, contextPath(change.path, input.layout))!})
  }
  return {route: 'sync', files}
}

/** Whether one change could be synced (it decides the quiet period: a sync is worth starting sooner). */
export function syncable(path: string, route: Route, layout: WatchLayout, sync: SyncRules | undefined): boolean {
  return sync !== undefined && sync.reload !== 'rebuild' && route === 'build' && whyRebuild(path, route, layout, sync) === undefined
}

function whyRebuild(path: string, route: Route, layout: WatchLayout, sync: SyncRules): string | undefined {
  if (route === 'deploy') return `${path} is a deploy setting: deploying again`
  if (path === layout.dockerfile || path === layout.ignoreFile) return `${path} changed: the image is rebuilt`
  const inContext = contextPath(path, layout)
  const rule = rebuildRule(sync, inContext)
  if (rule) return `${path} needs a new image (rebuild rule "${rule}")`
  if (containerPath(sync, inContext) === undefined) return `${path} is outside the synced folders`
  return undefined
}

const contextPath = (path: string, layout: WatchLayout): string => (layout.context === '' ? path : path.slice(layout.context.length + 1))
