import {Duplex} from 'node:stream'

import {
  type ContainerRef,
  type ExecIO,
  type ExecResult,
  type LogEnd,
  type LogLine,
  type LogOptions,
  type LogStream,
  type PodRef,
  PodStreamError,
  type PodStreams,
} from './pod-streams.js'
import {timeKey} from './stream-text.js'

interface FakeLog {
  lines: LogLine[]
  previous: LogLine[]
  followers: Set<{onLine: (line: LogLine) => void; end: (end: LogEnd) => void}>
}

/**
 * Pods that live in the test process. A port is served by a handler that gets each forwarded
 * connection (give it to an http.Server with `server.emit('connection', socket)` for real HTTP); a
 * container's log is a list of lines that `write` adds to and followers see; exec runs a handler.
 */
export class FakePodStreams implements PodStreams {
  readonly ports = new Map<string, (socket: Duplex) => void>()
  /** Pods that exist: `serve` and `write` add them, `remove` takes them away. */
  readonly pods = new Set<string>()
  /** Pods whose port refuses connections, as when the app is not listening (any more). */
  readonly refusing = new Set<string>()
  /** Containers whose log cannot be read yet (the container is waiting to start). */
  readonly waiting = new Set<string>()
  readonly opened: {kind: 'forward' | 'logs' | 'exec'; pod: string; detail: string}[] = []
  unreachable = false
  forbidden = false
  execHandler?: (ref: ContainerRef, command: readonly string[], io: ExecIO, signal?: AbortSignal) => Promise<ExecResult>
  private readonly logsByContainer = new Map<string, FakeLog>()
  private clock = Date.parse('2025-01-01T00:00:00Z')

  /** Serve `port` of `pod` with a handler. */
  serve(pod: string, port: number, handler: (socket: Duplex) => void): void {
    this.pods.add(pod)
    this.ports.set(`${pod}:${port}`, handler)
  }

  /** The pod is gone: its ports and logs with it. */
  remove(pod: string): void {
    this.pods.delete(pod)
    for (const key of [...this.ports.keys()]) if (key.startsWith(`${pod}:`)) this.ports.delete(key)
    for (const [key, log] of this.logsByContainer) if (key.startsWith(`${pod}/`)) this.endFollowers(log, {state: 'ended'})
  }

  /** A line written by a container; followers get it at once. `time` defaults to a clock ticking 1 ms a line. */
  write(pod: string, container: string, text: string, time?: string): LogLine {
    this.pods.add(pod)
    const line = {time: time ?? new Date((this.clock += 1)).toISOString(), text}
    const log = this.log(pod, container)
    log.lines.push(line)
    for (const follower of log.followers) follower.onLine(line)
    return line
  }

  /** The container restarted: its current lines become the previous instance's. */
  restart(pod: string, container: string): void {
    const log = this.log(pod, container)
    this.endFollowers(log, {state: 'ended'})
    log.previous = log.lines
    log.lines = []
  }

  /** Every followed log breaks, as when the API server restarts. */
  cutLogs(reason = 'ECONNRESET'): void {
    for (const log of this.logsByContainer.values()) this.endFollowers(log, {state: 'lost', reason})
  }

  followerCount(): number {
    return [...this.logsByContainer.values()].reduce((n, log) => n + log.followers.size, 0)
  }

  async forward(ref: PodRef, port: number): Promise<Duplex> {
    this.opened.push({kind: 'forward', pod: ref.pod, detail: String(port)})
    this.check(`port-forward to ${ref.pod}:${port}`)
    if (!this.pods.has(ref.pod)) throw new PodStreamError('not-found', `pods "${ref.pod}" not found`, 404)
    const handler = this.ports.get(`${ref.pod}:${port}`)
    const [local, remote] = duplexPair()
    if (this.refusing.has(ref.pod) || !handler) {
      setImmediate(() => local.destroy(new PodStreamError('refused', `error forwarding port ${port} to pod ${ref.pod}: connection refused`)))
    } else {
      handler(remote)
    }
    return local
  }

  async logs(ref: ContainerRef, options: LogOptions, onLine: (line: LogLine) => void): Promise<LogStream> {
    this.opened.push({kind: 'logs', pod: ref.pod, detail: `${ref.container}${options.follow ? ' follow' : ''}${options.sinceTime ? ` since ${options.sinceTime}` : ''}`})
    this.check(`logs of ${ref.pod}/${ref.container}`)
    const key = `${ref.pod}/${ref.container}`
    if (this.waiting.has(key)) throw new PodStreamError('rejected', `container "${ref.container}" in pod "${ref.pod}" is waiting to start`, 400)
    if (!this.pods.has(ref.pod)) throw new PodStreamError('not-found', `pods "${ref.pod}" not found`, 404)
    const current = this.log(ref.pod, ref.container)
    if (options.previous && current.previous.length === 0) throw new PodStreamError('rejected', `previous terminated container "${ref.container}" in pod "${ref.pod}" not found`, 400)
    let lines = options.previous ? current.previous : current.lines
    if (options.sinceTime) {
      const since = timeKey(options.sinceTime)
      lines = lines.filter(l => timeKey(l.time) >= since)
    }
    if (options.sinceSeconds) {
      const since = this.clock - options.sinceSeconds * 1000
      lines = lines.filter(l => Date.parse(l.time) >= since)
    }
    if (options.tailLines !== undefined) lines = options.tailLines === 0 ? [] : lines.slice(-options.tailLines)
    for (const line of lines) onLine(line)
    if (!options.follow || options.previous) return {done: Promise.resolve({state: 'ended'}), stop: () => undefined}
    let end!: (e: LogEnd) => void
    const done = new Promise<LogEnd>(resolve => (end = resolve))
    const follower = {onLine, end: (e: LogEnd) => end(e)}
    current.followers.add(follower)
    return {
      done,
      stop: () => {
        current.followers.delete(follower)
        end({state: 'stopped'})
      },
    }
  }

  async exec(ref: ContainerRef, command: readonly string[], io: ExecIO, signal?: AbortSignal): Promise<ExecResult> {
    this.opened.push({kind: 'exec', pod: ref.pod, detail: command.join(' ')})
    this.check(`exec in ${ref.pod}/${ref.container}`)
    if (!this.execHandler) throw new PodStreamError('not-found', `pods "${ref.pod}" not found`, 404)
    return this.execHandler(ref, command, io, signal)
  }

  private log(pod: string, container: string): FakeLog {
    const key = `${pod}/${container}`
    let log = this.logsByContainer.get(key)
    if (!log) {
      log = {lines: [], previous: [], followers: new Set()}
      this.logsByContainer.set(key, log)
    }
    return log
  }

  private endFollowers(log: FakeLog, end: LogEnd): void {
    for (const follower of [...log.followers]) {
      log.followers.delete(follower)
      follower.end(end)
    }
  }

  private check(what: string): void {
    if (this.unreachable) throw new PodStreamError('unreachable', `${what}: the API server did not answer`)
    if (this.forbidden) throw new PodStreamError('forbidden', `${what}: the API answered 403`, 403)
  }
}

/** Two connected ends: what one writes, the other reads; ending one ends the other's reading. */
export function duplexPair(): [Duplex, Duplex] {
  const ends: Duplex[] = []
  const make = (other: () => Duplex): Duplex =>
    new Duplex({
      allowHalfOpen: true,
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        other().push(chunk)
        callback()
      },
      final(callback) {
        other().push(null)
        callback()
      },
      destroy(error, callback) {
        const peer = other()
        if (!peer.destroyed) peer.push(null)
        callback(error)
      },
    })
  ends.push(make(() => ends[1]!), make(() => ends[0]!))
  return [ends[0]!, ends[1]!]
}
