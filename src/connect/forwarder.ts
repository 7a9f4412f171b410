import {type Server, type Socket, createServer} from 'node:net'
import type {Duplex} from 'node:stream'

import {DraftError} from '../core/errors.js'
import type {ConnectEmit} from '../core/events.js'
import {PodStreamError, type PodStreams} from '../pod-streams/pod-streams.js'
import {chooseTarget, retargetReason} from './choose-pod.js'
import {type ForwardPlan, portChoice} from './local-ports.js'
import type {Outage} from './outage.js'
import type {ReleaseView} from './release-watch.js'

/** Client bytes kept to replay on another pod when the first one refuses before answering. */
const REPLAY_LIMIT = 1024 * 1024
const ATTEMPTS = 3

export interface ForwardDeps {
  streams: PodStreams
  namespace: string
  emit: ConnectEmit
  at: () => number
  outage: Outage
  /** How long a new connection waits for a Ready pod before it is closed. */
  holdMs?: number
}

/**
 * One local port, forwarded to one container port of whichever pod is the target now. The local port
 * is bound once and kept for the whole session, so the URL never changes. Each connection is pinned
 * to the pod it was opened to (an open connection finishes there); only new connections follow a
 * new target. A connection that the pod refuses before any answer is replayed on another Ready pod.
 */
export class Forward {
  private servers: Server[] = []
  private target?: string
  private last?: string
  private closing = false
  private view: ReleaseView = {pods: [], deployments: [], newest: new Set()}
  private readonly waiters = new Set<() => void>()
  private readonly open = new Set<Socket>()
  local = 0
  connections = 0
  failures = 0

  constructor(
    readonly plan: ForwardPlan,
    private readonly deps: ForwardDeps,
  ) {}

  /** Listen on the first free candidate (127.0.0.1, and ::1 where the machine has it). */
  async bind(taken: ReadonlySet<number>): Promise<number> {
    for (const candidate of this.plan.candidates) {
      if (candidate !== 0 && taken.has(candidate)) continue
      let v4: Server
      try {
        v4 = await this.listen(candidate, '127.0.0.1')
      } catch (error) {
        if (this.plan.explicit) throw unavailable(candidate, this.plan.remote, error)
        continue
      }
      const port = (v4.address() as {port: number}).port
      try {
        this.servers = [v4, await this.listen(port, '::1')]
      } catch (error) {
        const code = (error as {code?: string}).code
        if (code === 'EADDRINUSE') {
          // Something serves localhost on IPv6 there: a browser could reach it instead of us.
          await close(v4)
          if (this.plan.explicit) throw unavailable(candidate, this.plan.remote, error)
          continue
        }
        this.servers = [v4]
      }
      this.local = port
      this.deps.emit({type: 'forward-listening', at: this.deps.at(), local: port, remote: this.plan.remote, url: `http://localhost:${port}`, choice: portChoice(this.plan, port)})
      return port
    }
    throw unavailable(this.plan.candidates[0]!, this.plan.remote, new Error('no free port'))
  }

  /** The release changed: choose the target for new connections, and wake the ones waiting for one. */
  update(view: ReleaseView): void {
    this.view = view
    const next = chooseTarget({pods: view.pods, remote: this.plan.remote, newest: view.newest, explicit: this.plan.explicit, ...(this.target ? {current: this.target} : {})})
    if (next && next !== this.target && next !== this.last) {
      // The pod new connections went to last, even when none could take them in between.
      const previous = view.pods.find(p => p.name === this.last)
      const chosen = view.pods.find(p => p.name === next)!
      this.deps.emit({
        type: 'forward-target',
        at: this.deps.at(),
        remote: this.plan.remote,
        pod: next,
        ...(this.last ? {previous: this.last, draining: Boolean(previous)} : {}),
        why: this.last && !previous ? `${this.last} is gone` : retargetReason(previous, chosen, view.newest),
      })
    }
    this.target = next
    if (next) {
      this.last = next
      for (const wake of [...this.waiters]) wake()
    }
  }

  current(): string | undefined {
    return this.target
  }

  async close(): Promise<void> {
    this.closing = true
    for (const wake of [...this.waiters]) wake()
    for (const socket of this.open) socket.destroy()
    await Promise.all(this.servers.map(close))
    this.servers = []
  }

  private listen(port: number, host: string): Promise<Server> {
    return new Promise((resolve, reject) => {
      const server = createServer({allowHalfOpen: true, noDelay: true}, socket => this.accept(socket))
      server.once('error', reject)
      server.listen({port, host, exclusive: true}, () => {
        server.off('error', reject)
        resolve(server)
      })
    })
  }

  private accept(socket: Socket): void {
    this.connections += 1
    this.open.add(socket)
    const pending: Buffer[] = []
    let pendingBytes = 0
    let upstream: Duplex | undefined
    let answered = false
    let closed = false
    const avoid = new Set<string>()
    // Until the pod answers, what the client sent is kept to replay on another pod (up to a limit).
    socket.on('data', (chunk: Buffer) => {
      pendingBytes += chunk.length
      if (!upstream) {
        pending.push(chunk)
        // Nowhere to send it yet: stop reading rather than buffer without bound.
        if (pendingBytes > REPLAY_LIMIT) socket.pause()
        return
      }
      upstream.write(chunk)
      if (!answered && pendingBytes <= REPLAY_LIMIT) pending.push(chunk)
      else pending.length = 0
    })
    // A half-close cannot be passed through port-forward; the app ends the connection when it is done.
    socket.on('end', () => undefined)
    socket.on('error', () => undefined)
    socket.on('close', () => {
      closed = true
      this.open.delete(socket)
      upstream?.destroy()
    })

    const fail = (pod: string | undefined, message: string): void => {
      if (this.closing) return void socket.destroy()
      this.failures += 1
      this.deps.emit({type: 'forward-failed', at: this.deps.at(), local: this.local, remote: this.plan.remote, ...(pod ? {pod} : {}), message})
      socket.destroy()
    }
    /** Bytes that reached a stream may have reached the app, unless the pod refused the connection. */
    const retry = (attempt: number, pod: string, error: unknown, sent: boolean): boolean => {
      const failure = error instanceof PodStreamError ? error.failure : 'unreachable'
      if (closed || answered || pendingBytes > REPLAY_LIMIT || attempt >= ATTEMPTS || failure === 'forbidden' || failure === 'rejected') return false
      if (sent && failure !== 'refused') return false
      avoid.add(pod)
      setTimeout(() => void connect(attempt + 1), 100 * 3 ** (attempt - 1))
      return true
    }
    const connect = async (attempt: number): Promise<void> => {
      const pod = await this.waitForTarget(avoid, socket)
      if (closed) return
      if (!pod) return fail(undefined, 'no Ready pod to forward to')
      let stream: Duplex
      try {
        stream = await this.deps.streams.forward({namespace: this.deps.namespace, pod}, this.plan.remote)
        this.deps.outage.up('forward')
      } catch (error) {
        if (error instanceof PodStreamError && error.failure === 'unreachable') this.deps.outage.down('forward', 'port-forward', error.message)
        if (!retry(attempt, pod, error, false)) fail(pod, (error as Error).message)
        return
      }
      if (closed) {
        stream.destroy()
        return
      }
      upstream = stream
      for (const chunk of pending) stream.write(chunk)
      if (pendingBytes > REPLAY_LIMIT) pending.length = 0
      socket.resume()
      stream.on('data', (chunk: Buffer) => {
        if (!answered) {
          answered = true
          pending.length = 0
        }
        socket.write(chunk)
      })
      stream.on('end', () => socket.end())
      stream.on('error', error => {
        if (upstream !== stream) return
        upstream = undefined
        if (!retry(attempt, pod, error, pendingBytes > 0)) {
          if (answered) socket.destroy()
          else fail(pod, error.message)
        }
      })
    }
    void connect(1)
  }

  /** The target for a new connection; with none, the connection waits for one (or gives up). */
  private waitForTarget(avoid: ReadonlySet<string>, socket: Socket): Promise<string | undefined> {
    const choose = (): string | undefined =>
      avoid.size === 0 ? this.target : chooseTarget({pods: this.view.pods, remote: this.plan.remote, newest: this.view.newest, explicit: this.plan.explicit, avoid, ...(this.target ? {current: this.target} : {})})
    const now = choose()
    if (now || this.servers.length === 0) return Promise.resolve(now)
    return new Promise(resolve => {
      const done = (pod: string | undefined): void => {
        clearTimeout(timer)
        this.waiters.delete(wake)
        socket.off('close', gone)
        resolve(pod)
      }
      const wake = (): void => {
        const pod = choose()
        if (pod || this.servers.length === 0) done(pod)
      }
      const gone = (): void => done(undefined)
      const timer = setTimeout(() => done(undefined), this.deps.holdMs ?? 60_000)
      this.waiters.add(wake)
      socket.once('close', gone)
    })
  }
}

function unavailable(port: number, remote: number, error: unknown): DraftError {
  const code = (error as {code?: string}).code
  const reason = code === 'EADDRINUSE' ? 'it is already in use' : code === 'EACCES' ? 'listening there needs root' : ((error as Error).message ?? String(error))
  return new DraftError('LOCAL_PORT_UNAVAILABLE', {port, remote, reason})
}

const close = (server: Server): Promise<void> => new Promise(resolve => server.close(() => resolve()))
