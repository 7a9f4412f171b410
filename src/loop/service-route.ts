import {type Route, type WatchLayout, routeChange, unwatched} from './route.js'

/**
 * Which services a saved change concerns, for `draft up --watch` at a project root: every service
 * whose build context (after its .dockerignore) holds the file is rebuilt, every one whose deploy
 * inputs (its chart, values, the project's draft.toml) it is is redeployed, and no other. A shared
 * folder in the contexts of two services goes to both of them. Pure: the single-app decision
 * (route.ts) applied to each service's layout, all relative to the project root.
 */
export interface ServiceLayout extends WatchLayout {
  service: string
}

/** The services a change goes to, each with what it needs; services it means nothing to are absent. */
export function routeToServices(path: string, layouts: readonly ServiceLayout[]): Map<string, Route> {
  const out = new Map<string, Route>()
  for (const layout of layouts) {
    const route = routeChange(path, layout)
    if (route !== 'none') out.set(layout.service, route)
  }
  return out
}

/** A path no service needs to see is not watched at all (nor, for a folder, anything below it). */
export function unwatchedByAll(path: string, isDirectory: boolean, layouts: readonly ServiceLayout[]): boolean {
  return layouts.every(layout => unwatched(path, isDirectory, layout))
}

/** Two sets of pending work merged: a build wins over a deploy for the same service. */
export function mergeRoutes(into: Map<string, Route>, more: ReadonlyMap<string, Route>): void {
  for (const [service, route] of more) {
    const before = into.get(service)
    into.set(service, before === 'build' || route === 'build' ? 'build' : 'deploy')
  }
}
