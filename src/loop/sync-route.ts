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
   * Why nothing can be synced now even in sync mode: nothing runs in sync mode yet, or the last cycle
   * failed and the pods may not hold what the tree had before this burst. Undefined when they do.
   */
  blocked?: string
}

export function decideCycle(input: SyncDecisionInput): CycleDecision {
  const route = input.changes.reduce<Route>((r, c) => combine(r, c.route), 'none')
  const sync = input.sync
  if (!sync || sync.reload === 'rebuild' || route === 'none') return {route}
  if (input.blocked) return {route: 'build', why: input.blocked}
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

export type SyncMode = {on: true; rules: SyncRules; message: string} | {on: false; message?: string}

/**
 * Whether `draft up --watch` runs in sync mode, and the line that says so when it starts. Sync mode
 * needs to be asked for (`sync = true`, `--sync`), rules that sync (draft.toml's [sync]) and a chart
 * that knows the development values (a `sync:` key in its values.yaml). Pure.
 */
export function syncMode(input: {requested: boolean; rules?: SyncRules; chart: string; chartValues: string | undefined; canSync?: boolean}): SyncMode {
  const rules = input.rules
  if (!input.requested) {
    if (rules?.reload === 'rebuild') return {on: false, message: `every change rebuilds the image: ${rules.why}`}
    if (rules) return {on: false, message: 'live update is off: `draft up --watch --sync` (or sync = true in draft.toml) copies saved files into the running container instead of rebuilding'}
    return {on: false}
  }
  if (!rules) return {on: false, message: 'live update is off: draft.toml has no [sync] table (docs/draft-toml.md says how to add one); every change rebuilds the image'}
  if (rules.reload === 'rebuild') return {on: false, message: `live update is off: ${rules.why}; every change rebuilds the image`}
  if (input.chartValues === undefined || !/^sync:/m.test(input.chartValues)) {
    return {on: false, message: `live update is off: the chart ${input.chart} has no sync values (it predates sync mode; docs/draft-toml.md, [sync]); every change rebuilds the image`}
  }
  if (input.canSync === false) return {on: false, message: 'live update is off: this session cannot exec into pods; every change rebuilds the image'}
  const targets = [...new Set(rules.paths.map(p => p.to))].join(', ')
  const how = rules.reload === 'restart' ? 'then draft restarts the app' : rules.reload === 'self' ? 'the app reloads them by itself' : 'nothing to restart'
  const rebuilds = rules.rebuild.length ? `; ${rules.rebuild.slice(0, 4).join(', ')}${rules.rebuild.length > 4 ? ' and the like' : ''} rebuild` : ''
  return {on: true, rules, message: `live update is on: saved files go into ${targets} in the running container, ${how}${rebuilds}`}
}
