/**
 * A client at 10 requests per second through a forward, across redeploys, measured side by side in
 * one run on the bed's real node: `draft connect` with a new connection per request, `draft connect`
 * with one keep-alive connection, and `kubectl port-forward deployment/...` (which picks one pod when
 * it starts). For each: requests, failed requests, the longest gap with no answer, and how long after
 * `draft up` returned the new version answered. A script, not a test: it asserts nothing.
 *
 *   eval "$(npm run -s bed:env)"; npm run bench:connect [-- --runs 3]
 */
import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {Agent, request} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {packageRoot} from '../../src/util/package-root.js'
import {DraftProcess} from '../support/draft-process.js'

const runsArg = process.argv.indexOf('--runs')
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3
const registry = process.env.DRAFT_BED_REGISTRY
if (!registry || !process.env.KUBECONFIG) {
  console.error('the test bed is not in the environment: run `npm run bed:up` then `eval "$(npm run -s bed:env)"`')
  process.exit(1)
}
const cli = join(packageRoot(), 'bin', 'run.js')
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

interface Answer {
  at: number
  ok: boolean
  body: string
  /** Why it failed. */
  error?: string
}

/** Sends a GET every 100 ms whatever the previous one is doing, and records every outcome. */
class Client {
  readonly answers: Answer[] = []
  private timer?: NodeJS.Timeout
  private readonly agent?: Agent

  constructor(
    readonly name: string,
    private readonly port: () => number | undefined,
    keepAlive: boolean,
  ) {
    if (keepAlive) this.agent = new Agent({keepAlive: true, maxSockets: 1})
  }

  start(): void {
    this.timer = setInterval(() => this.send(), 100)
  }

  stop(): void {
    clearInterval(this.timer)
    this.agent?.destroy()
  }

  private send(): void {
    const port = this.port()
    const sent = performance.now()
    const done = (ok: boolean, body = '', error?: string): void => void this.answers.push({at: performance.now(), ok, body, ...(error ? {error: `${error} after ${Math.round(performance.now() - sent)} ms`} : {})})
    if (!port) return done(false, '', 'no port')
    const req = request({host: '127.0.0.1', port, path: '/', timeout: 2000, ...(this.agent ? {agent: this.agent} : {agent: false, headers: {connection: 'close'}})}, res => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString()))
      res.on('end', () => done(res.statusCode === 200, body, res.statusCode === 200 ? undefined : `HTTP ${res.statusCode}`))
      res.on('error', error => done(false, '', error.message))
    })
    req.on('timeout', () => req.destroy(new Error('no answer within 2 s')))
    req.on('error', error => done(false, '', (error as NodeJS.ErrnoException).code ?? error.message))
    req.end()
  }

  /** Failed requests, the longest time between two answers, and when `text` first answered after `from`. */
  report(from: number, until: number, text: string): {sent: number; failed: number; gapMs: number; newAfterMs?: number} {
    const window = this.answers.filter(a => a.at >= from && a.at <= until)
    const ok = window.filter(a => a.ok)
    let gap = 0
    for (let i = 1; i < ok.length; i++) gap = Math.max(gap, ok[i]!.at - ok[i - 1]!.at)
    const fresh = ok.find(a => a.at >= from && a.body.includes(text))
    return {sent: window.length, failed: window.length - ok.length, gapMs: Math.round(gap), ...(fresh ? {newAfterMs: Math.round(fresh.at - from)} : {})}
  }
}

const root = mkdtempSync(join(tmpdir(), 'draft-bench-connect-'))
const app = join(root, 'express-api')
const namespace = `bench-connect-${process.pid}`
const release = 'bench-connect'
let kubectlForward: ChildProcess | undefined
let connect: DraftProcess | undefined
try {
  cpSync(join(packageRoot(), 'packs', 'node', 'fixtures', 'express-api'), app, {recursive: true})
  const server = join(app, 'src', 'server.js')
  const setVersion = (n: number): void => writeFileSync(server, readFileSync(server, 'utf8').replace(/message: '[^']*'/, `message: 'version ${n} ${process.pid}'`))
  execFileSync(process.execPath, [cli, 'create', app, '--app', release], {stdio: 'ignore'})
  // Not a synchronous child: the clients must keep sending while the deploy runs.
  const up = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [cli, 'up', app, '--registry', registry, '--namespace', namespace, '--build-network', 'host'], {stdio: 'ignore'})
      child.on('exit', code => (code === 0 ? resolve() : reject(new Error(`draft up exited ${code}`))))
    })
  setVersion(0)
  await up()

  connect = new DraftProcess(['connect', app, '--namespace', namespace, '--no-logs'])
  const url = new URL(await connect.url())
  kubectlForward = spawn('kubectl', ['-n', namespace, 'port-forward', `deployment/${release}`, ':3000'], {stdio: ['ignore', 'pipe', 'pipe']})
  let kubectlPort: number | undefined
  let kubectlErrors = ''
  kubectlForward.stderr!.on('data', (d: Buffer) => (kubectlErrors += d.toString()))
  kubectlForward.stdout!.on('data', (d: Buffer) => {
    const m = /127\.0\.0\.1:(\d+) ->/.exec(d.toString())
    if (m) kubectlPort = Number(m[1])
  })
  while (!kubectlPort) await sleep(50)

  const clients = [
    new Client('draft connect, a new connection per request', () => Number(url.port), false),
    new Client('draft connect, one keep-alive connection', () => Number(url.port), true),
    new Client('kubectl port-forward deployment/...', () => kubectlPort, false),
  ]
  for (const c of clients) c.start()
  console.log(`10 requests/s through each forward, ${RUNS} redeploys of ${release} (node express-api) on the real node`)
  const rows: string[][] = []
  for (let run = 1; run <= RUNS; run++) {
    await sleep(3000)
    const from = performance.now()
    setVersion(run)
    await up()
    const deployed = performance.now()
    await sleep(10_000)
    const until = performance.now()
    for (const c of clients) {
      const r = c.report(from, until, `version ${run} `)
      rows.push([String(run), c.name, String(r.sent), String(r.failed), `${r.gapMs} ms`, r.newAfterMs === undefined ? 'never' : `${r.newAfterMs - Math.round(deployed - from)} ms`])
    }
  }
  for (const c of clients) c.stop()
  await sleep(2500)
  const header = ['run', 'forward', 'requests', 'failed', 'longest gap', 'new version, from up\'s return']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i]!.length)))
  for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '))
  console.log('(each run: from the edit, through `draft up` (build, push, deploy, rollout), to 10 s after it returned; a negative time: the new\n version answered before `draft up` had returned, as soon as its pod was Ready; requests are sent every 100 ms, so a gap of ~100 ms is none)')
  for (const c of clients) {
    const reasons = new Map<string, number>()
    for (const a of c.answers) if (!a.ok) reasons.set(a.error!.replace(/ after \d+ ms/, ''), (reasons.get(a.error!.replace(/ after \d+ ms/, '')) ?? 0) + 1)
    if (reasons.size) console.log(`${c.name}: failures: ${[...reasons].map(([r, n]) => `${n}x ${r}`).join(', ')}; e.g. ${c.answers.filter(a => !a.ok).slice(0, 3).map(a => a.error).join('; ')}`)
  }
  for (const e of connect.of('forward-failed')) console.log(`draft connect said: ${String(e.message)}`)
  if (kubectlErrors) console.log(`kubectl port-forward said: ${kubectlErrors.trim().split('\n').slice(0, 3).join(' | ')}`)
} finally {
  kubectlForward?.kill()
  await connect?.stop()
  try {
    execFileSync('kubectl', ['delete', 'namespace', namespace, '--wait=false'], {stdio: 'ignore'})
  } catch {
    // Best effort.
  }
  rmSync(root, {recursive: true, force: true})
}
