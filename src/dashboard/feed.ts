import type {DeployConfig} from '../config/draft-toml.js'
import {ConnectSession} from '../connect/connect-session.js'
import type {ReleaseView} from '../connect/release-watch.js'
import {isDraftError} from '../core/errors.js'
import type {ConnectEvent} from '../core/events.js'
import type {Kube} from '../kube/kube.js'
import {instanceSelector} from '../kube/labels.js'
import type {LoopEvent} from '../loop/watch-loop.js'
import type {PodStreams} from '../pod-streams/pod-streams.js'
import type {CredentialStore} from '../registry/credentials.js'
import type {HistoryReport} from '../release/release-ops.js'
import {podRow} from '../release/status.js'
import type {DashboardInput, EventRow, PodView, RevisionRow} from './state.js'

/** Lines of each running container shown when the page's log follow starts. */
export const DASHBOARD_TAIL = 50
/** Events of pods that are not ready are asked at most this often. */
const EVENTS_EVERY_MS = 2000

export interface FeedDependencies {
  kube: Kube
  streams: PodStreams
  credentials: CredentialStore
  /** `draft history` of the release. */
  history: (config: DeployConfig) => Promise<HistoryReport>
  /** The URLs of `draft connect` sessions on the release (another terminal). */
  connections?: {urls(target: {release: string; namespace: string; context: string}): Promise<string[]>}
  now?: () => number
}

export interface FeedOptions {
  service: string
  /** Several services: the notices say which one they are about. */
  named?: boolean
  /** Hide the registry's credentials (default true); the services of a project share one registry, so one feed does it. */
  credentials?: boolean
  publish: (event: DashboardInput) => void
  hide: (values: Iterable<string>) => void
  /** Follow the pods' logs; false when a connect session of the loop already does (its lines come as events). */
  followLogs: boolean
  /** Where `at` counts from (the loop's start). */
  origin?: number
}

/**
 * What the page shows besides the loop's own events, for one service: its pods (through the same pod
 * watch and log follower as `draft logs -f`), the events of pods that are not ready, the release's
 * history after each deploy and rollback, and the secrets to keep off the page (registry credentials,
 * Secret-sourced env values, read again whenever new pods appear; their log lines wait until then).
 */
export class DashboardFeed {
  private readonly now: () => number
  private readonly origin: number
  private readonly stopped = new AbortController()
  private session?: Promise<void>
  private sessionStarted = false
  private secretsRead?: Promise<void>
  private readonly checkedHashes = new Set<string>()
  private held: ConnectEvent[] = []
  private eventsAsked?: Promise<void>
  private eventsAgain = false
  private lastEventsAt = 0
  private hadEvents = false
  /** A cycle or a rollback runs. */
  private busy = false
  private historyStale = false
  /** Pods that are not ready, as last seen. */
  private troubled: string[] = []
  private historyAsked?: Promise<void>
  private historyAgain = false
  private warned = new Set<string>()

  constructor(
    private config: DeployConfig,
    private readonly deps: FeedDependencies,
    private readonly options: FeedOptions,
  ) {
    this.now = deps.now ?? (() => performance.now())
    this.origin = options.origin ?? this.now()
  }

  private readonly at = (): number => Math.round(this.now() - this.origin)

  /** Reads what there is to hide, the history, and follows the pods when something is deployed. */
  async start(): Promise<void> {
    await this.prepare()
    await Promise.all([this.readSecrets(), this.refreshHistory(), this.follow()])
  }

  /** What must be known before the first event is shown: the registry's credentials. */
  async prepare(): Promise<void> {
    await this.hideCredentials()
  }

  /**
   * The loop's events, for what they make stale. What the feed asks of helm and the API waits while a
   * cycle runs (its rollout wait asks the same API, and helm takes a core): the history is read once
   * the loop is idle, and the events of pods that are not ready too (a failing rollout reports its own).
   */
  event(event: LoopEvent | ConnectEvent): void {
    if (event.type === 'cycle-started' || event.type === 'rollback-started') this.started()
    if (event.type === 'cycle-finished') this.ended('deployed')
    if (event.type === 'cycle-failed' || event.type === 'rollback-finished' || event.type === 'rollback-failed') this.ended('changed')
    if (event.type === 'cycle-cancelled') this.ended('cancelled')
    // A sync makes no revision: nothing to read again.
    if (event.type === 'cycle-synced') this.ended('untouched')
  }

  /** A cycle or a rollback started (of a project: any service's): the feed asks helm and the API nothing meanwhile. */
  started(): void {
    this.busy = true
  }

  /**
   * It ended: `deployed` (this service's release runs now: follow its pods, read its history),
   * `changed` (a failure or a rollback: read its history), `cancelled` or `untouched` (nothing of it changed).
   */
  ended(outcome: 'deployed' | 'changed' | 'cancelled' | 'untouched'): void {
    if (outcome === 'deployed') {
      void this.hideCredentials()
      this.follow()
    }
    this.busy = false
    if (outcome === 'deployed' || outcome === 'changed') this.historyStale = true
    this.idle()
  }

  /** A deploy of any service may have logged in again: the registry's credentials are read again (when this feed hides them). */
  readCredentials(): void {
    void this.hideCredentials()
  }

  /** Whatever waited for the loop to be idle. */
  private idle(): void {
    if (this.busy || this.stopped.signal.aborted) return
    if (this.historyStale) {
      this.historyStale = false
      void this.refreshHistory()
    }
    if (this.troubled.length > 0) void this.podEvents()
  }

  /** draft.toml was read again by the loop: the next reads use it. */
  configure(config: DeployConfig): void {
    this.config = config
  }

  async close(): Promise<void> {
    this.stopped.abort()
    await this.session
    await this.historyAsked
    await this.eventsAsked
  }

  /** Starts the pod watch (and log follow) once the release exists; after a failure, the next good cycle tries again. */
  private follow(): void {
    if (this.sessionStarted || this.stopped.signal.aborted) return
    this.sessionStarted = true
    const session = new ConnectSession(
      {release: this.config.release, namespace: this.config.namespace},
      {
        forward: false,
        logs: this.options.followLogs ? {initial: {tailLines: DASHBOARD_TAIL}} : false,
        emit: event => this.connectEvent(event),
        onView: view => this.view(view),
      },
      {kube: this.deps.kube, streams: this.deps.streams, origin: this.origin, now: this.now},
    )
    this.session = (async () => {
      try {
        await session.start()
        await session.run(this.stopped.signal)
      } catch (error) {
        this.sessionStarted = false
        if (!isDraftError(error) || error.code !== 'NOTHING_DEPLOYED') this.warn('pods', `cannot follow the pods: ${isDraftError(error) ? error.message : String(error)}`, isDraftError(error) ? error.fix : undefined)
      }
    })()
  }

  private connectEvent(event: ConnectEvent): void {
    if (event.type === 'connect-stopped') return
    // A line of a pod whose Secrets are being read waits for them.
    if (this.secretsRead && (event.type === 'log-line' || event.type === 'log-note')) {
      this.held.push(event)
      return
    }
    this.options.publish({...event, service: this.options.service})
  }

  private view(view: ReleaseView): void {
    const newest = view.newest
    const pods: PodView[] = view.pods
      .slice()
      .sort((a, b) => (a.created ?? '').localeCompare(b.created ?? '') || a.name.localeCompare(b.name))
      .map(pod => ({...podRow(pod), newest: newest.size === 0 || newest.has(pod.templateHash), ...(pod.created ? {created: pod.created} : {})}))
    this.options.publish({type: 'pods', at: this.at(), service: this.options.service, pods})
    // New pods may take their env from Secrets the chart names now: read them before their lines show.
    if (view.pods.some(p => p.templateHash && !this.checkedHashes.has(p.templateHash))) void this.readSecrets(view.pods.map(p => p.templateHash))
    this.troubled = view.pods.filter(p => !p.terminating && (p.phase !== 'Running' || p.containers.some(c => !c.ready))).map(p => p.name)
    if (this.troubled.length === 0) this.clearEvents()
    else if (!this.busy) void this.podEvents()
  }

  private clearEvents(): void {
    if (!this.hadEvents) return
    this.hadEvents = false
    this.options.publish({type: 'pod-events', at: this.at(), service: this.options.service, events: []})
  }

  /** The warnings about pods that are not ready: one request at a time, at most every EVENTS_EVERY_MS. */
  private podEvents(): Promise<void> {
    if (this.eventsAsked) {
      this.eventsAgain = true
      return this.eventsAsked
    }
    this.eventsAsked = (async () => {
      do {
        this.eventsAgain = false
        const wait = this.lastEventsAt + EVENTS_EVERY_MS - this.now()
        if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait).unref())
        if (this.stopped.signal.aborted) return
        this.lastEventsAt = this.now()
        if (this.troubled.length === 0 || this.busy) continue
        const events = await this.deps.kube.events(this.config.namespace, this.troubled).catch(() => undefined)
        if (!events) continue
        // The pods may have become ready while the events were asked.
        if (this.troubled.length === 0) {
          this.clearEvents()
          continue
        }
        const rows: EventRow[] = events.filter(e => e.type === 'Warning').map(e => ({object: e.object, type: e.type, reason: e.reason, message: e.message, count: e.count}))
        this.hadEvents = rows.length > 0
        this.options.publish({type: 'pod-events', at: this.at(), service: this.options.service, events: rows})
      } while (this.eventsAgain)
    })().finally(() => (this.eventsAsked = undefined))
    return this.eventsAsked
  }

  private async hideCredentials(): Promise<void> {
    if (!this.config.registry || this.options.credentials === false) return
    const host = this.config.registry.split('/')[0]!
    const found = await this.deps.credentials.forRegistry(host).catch(() => undefined)
    const c = found?.credentials
    if (!c) return
    if (c.kind === 'basic') this.options.hide([c.password, `${c.username}:${c.password}`])
    else this.options.hide([c.identityToken])
  }

  /** Secret-sourced env values of the release's Deployments; log lines wait while they are read. */
  private readSecrets(hashes: string[] = []): Promise<void> {
    if (this.secretsRead) {
      for (const h of hashes) this.checkedHashes.add(h)
      return this.secretsRead
    }
    const reading = (async () => {
      try {
        const found = await this.deps.kube.secretEnvValues(this.config.namespace, instanceSelector(this.config.release))
        this.options.hide(found.values)
        for (const name of found.unreadable) {
          this.warn(`secret ${name}`, `cannot read Secret ${name}: values the app takes from it cannot be hidden if its log prints them`)
        }
        for (const h of hashes) this.checkedHashes.add(h)
      } catch {
        // Nothing deployed yet, or the API is away: asked again with the next pods.
      }
    })()
    this.secretsRead = reading
    return reading.finally(() => {
      this.secretsRead = undefined
      const held = this.held
      this.held = []
      for (const event of held) this.options.publish({...event, service: this.options.service})
    })
  }

  private refreshHistory(): Promise<void> {
    if (this.historyAsked) {
      this.historyAgain = true
      return this.historyAsked
    }
    this.historyAsked = (async () => {
      do {
        this.historyAgain = false
        try {
          const report = await this.deps.history(this.config)
          const urls = await this.deps.connections?.urls({release: this.config.release, namespace: this.config.namespace, context: report.context}).catch(() => [])
          const revisions: RevisionRow[] = report.revisions.map(r => ({
            revision: r.revision,
            updated: r.updated,
            status: r.status,
            live: r.live,
            byDraft: r.byDraft,
            ...(r.tag ? {tag: r.tag} : {}),
            ...(r.commit ? {commit: r.commit} : {}),
            ...(r.rollbackOf === undefined ? {} : {rollbackOf: r.rollbackOf}),
          }))
          this.options.publish({type: 'history', at: this.at(), service: this.options.service, revisions, ...(urls?.length ? {urls} : {})})
        } catch (error) {
          if (isDraftError(error) && error.code === 'NOTHING_DEPLOYED') {
            this.options.publish({type: 'history', at: this.at(), service: this.options.service, revisions: []})
          } else {
            this.warn('history', `cannot read the release history: ${isDraftError(error) ? error.message : String(error)}`, isDraftError(error) ? error.fix : undefined)
          }
        }
      } while (this.historyAgain && !this.stopped.signal.aborted)
    })().finally(() => (this.historyAsked = undefined))
    return this.historyAsked
  }

  /** A notice, once per kind of problem. */
  private warn(key: string, message: string, fix?: string): void {
    if (this.warned.has(key)) return
    this.warned.add(key)
    this.options.publish({type: 'notice', at: this.at(), level: 'warn', message: this.options.named ? `${this.options.service}: ${message}` : message, ...(fix ? {fix} : {})})
  }
}
