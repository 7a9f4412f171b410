import type {ConnectEmit} from '../core/events.js'
import type {PodState} from '../kube/kube.js'
import {type LogEnd, type LogOptions, type LogStream, PodStreamError, type PodStreams} from '../pod-streams/pod-streams.js'
import {resumeTime} from '../pod-streams/stream-text.js'
import {backoffDelay, nextAttempt} from './backoff.js'
import {isNewLine, logPrefix} from './log-prefix.js'
import {type LogAction, type StreamRecord, planLogStreams, streamKey} from './log-plan.js'
import type {Outage} from './outage.js'

interface Follow extends StreamRecord {
  pod: string
  container: string
  stream?: LogStream
  /** The time of the last line shown: a resumed stream starts there and skips what was shown. */
  last?: string
  attempt: number
  timer?: NodeJS.Timeout
  /** What the stream was first opened with: a stream that broke before its first line starts over with it. */
  first: LogOptions
}

/**
 * Follows the log of every container of the release's pods: new pods from their first line, a
 * restarted container from its new instance's first line, a stream that breaks resumed where it
 * stopped (with backoff), without showing a line twice.
 */
export class LogFollower {
  private readonly follows = new Map<string, Follow>()
  private initialPods?: Set<string>
  private pods: PodState[] = []
  private stopped = false

  constructor(
    private readonly streams: PodStreams,
    private readonly namespace: string,
    private readonly options: {
      /** What to read of the containers that were there at the start (new ones are read from the start). */
      initial: LogOptions
      container?: string
    },
    private readonly deps: {emit: ConnectEmit; at: () => number; now: () => number; outage: Outage},
  ) {}

  /** The release's pods changed. */
  update(pods: readonly PodState[]): void {
    if (this.stopped) return
    this.pods = [...pods]
    this.initialPods ??= new Set(pods.map(p => p.name))
    for (const action of planLogStreams({pods, streams: this.follows, initialPods: this.initialPods, ...(this.options.container ? {container: this.options.container} : {})})) {
      this.apply(action)
    }
  }

  /** After an outage: streams that look open may be dead without knowing it, so each is started over where it was. */
  refresh(): void {
    for (const follow of this.follows.values()) {
      if (follow.state !== 'open' || !follow.stream) continue
      const stream = follow.stream
      follow.stream = undefined
      stream.stop()
      this.open(follow, resumeOptions(follow))
    }
  }

  stop(): void {
    this.stopped = true
    for (const follow of this.follows.values()) {
      clearTimeout(follow.timer)
      follow.stream?.stop()
    }
    this.follows.clear()
  }

  private apply(action: LogAction): void {
    const key = streamKey(action.pod, action.container)
    switch (action.kind) {
      case 'open': {
        const first = action.from === 'initial' ? {...this.options.initial, follow: true} : {follow: true}
        const follow: Follow = {pod: action.pod, container: action.container, instance: action.instance, state: 'open', attempt: 0, first}
        this.follows.set(key, follow)
        this.open(follow, first)
        break
      }
      case 'restarted': {
        const follow = this.follows.get(key)!
        Object.assign(follow, {instance: action.instance, state: 'open', last: undefined, attempt: 0, first: {follow: true}})
        this.note(follow, 'the container restarted; its new log follows')
        this.open(follow, {follow: true})
        break
      }
      case 'resume': {
        // Quietly: the server closed a stream of a container that still runs (a kubelet restart does).
        const follow = this.follows.get(key)!
        follow.state = 'retrying'
        follow.attempt += 1
        follow.timer = setTimeout(() => this.open(follow, resumeOptions(follow)), backoffDelay(follow.attempt))
        break
      }
      case 'stop': {
        const follow = this.follows.get(key)
        clearTimeout(follow?.timer)
        follow?.stream?.stop()
        this.follows.delete(key)
        this.deps.outage.up(`logs ${key}`)
        break
      }
    }
  }

  private open(follow: Follow, options: LogOptions): void {
    if (this.stopped) return
    follow.state = 'open'
    const key = streamKey(follow.pod, follow.container)
    const began = this.deps.now()
    const prefix = this.prefixOf(follow)
    const onLine = (line: {time: string; text: string}): void => {
      if (!isNewLine(line.time, follow.last)) return
      if (line.time) follow.last = line.time
      this.deps.emit({type: 'log-line', at: this.deps.at(), pod: follow.pod, container: follow.container, prefix, time: line.time, line: line.text})
    }
    const opening = this.streams.logs({namespace: this.namespace, pod: follow.pod, container: follow.container}, options, onLine)
    void opening.then(
      stream => {
        if (this.follows.get(key) !== follow || this.stopped) return stream.stop()
        follow.stream = stream
        this.deps.outage.up(`logs ${key}`)
        void stream.done.then(end => this.ended(follow, stream, end, began))
      },
      (error: unknown) => this.failed(follow, error, began),
    )
  }

  private ended(follow: Follow, stream: LogStream, end: LogEnd, began: number): void {
    if (follow.stream !== stream || this.stopped) return
    follow.stream = undefined
    if (end.state === 'stopped') return
    if (end.state === 'ended') {
      follow.state = 'ended'
      if (this.deps.now() - began > 10_000) follow.attempt = 0
      // The pods as last seen decide whether the container stopped or the stream was only cut.
      this.update(this.pods)
      return
    }
    this.retry(follow, end.reason, began)
  }

  private failed(follow: Follow, error: unknown, began: number): void {
    if (this.follows.get(streamKey(follow.pod, follow.container)) !== follow || this.stopped) return
    const failure = error instanceof PodStreamError ? error.failure : 'unreachable'
    if (failure === 'not-found') {
      // The pod went away between the watch and the request; the watch will say so.
      follow.state = 'ended'
      return
    }
    if (failure === 'rejected') {
      // Waiting to start again (a crash loop): the watch shows when a new instance runs.
      follow.state = 'ended'
      return
    }
    if (failure === 'forbidden') {
      this.note(follow, `cannot read the log: ${(error as Error).message}`)
      follow.state = 'ended'
      return
    }
    this.retry(follow, (error as Error).message, began)
  }

  private retry(follow: Follow, reason: string, began: number): void {
    const key = streamKey(follow.pod, follow.container)
    follow.state = 'retrying'
    follow.attempt = nextAttempt(follow.attempt, this.deps.now() - began)
    this.deps.outage.down(`logs ${key}`, `the log of ${this.prefixOf(follow)}`, reason)
    follow.timer = setTimeout(() => this.open(follow, resumeOptions(follow)), backoffDelay(follow.attempt))
  }

  private note(follow: Follow, message: string): void {
    this.deps.emit({type: 'log-note', at: this.deps.at(), pod: follow.pod, container: follow.container, prefix: this.prefixOf(follow), message})
  }

  private prefixOf(follow: Follow): string {
    const pod = this.pods.find(p => p.name === follow.pod)
    return pod ? logPrefix(pod, follow.container, this.pods) : follow.pod
  }
}

/** Where a broken stream continues: from the last line's second, or as first opened when it showed none. */
const resumeOptions = (follow: Follow): LogOptions => (follow.last ? {follow: true, sinceTime: resumeTime(follow.last)} : follow.first)
