import {readFileSync, writeFileSync} from 'node:fs'
import {type IncomingMessage, type Server, type ServerResponse, createServer} from 'node:http'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {packageRoot} from '../util/package-root.js'
import type {Dashboard, DashboardOptions, Snapshot} from './dashboard.js'
import {Redactor} from './redact.js'
import {type Action, checkRequest, newToken, routeOf} from './security.js'
import {type DashboardInput, type PageState, reduce} from './state.js'

/** The first port a dashboard tries; a second one (another app, or the same app twice) takes the next free one. */
export const DASHBOARD_PORT = 7770
const PORTS_TRIED = 20
/** A page that reads slower than the events come is dropped past this; it reconnects and gets the state anew. */
const MAX_BUFFERED = 8 * 1024 * 1024
const HEARTBEAT_MS = 15_000
const MAX_BODY = 4096

const TYPES: Record<string, string> = {html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8'}
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/** Where the page's files are: web/dashboard in the package, and the reducer as compiled beside this file. */
function staticPath(file: string): string {
  return file === 'state.js' ? fileURLToPath(new URL('./state.js', import.meta.url)) : join(packageRoot(), 'web', 'dashboard', file)
}

/**
 * The dashboard on node:http, bound to 127.0.0.1 only. The page's static files are public (they hold
 * nothing of the session); the state, the event stream and the actions need the token. Every answer
 * goes out through the redactor.
 */
export class HttpDashboard implements Dashboard {
  readonly token = newToken()
  private current: PageState
  private readonly redactor = new Redactor()
  private readonly clients = new Set<ServerResponse>()
  private readonly files = new Map<string, Buffer>()
  private heartbeat?: NodeJS.Timeout
  private port_ = 0

  private constructor(
    private readonly server: Server,
    private readonly options: DashboardOptions,
  ) {
    this.current = options.state
  }

  static async start(options: DashboardOptions): Promise<HttpDashboard> {
    const server = createServer()
    const dashboard = new HttpDashboard(server, options)
    server.on('request', (req, res) => dashboard.handle(req, res))
    dashboard.port_ = await listen(server, options.port ?? DASHBOARD_PORT)
    dashboard.heartbeat = setInterval(() => dashboard.broadcast(': ping\n\n'), HEARTBEAT_MS)
    dashboard.heartbeat.unref()
    return dashboard
  }

  get port(): number {
    return this.port_
  }

  get url(): string {
    return `http://127.0.0.1:${this.port_}/#token=${this.token}`
  }

  publish(event: DashboardInput): void {
    const clean = this.redactor.value(event)
    const next = reduce(this.current, clean)
    if (next === this.current) return
    this.current = next
    if (this.clients.size > 0) this.broadcast(`data: ${this.redactor.text(JSON.stringify(clean))}\n\n`)
  }

  hide(values: Iterable<string>): void {
    if (this.redactor.add(values)) this.current = this.redactor.value(this.current)
  }

  state(): PageState {
    return this.current
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat)
    for (const client of this.clients) client.end()
    this.clients.clear()
    await new Promise<void>(resolve => {
      this.server.close(() => resolve())
      this.server.closeAllConnections()
    })
  }

  private broadcast(text: string): void {
    for (const client of this.clients) {
      if (client.writableLength > MAX_BUFFERED) {
        this.clients.delete(client)
        client.destroy()
        continue
      }
      client.write(text)
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
    const route = routeOf(path)
    const verdict = checkRequest({method: req.method ?? 'GET', host: req.headers.host, authorization: req.headers.authorization, route}, {port: this.port_, token: this.token})
    if (verdict) {
      if (verdict.status === 401) res.setHeader('WWW-Authenticate', 'Bearer')
      if (verdict.allow) res.setHeader('Allow', verdict.allow)
      this.json(res, verdict.status, {error: verdict.message})
      req.resume()
      return
    }
    switch (route.kind) {
      case 'static':
        return this.file(res, route.file, req.method === 'HEAD')
      case 'state':
        return this.json(res, 200, this.current)
      case 'events':
        return this.stream(req, res)
      case 'action':
        void this.action(route.action, req, res).catch(error => this.json(res, 500, {error: error instanceof Error ? error.message : String(error)}))
        return
      default:
        this.json(res, 404, {error: 'not found'})
    }
  }

  private file(res: ServerResponse, file: string, head: boolean): void {
    let body = this.files.get(file)
    if (!body) {
      body = readFileSync(staticPath(file))
      this.files.set(file, body)
    }
    res.writeHead(200, {...HEADERS, 'Content-Type': TYPES[file.split('.').pop() ?? ''] ?? 'application/octet-stream', 'Content-Length': body.length, ...(file.endsWith('.html') ? {'Content-Security-Policy': CSP} : {})})
    res.end(head ? undefined : body)
  }

  private stream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {...HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive'})
    res.write(`event: state\ndata: ${this.redactor.text(JSON.stringify(this.current))}\n\n`)
    this.clients.add(res)
    req.on('close', () => this.clients.delete(res))
  }

  private async action(action: Action, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req)
    if (body === undefined) return this.json(res, 413, {error: 'the request body is too large'})
    const actions = this.options.actions
    if (action === 'snapshot') {
      if (!this.options.snapshotDir) return this.json(res, 409, {error: 'this dashboard serves a snapshot: there is nothing new to save'})
      const snapshot: Snapshot = {kind: 'draft-dashboard-snapshot', version: 1, savedAt: new Date().toISOString(), state: this.current}
      const path = join(this.options.snapshotDir(), `dashboard-${snapshot.savedAt.replace(/[:.]/g, '-')}.json`)
      writeFileSync(path, this.redactor.text(JSON.stringify(snapshot)), {mode: 0o600})
      return this.json(res, 200, {path, snapshot})
    }
    if (!actions) return this.json(res, 403, {error: 'a snapshot is read-only'})
    // Several services: a rollback names its service, a rebuild may (none: all of them).
    const names = this.current.services.map(s => s.name)
    let asked: {revision?: unknown; service?: unknown}
    try {
      asked = body ? (JSON.parse(body) as typeof asked) : {}
      if (!asked || typeof asked !== 'object' || Array.isArray(asked)) throw new Error('body')
    } catch {
      return this.json(res, 400, {error: 'the body must be a JSON object'})
    }
    let service: string | undefined
    if (asked.service !== undefined && asked.service !== null) {
      if (typeof asked.service !== 'string' || !names.includes(asked.service)) return this.json(res, 400, {error: `"service" must be one of: ${names.join(', ')}`})
      service = asked.service
    }
    switch (action) {
      case 'rebuild':
        actions.rebuild(service)
        return this.json(res, 202, {ok: true})
      case 'pause':
      case 'resume': {
        const act = actions[action]
        if (!act) return this.json(res, 409, {error: 'nothing is watched: draft dashboard runs cycles only when asked (Rebuild now)'})
        act.call(actions)
        return this.json(res, 200, {ok: true})
      }
      case 'rollback': {
        let revision: number | undefined
        if (asked.revision !== undefined && asked.revision !== null) {
          if (!Number.isInteger(asked.revision) || (asked.revision as number) < 1) return this.json(res, 400, {error: 'the body must be {} or {"revision": N} with N a revision number'})
          revision = asked.revision as number
        }
        if (names.length > 1 && service === undefined) return this.json(res, 400, {error: `name the service to roll back: {"service": one of ${names.join(', ')}}`})
        // Its progress and its outcome (also a failure) come as events.
        void actions.rollback(revision, service).catch(() => undefined)
        return this.json(res, 202, {ok: true})
      }
    }
  }

  private json(res: ServerResponse, status: number, value: unknown): void {
    const body = Buffer.from(this.redactor.text(JSON.stringify(value)))
    // Headers set before (Allow, WWW-Authenticate) are kept by writeHead.
    res.writeHead(status, {...HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length})
    res.end(body)
  }
}

/** No CORS headers, ever: other origins cannot read anything, and preflights fail. */
const HEADERS = {'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'DENY'}

export const startHttpDashboard = (options: DashboardOptions): Promise<Dashboard> => HttpDashboard.start(options)

/** Listens on 127.0.0.1 at `first`, or the next free port of PORTS_TRIED, or any the system gives. */
async function listen(server: Server, first: number): Promise<number> {
  const tryPort = (port: number): Promise<number | undefined> =>
    new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        server.off('listening', onListening)
        if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolve(undefined)
        else reject(error)
      }
      const onListening = (): void => {
        server.off('error', onError)
        const address = server.address()
        resolve(typeof address === 'object' && address ? address.port : port)
      }
      server.once('error', onError)
      server.once('listening', onListening)
      server.listen({port, host: '127.0.0.1', exclusive: true})
    })
  for (let port = first; port > 0 && port < first + PORTS_TRIED && port <= 65535; port++) {
    const bound = await tryPort(port)
    if (bound !== undefined) return bound
  }
  const any = await tryPort(0)
  if (any === undefined) throw new Error('no local port is free for the dashboard')
  return any
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY) chunks.push(chunk)
    })
    req.on('end', () => resolve(size > MAX_BODY ? undefined : Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}
