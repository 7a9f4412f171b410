import {connectionFailure, connectionFailureInText} from '../core/connection.js'
import {DraftError} from '../core/errors.js'
import {parseImageRef} from '../registry/image-ref.js'
import {registryUnreachable} from '../registry/registry.js'

/**
 * What a failed call to the Docker engine means. Pure, and asked by every call of the real engine and
 * of the fake, so a Docker that went away reads as DOCKER_UNAVAILABLE whether `info()` found out (the
 * first `draft up`) or a build, push or image lookup did (a later cycle of `--watch`).
 */

/**
 * DOCKER_UNAVAILABLE when `error` is a failed or broken connection to the engine; undefined otherwise.
 * `socketMissing`: the engine's unix socket is not there. Node reports a request to a missing socket
 * as ENOENT or, when its write loses the race with the failed connect, as EPIPE; the missing socket is
 * the cause either way, and naming it keeps the message the same from one run to the next.
 */
export function dockerUnavailable(error: unknown, host: string, socketMissing = false): DraftError<'DOCKER_UNAVAILABLE'> | undefined {
  const reason = connectionFailure(error)
  if (!reason) return undefined
  const shown = socketMissing ? 'no socket there' : reason === 'permission denied on the socket' ? `${reason} (are you in the docker group?)` : reason
  return new DraftError('DOCKER_UNAVAILABLE', {host, reason: shown}, {cause: error})
}

/**
 * A push the daemon reported as failed. When the daemon could not connect to the registry, that is
 * the registry being unreachable, the same error `draft up` gives when its own check cannot reach it.
 */
export function pushFailure(ref: string, reason: string): DraftError<'REGISTRY_UNREACHABLE' | 'PUSH_FAILED'> {
  const lost = connectionFailureInText(reason)
  if (lost) return registryUnreachable(registryOf(ref), lost)
  return new DraftError('PUSH_FAILED', {image: ref, reason})
}

function registryOf(ref: string): string {
  try {
    return parseImageRef(ref).registry
  } catch {
    return ref.split('/')[0] ?? ref
  }
}
