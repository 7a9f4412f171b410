import type {Duplex, Readable, Writable} from 'node:stream'

/**
 * Byte streams to and from a pod's containers, through the API server (which hands them to the
 * kubelet): a TCP connection to a port (port-forward), a container's log, a command in a container
 * (exec). `ClientNodePodStreams` is the real one (@kubernetes/client-node over websockets and HTTP);
 * `FakePodStreams` serves pods that live in the test process.
 */
export interface PodRef {
  namespace: string
  pod: string
}

export interface ContainerRef extends PodRef {
  container: string
}

export interface LogOptions {
  /** Keep the stream open and send new lines as the container writes them. */
  follow?: boolean
  /** Only lines written at or after this time (RFC 3339; the API rounds it to the second). */
  sinceTime?: string
  sinceSeconds?: number
  /** Only the last N lines (before following). */
  tailLines?: number
  /** The log of the previous instance of the container: the one that crashed. */
  previous?: boolean
}

/** One line of a container's log, with the time the runtime received it (RFC 3339, nanoseconds). */
export interface LogLine {
  time: string
  text: string
}

/**
 * How a log stream ended: `ended` when the server finished it (a read without follow is complete, or
 * the followed container stopped), `stopped` when we stopped it, `lost` when the connection broke.
 */
export type LogEnd = {state: 'ended'} | {state: 'stopped'} | {state: 'lost'; reason: string}

export interface LogStream {
  readonly done: Promise<LogEnd>
  stop(): void
}

export interface ExecIO {
  /**
   * Bytes for the command's standard input. Its end reaches the command as end-of-file on API servers
   * that speak v5.channel.k8s.io (Kubernetes 1.30 and newer); older ones cannot pass end-of-file, so
   * there the command must know when its input is complete (e.g. `head -c SIZE | tar x`).
   */
  stdin?: Readable
  stdout?: Writable
  stderr?: Writable
}

export interface ExecResult {
  /** The command's exit code (0 on success). */
  exitCode: number
  /** What the API said about a failure, e.g. "command terminated with non-zero exit code". */
  message: string
}

/** Why a stream could not be opened, or broke. The callers decide what it means to the user. */
export type PodStreamFailure =
  /** The pod (or container) is gone. */
  | 'not-found'
  /** RBAC: the user may not create this subresource. */
  | 'forbidden'
  /** The request was understood and refused: a container that is waiting, no previous instance... */
  | 'rejected'
  /** Nothing listens on the port inside the pod (or the pod stopped listening). */
  | 'refused'
  /** The API server (or the kubelet behind it) did not answer, or the connection broke. */
  | 'unreachable'

export class PodStreamError extends Error {
  constructor(
    readonly failure: PodStreamFailure,
    message: string,
    readonly status?: number,
  ) {
    super(message)
    this.name = 'PodStreamError'
  }
}

export interface PodStreams {
  /**
   * One TCP connection to `port` inside the pod. Resolves once the API server has accepted it; what is
   * written goes to the port, what the app answers is read. The stream ends when the app closes the
   * connection, and is destroyed with a PodStreamError (`refused`) when nothing listens there.
   * Destroying it closes the connection in the pod.
   */
  forward(pod: PodRef, port: number): Promise<Duplex>
  /** A container's log as lines; rejects with a PodStreamError when it cannot be opened. */
  logs(container: ContainerRef, options: LogOptions, onLine: (line: LogLine) => void): Promise<LogStream>
  /** Runs a command (no shell) in a container and resolves with its exit code when it ends. */
  exec(container: ContainerRef, command: readonly string[], io: ExecIO, signal?: AbortSignal): Promise<ExecResult>
}
