import {connectionFailure} from '../core/connection.js'
import {DraftError} from '../core/errors.js'
import type {KubeTarget} from './kube.js'

/**
 * What a failed call to the Kubernetes API means. Pure, and asked by every call of the real client
 * (and by the fake), so an API server that went away reads the same whether the first `ping` of a
 * `draft up` found out or a rollout poll of a later `--watch` cycle did.
 *
 * `denied` names what was being done, for a 403: then the answer is NAMESPACE_FORBIDDEN.
 */
export function kubeError(error: unknown, target: Pick<KubeTarget, 'context' | 'server' | 'user'>, denied?: {namespace: string; verb: string}): DraftError {
  if (error instanceof DraftError) return error
  const code = statusOf(error)
  if (code === 403 && denied) return new DraftError('NAMESPACE_FORBIDDEN', {namespace: denied.namespace, user: target.user, verb: denied.verb})
  const e = error as {code?: unknown; cause?: {code?: string}; message?: string}
  const reason = code
    ? `the API answered ${code}${bodyMessage(error)}`
    : (connectionFailure(error) ?? e.cause?.code ?? (typeof e.code === 'string' ? e.code : undefined) ?? e.message ?? 'unknown error')
  return new DraftError('KUBE_UNREACHABLE', {context: target.context, server: target.server, reason}, {cause: error})
}

/** The HTTP status of an ApiException (or a Watch's error) from @kubernetes/client-node; undefined for a network error. */
export function statusOf(error: unknown): number | undefined {
  const {code, statusCode} = error as {code?: unknown; statusCode?: unknown}
  return typeof code === 'number' ? code : typeof statusCode === 'number' ? statusCode : undefined
}

/** The API's own message of a failed call, as ": message", or nothing. */
export function bodyMessage(error: unknown): string {
  const body = (error as {body?: unknown}).body
  try {
    const message = (typeof body === 'string' ? (JSON.parse(body) as {message?: string}) : (body as {message?: string}))?.message
    return message ? `: ${message}` : ''
  } catch {
    return ''
  }
}
