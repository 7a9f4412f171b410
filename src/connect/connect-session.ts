import {DraftError} from '../core/errors.js'
import type {ConnectEmit} from '../core/events.js'
import type {Kube, PortState} from '../kube/kube.js'
import {instanceSelector} from '../kube/labels.js'
import type {LogOptions, PodStreams} from '../pod-streams/pod-streams.js'
import {sleep as realSleep} from '../util/signals.js'
import {explainWaiting} from './choose-pod.js'
import type {ConnectionRegistry} from './connection-registry.js'
import {Forward} from './forwarder.js'
import {type PortRequest, planForwards} from './local-ports.js'
import {LogFollower} from './log-follower.js'
import {Outage} from './outage.js'
import {type ReleaseView, ReleaseWatch} from './release-watch.js'

export interface SessionTarget {
  release: string
  namespace: string
}

export interface SessionOptions {
  /** Forward ports: those asked for with --port, or (empty) every port the release declares. `false`: none (`logs -f`). */
  forward: readonly PortRequest[] | false
  /** Follow the logs of every pod; `initial` is what to show of the pods already running. */
  logs: {initial: LogOptions; container?: string} | false
  emit: ConnectEmit
  /** Every change of the release's pods and Deployments, as the watch sees them (the dashboard's pod list). */
  onView?: (view: ReleaseView) => void
}

export interface SessionDeps {
  kube: Kube
  streams: PodStreams
  now?: () => number
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  /** May listen below port 1024. */
  privileged?: boolean
  /** How long a new connection waits for a Ready pod. */
  holdMs?: number
  /** Where `at` counts from (of `now`), when the session shares an event stream with a watch loop. */
  origin?: number
  /** Announces the URLs while the session runs (for `draft status`). */
  registry?: Pick<ConnectionRegistry, 'record'>
}

/**
 * A live connection to a release: its ports forwarded to localhost and its pods' logs followed, across
 * redeploys, deleted pods and API server restarts, until the signal. `start` does every check that
 * can fail on the user's input and binds the ports; `run` keeps it going.
 */
export class ConnectSession {
  private readonly now: () => number
  private readonly began: number
  private readonly outage: Outage
  private readonly watch: ReleaseWatch
  private forwards: Forward[] = []
  private follower?: LogFollower
  private waiting?: string
  private explaining?: Promise<void>
  private explainAgain = false

  constructor(
    private readonly target: SessionTarget,
    private readonly options: SessionOptions,
    private readonly deps: SessionDeps,
  ) {
    this.now = deps.now ?? (() => performance.now())
    this.began = deps.origin ?? this.now()
    this.outage = new Outage(options.emit, this.at, () => this.follower?.refresh())
    this.watch = new ReleaseWatch(deps.kube, target.namespace, instanceSelector(target.release), {outage: this.outage, sleep: deps.sleep ?? realSleep, now: this.now})
  }

  readonly at = (): number => Math.round(this.now() - this.began)

  /** Throws NOTHING_DEPLOYED, NAMESPACE_FORBIDDEN, NO_PORTS, BAD_PORT_FLAG or LOCAL_PORT_UNAVAILABLE, with nothing left open. */
  async start(): Promise<void> {
    const {kube} = this.deps
    const {namespace, release} = this.target
    const selector = instanceSelector(release)
    const [pods, deployments] = await Promise.all([kube.pods(namespace, selector), kube.deployments(namespace, selector)])
    if (pods.length === 0 && deployments.length === 0) throw new DraftError('NOTHING_DEPLOYED', {release, namespace, context: kube.target().context})
    if (this.options.forward === false) return
    const declared: PortState[] = [...deployments.flatMap(d => d.ports ?? []), ...pods.flatMap(p => p.ports ?? [])]
    const plans = planForwards({release, declared, requested: this.options.forward, privileged: this.deps.privileged ?? false})
    const taken = new Set<number>()
    try {
      for (const plan of plans) {
        const forward = new Forward(plan, {streams: this.deps.streams, namespace, emit: this.options.emit, at: this.at, outage: this.outage, ...(this.deps.holdMs ? {holdMs: this.deps.holdMs} : {})})
        this.forwards.push(forward)
        taken.add(await forward.bind(taken))
      }
    } catch (error) {
      await Promise.all(this.forwards.map(f => f.close()))
      this.forwards = []
      throw error
    }
  }

  /** The local ports, once started. */
  ports(): {local: number; remote: number}[] {
    return this.forwards.map(f => ({local: f.local, remote: f.plan.remote}))
  }

  async run(signal: AbortSignal): Promise<void> {
    if (this.options.logs) {
      this.follower = new LogFollower(this.deps.streams, this.target.namespace, this.options.logs, {emit: this.options.emit, at: this.at, now: this.now, outage: this.outage})
    }
    const unsubscribe = this.watch.onChange(() => this.changed())
    const urls = this.forwards.map(f => `http://localhost:${f.local}`)
    const withdraw = urls.length ? this.deps.registry?.record({...this.target, context: this.deps.kube.target().context}, urls) : undefined
    try {
      await this.watch.run(signal)
    } finally {
      withdraw?.()
      unsubscribe()
      this.follower?.stop()
      await Promise.all(this.forwards.map(f => f.close()))
      this.options.emit({
        type: 'connect-stopped',
        at: this.at(),
        connections: this.forwards.reduce((n, f) => n + f.connections, 0),
        failed: this.forwards.reduce((n, f) => n + f.failures, 0),
      })
    }
  }

  private changed(): void {
    const view = this.watch.view()
    this.options.onView?.(view)
    for (const forward of this.forwards) forward.update(view)
    this.follower?.update(view.pods)
    if (this.forwards.length === 0) return
    if (this.forwards.every(f => f.current())) {
      this.waiting = undefined
      return
    }
    void this.explain()
  }

  /** Says why no pod takes connections, once per change of reason (the events are asked only then). */
  private explain(): Promise<void> {
    if (this.explaining) {
      this.explainAgain = true
      return this.explaining
    }
    this.explaining = (async () => {
      do {
        this.explainAgain = false
        await this.watch.deploymentsLoaded
        const view = this.watch.view()
        const events = await this.deps.kube.events(this.target.namespace, view.pods.map(p => p.name)).catch(() => [])
        if (this.forwards.every(f => f.current())) continue
        const {message, fix} = explainWaiting({namespace: this.target.namespace, release: this.target.release, deployments: view.deployments, pods: view.pods, newest: view.newest, events})
        if (message === this.waiting) continue
        this.waiting = message
        this.options.emit({type: 'forward-waiting', at: this.at(), message, ...(fix ? {fix} : {})})
      } while (this.explainAgain)
    })().finally(() => (this.explaining = undefined))
    return this.explaining
  }
}
