import {DraftError} from './errors.js'

/**
 * Telling a lost or refused connection to another system (the Docker engine, a registry, the
 * Kubernetes API) apart from that system's answer. Every adapter asks these two functions before it
 * chooses an error code, so one cause reads the same wherever it strikes: at the first call of a
 * one-shot `draft up`, or in the middle of the fifth cycle of `--watch`, when the engine's version
 * was asked long ago and the build is the first call to fail.
 */

/** Node's error codes for a connection that failed or broke, in words. */
const NODE_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection was closed',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'no route to host',
  EHOSTDOWN: 'the host is down',
  ENETUNREACH: 'network unreachable',
  ENETDOWN: 'the network is down',
  ENOTFOUND: 'host not found (DNS)',
  EAI_AGAIN: 'host name lookup failed (DNS)',
  UND_ERR_SOCKET: 'the connection closed unexpectedly',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
}

/** Codes that mean a connection problem only when connecting (a missing file is not one). */
const CONNECT_REASONS: Record<string, string> = {
  ENOENT: 'no socket there',
  EACCES: 'permission denied on the socket',
  ECONNABORTED: 'the connection was aborted',
}

interface ErrorShape {
  code?: unknown
  syscall?: unknown
  cause?: unknown
  errors?: unknown
}

/**
 * Why `error` (thrown by Node's net, http or fetch, or a library on top of them) is a connection
 * that failed, in words; undefined when it is anything else. Follows `cause` chains and the
 * attempts an AggregateError collects (localhost tries ::1 and 127.0.0.1). A DraftError is never one:
 * it was classified where it was thrown.
 */
export function connectionFailure(error: unknown, depth = 0): string | undefined {
  // Already classified: a registry's REGISTRY_UNREACHABLE that passes through a Docker call is not Docker's.
  if (typeof error !== 'object' || error === null || error instanceof DraftError || depth > 5) return undefined
  const e = error as ErrorShape
  if (typeof e.code === 'string') {
    if (NODE_REASONS[e.code]) return NODE_REASONS[e.code]
    if (CONNECT_REASONS[e.code] && e.syscall === 'connect') return CONNECT_REASONS[e.code]
  }
  for (const inner of Array.isArray(e.errors) ? e.errors : []) {
    const reason = connectionFailure(inner, depth + 1)
    if (reason) return reason
  }
  return connectionFailure(e.cause, depth + 1)
}

/** Go's words for the same failures, as helm and the Docker daemon print them. First match wins. */
const GO_REASONS: [RegExp, string][] = [
  [/dial unix [^:]+: connect: no such file or directory/, 'no socket there'],
  [/connect: connection refused/, 'connection refused'],
  [/dial unix [^:]+: connect: permission denied/, 'permission denied on the socket'],
  [/connection reset by peer/, 'the connection was reset'],
  [/\bbroken pipe\b/, 'the connection was closed'],
  [/no such host/, 'host not found (DNS)'],
  [/no route to host/, 'no route to host'],
  [/network is unreachable/, 'network unreachable'],
  [/dial tcp [^:]+(:\d+)?: i\/o timeout|TLS handshake timeout|Client\.Timeout exceeded while awaiting headers/, 'the connection timed out'],
  [/"https?:\/\/[^"]+": (unexpected )?EOF\b/, 'the connection closed unexpectedly'],
]

/** Like connectionFailure, for the text of a Go program's error (helm's stderr, the daemon's push error). */
export function connectionFailureInText(text: string): string | undefined {
  return GO_REASONS.find(([pattern]) => pattern.test(text))?.[1]
}

/** The origin (scheme://host:port) of the first quoted URL in a Go error, e.g. `Get "https://127.0.0.1:6443/version": ...`. */
export function originInText(text: string): string | undefined {
  const url = /"(https?:\/\/[^"\s]+)"/.exec(text)?.[1]
  if (!url) return undefined
  try {
    return new URL(url).origin
  } catch {
    return undefined
  }
}
