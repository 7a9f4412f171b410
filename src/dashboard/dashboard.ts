import type {DashboardInput, PageState} from './state.js'

/**
 * The dashboard as the rest of draft sees it: events in, a page out. `HttpDashboard` serves it on
 * 127.0.0.1 (node:http, server-sent events, the static page in web/dashboard); `FakeDashboard` keeps
 * what it was given, for unit tests of what feeds it.
 */
export interface Dashboard {
  /** The URL to print: the address with the session's token in its fragment. */
  readonly url: string
  readonly port: number
  /** An event of the session: cleaned of secrets, reduced into the state, sent to every open page. */
  publish(event: DashboardInput): void
  /** Values that must never reach the page (registry credentials, Secret-sourced env values). */
  hide(values: Iterable<string>): void
  state(): PageState
  close(): Promise<void>
}

/** What the page's buttons do. Without them (a snapshot) the page is read-only. */
export interface DashboardActions {
  /** A full cycle now, even with nothing changed: of `service`, or of every service when none is named. */
  rebuild(service?: string): void
  /** Undefined when nothing is watched (`draft dashboard`). */
  pause?(): void
  resume?(): void
  /**
   * Back to `revision`, or to the one live before. Its progress and outcome come as events. Several
   * services: of the one named (the server asks for a name then).
   */
  rollback(revision?: number, service?: string): Promise<unknown>
}

export interface DashboardOptions {
  state: PageState
  actions?: DashboardActions
  /** The folder Save snapshot writes to (made when first asked); none: no snapshots (a snapshot served read-only). */
  snapshotDir?: () => string
  /** The first port to try; the next ones are tried when it is taken (a second dashboard). */
  port?: number
}

export type StartDashboard = (options: DashboardOptions) => Promise<Dashboard>

/** The snapshot file: the page state of a session, for a bug report. */
export interface Snapshot {
  kind: 'draft-dashboard-snapshot'
  version: 1
  savedAt: string
  state: PageState
}
