import {createHash, randomBytes, timingSafeEqual} from 'node:crypto'

/**
 * The dashboard's rules for a request, decided from the request alone. The page can deploy and roll
 * back, and any web page the developer visits can make the browser send requests to 127.0.0.1: the
 * Host header must name the loopback address and port the server listens on (a rebound DNS name does
 * not), and everything but the static page needs the session's token, which only the printed URL
 * carries (in its fragment, never sent by the browser on its own).
 */

/** A fresh token for one session: 32 random bytes, URL-safe. */
export const newToken = (): string => randomBytes(32).toString('base64url')

/** 127.0.0.1, localhost or [::1], with the server's own port; nothing else (DNS rebinding). */
export function hostAllowed(host: string | undefined, port: number): boolean {
  if (!host) return false
  const m = /^(127\.0\.0\.1|localhost|\[::1\]):(\d+)$/i.exec(host.trim())
  return Boolean(m && Number(m[2]) === port)
}

/** `Authorization: Bearer <token>`, compared in constant time (digests of equal length). */
export function tokenMatches(authorization: string | undefined, token: string): boolean {
  const m = /^Bearer (\S+)$/.exec(authorization ?? '')
  const given = createHash('sha256').update(m?.[1] ?? '').digest()
  const expected = createHash('sha256').update(token).digest()
  return timingSafeEqual(given, expected) && m !== null
}

export type Route =
  | {kind: 'static'; file: string}
  | {kind: 'state'}
  | {kind: 'events'}
  | {kind: 'action'; action: Action}
  | {kind: 'not-found'}

export type Action = 'rebuild' | 'pause' | 'resume' | 'rollback' | 'snapshot'
const ACTIONS: readonly Action[] = ['rebuild', 'pause', 'resume', 'rollback', 'snapshot']

/** Files of the page, by URL path; anything else is not served (no path is ever joined from a URL). */
export const STATIC_FILES: Readonly<Record<string, string>> = {
  '/': 'index.html',
  '/index.html': 'index.html',
  '/page.js': 'page.js',
  '/page.css': 'page.css',
  '/state.js': 'state.js',
}

export function routeOf(path: string): Route {
  const file = STATIC_FILES[path]
  if (file) return {kind: 'static', file}
  if (path === '/api/state') return {kind: 'state'}
  if (path === '/api/events') return {kind: 'events'}
  const action = /^\/api\/([a-z]+)$/.exec(path)?.[1]
  if (action && (ACTIONS as readonly string[]).includes(action)) return {kind: 'action', action: action as Action}
  return {kind: 'not-found'}
}

export interface Verdict {
  status: number
  /** Why, for the response body. */
  message?: string
  allow?: string
}

/**
 * What a request gets before any work: 403 for a foreign Host, 404 for an unknown path, 401 without
 * the token (the API and the event stream), 405 for a method that does not fit (reads are GET,
 * changes are POST only). Undefined: go ahead.
 */
export function checkRequest(request: {method: string; host: string | undefined; authorization: string | undefined; route: Route}, server: {port: number; token: string}): Verdict | undefined {
  if (!hostAllowed(request.host, server.port)) return {status: 403, message: 'this server answers only to 127.0.0.1, localhost and [::1] with its port'}
  const {route, method} = request
  if (route.kind === 'not-found') return {status: 404, message: 'not found'}
  if (route.kind === 'static') return method === 'GET' || method === 'HEAD' ? undefined : {status: 405, allow: 'GET, HEAD', message: 'method not allowed'}
  if (!tokenMatches(request.authorization, server.token)) return {status: 401, message: 'the token from the URL draft printed is missing or wrong'}
  if (route.kind === 'action') return method === 'POST' ? undefined : {status: 405, allow: 'POST', message: 'changes are POST only'}
  return method === 'GET' ? undefined : {status: 405, allow: 'GET', message: 'method not allowed'}
}
