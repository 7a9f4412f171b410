/**
 * The inner loop on the bed's real node, for the main fixture of every built-in pack that builds
 * here: `draft up --watch --connect` gets single-file edits, each timed
 *   - from the write to the cycle that deploys it finishing (rollout available),
 *   - from the write to the new pod answering through connect's URL (the local port never changes),
 *   - and from that cycle's end until the old pod is gone (SIGTERM handled or not).
 * Then, for node and go, the same edits with the pods on the simulated kwok node (no container runs,
 * so nothing answers): the figure before the real node, kept beside it. And the watcher's idle CPU
 * and memory over 30 s. A script, not a test: it prints figures and asserts nothing.
 * Then the dashboard's overhead: two watch processes on two copies of the node fixture, one with the
 * dashboard (and a page's event stream attached) and one with --ui=false, edited in turn, their cycle
 * times side by side; then both processes' memory over --cycles more cycles each.
 * Then the development environment's probes (probes.innerLoop: one readiness check each second, run
 * as soon as the container runs) against the production shape with a startup check each second, two
 * watch processes edited in turn. --part loop|dashboard|probes runs one part.
 *
 *   eval "$(npm run -s bed:env)"; npm run bench:loop [-- --edits 10 --idle 30 --packs node,python]
 */
import {type ChildProcess, execFileSync, spawn, spawnSync} from 'node:child_process'
import {type ClientRequest, request} from 'node:http'
import {appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {contentTag} from '../../src/build/content-tag.js'
import {packageRoot} from '../../src/util/package-root.js'
import {DraftProcess, get} from '../support/draft-process.js'

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1]! : fallback
}
const EDITS = Number(arg('edits', '10'))
const IDLE_S = Number(arg('idle', '30'))
const PACKS = arg('packs', 'node,python,go,java,rust,ruby,php,static').split(',')
const CYCLES = Number(arg('cycles', '100'))
const PART = arg('part', 'all')
const registry = process.env.DRAFT_BED_REGISTRY
if (!registry || !process.env.KUBECONFIG) {
  console.error('the test bed is not in the environment: run `npm run bed:up` then `eval "$(npm run -s bed:env)"`')
  process.exit(1)
}
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN
const p90 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.9) - 1)] ?? Number.NaN
const s = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : '-')

/** Each pack's main fixture, the file an edit touches and the comment syntax of that file. */
const fixtures = [
  {pack: 'node', name: 'express-api', source: 'src/server.js', comment: '//'},
  {pack: 'python', name: 'flask-requirements', source: 'app.py', comment: '#'},
  {pack: 'go', name: 'net-http', source: 'main.go', comment: '//'},
  {pack: 'java', name: 'plain-maven', source: 'src/main/java/dev/example/notes/NotesServer.java', comment: '//'},
  {pack: 'rust', name: 'std-tcp', source: 'src/server.rs', comment: '//'},
  {pack: 'ruby', name: 'socket-server', source: 'server.rb', comment: '#'},
  {pack: 'php', name: 'plain-php', source: 'src/Router.php', comment: '//'},
  {pack: 'static', name: 'plain-site', source: 'about.html', comment: null},
].filter(f => PACKS.includes(f.pack))

const kubectl = (...args: string[]): string => execFileSync('kubectl', args, {encoding: 'utf8'})
const podsOf = (namespace: string, release: string): string[] =>
  kubectl('-n', namespace, 'get', 'pods', '-l', `app.kubernetes.io/instance=${release}`, '-o', 'jsonpath={.items[*].metadata.name}').split(/\s+/).filter(Boolean)

/** Seconds until none of `pods` exists any more (polled every 100 ms, at most 60 s). */
async function goneAfter(namespace: string, pods: string[]): Promise<number> {
  const started = performance.now()
  for (;;) {
    const left = spawnSync('kubectl', ['-n', namespace, 'get', 'pods', ...pods, '--ignore-not-found', '-o', 'name'], {encoding: 'utf8'}).stdout.trim()
    if (!left || performance.now() - started > 60_000) return performance.now() - started
    await sleep(100)
  }
}

interface Figures {
  available: number[]
  answering: number[]
  oldGone: number[]
}

async function loop(fixture: (typeof fixtures)[number], where: 'real' | 'kwok'): Promise<Figures> {
  const root = mkdtempSync(join(tmpdir(), 'draft-bench-loop-'))
  const app = join(root, fixture.name)
  cpSync(join(packageRoot(), 'packs', fixture.pack, 'fixtures', fixture.name), app, {recursive: true})
  const release = `loop-${fixture.pack}`
  const namespace = `bench-loop-${fixture.pack}-${where}-${process.pid}`
  execFileSync(process.execPath, [join(packageRoot(), 'bin', 'run.js'), 'create', app, '--app', release], {stdio: 'ignore'})
  const onKwok = ['--set', 'nodeSelector.type=kwok', '--set', 'tolerations[0].key=kwok.x-k8s.io/node', '--set', 'tolerations[0].operator=Exists', '--set', 'tolerations[0].effect=NoSchedule']
  const watch = new DraftProcess(['up', app, '--watch', '--registry', registry!, '--namespace', namespace, '--build-network', 'host', '--release', release, ...(where === 'real' ? ['--connect'] : onKwok)])
  const figures: Figures = {available: [], answering: [], oldGone: []}
  let edit = 0
  const change = (): void => {
    const source = join(app, fixture.source)
    if (fixture.comment) appendFileSync(source, `\n${fixture.comment} loop edit ${++edit} ${Date.now()}\n`)
    else appendFileSync(source, `\n<!-- loop edit ${++edit} ${Date.now()} -->\n`)
  }
  try {
    await watch.until(() => watch.of('cycle-finished').length > 0, 'the first deploy', 15 * 60_000)
    const url = where === 'real' ? await watch.url() : undefined
    for (let i = 0; i < EDITS; i++) {
      await sleep(1000)
      const before = where === 'real' ? podsOf(namespace, release) : []
      const targets = watch.of('forward-target').length
      change()
      const written = performance.now()
      const tag = (await contentTag(app)).tag
      await watch.until(() => watch.of('cycle-finished').some(e => (e.result as {tag?: string}).tag === tag), `the cycle of edit ${edit}`, 5 * 60_000)
      const available = performance.now()
      figures.available.push(available - written)
      if (!url) continue
      // The new version answers through the URL once connect has moved new connections to its pod.
      await watch.until(() => watch.of('forward-target').slice(targets).some(e => !before.includes(String(e.pod))), 'connect to move to the new pod', 60_000)
      for (;;) {
        const answer = await get(url).catch(() => undefined)
        if (answer && answer.status < 500) break
        await sleep(20)
      }
      figures.answering.push(performance.now() - written)
      figures.oldGone.push(await goneAfter(namespace, before))
    }
    if (where === 'real' && fixture.pack === 'node') {
      const cpu0 = cpuSeconds(watch.child.pid!)
      const rss0 = rssMb(watch.child.pid!)
      await sleep(IDLE_S * 1000)
      const cpu = cpuSeconds(watch.child.pid!) - cpu0
      console.log(`  idle ${IDLE_S}s with the forward and log stream open: CPU ${cpu.toFixed(2)} s (${((cpu / IDLE_S) * 100).toFixed(2)}% of a core), RSS ${rss0.toFixed(0)} -> ${rssMb(watch.child.pid!).toFixed(0)} MB`)
    }
  } finally {
    await watch.stop()
    spawnSync('kubectl', ['delete', 'namespace', namespace, '--wait=false'], {stdio: 'ignore'})
    rmSync(root, {recursive: true, force: true})
  }
  return figures
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find(l => l.startsWith('VmRSS:'))
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) / 1024
}

if (PART === 'all' || PART === 'loop') {
  console.log(`draft up --watch --connect on the real node: ${EDITS} single-file edits per fixture (registry ${registry})`)
  console.log(`  ${'FIXTURE'.padEnd(26)}${'WRITE->AVAILABLE'.padEnd(20)}${'WRITE->NEW POD ANSWERS'.padEnd(26)}OLD POD GONE AFTER (median, max)`)
  const real = new Map<string, Figures>()
  for (const fixture of fixtures) {
    const f = await loop(fixture, 'real')
    real.set(fixture.pack, f)
    console.log(
      `  ${`${fixture.pack}/${fixture.name}`.padEnd(26)}${`${s(median(f.available))} (p90 ${s(p90(f.available))})`.padEnd(20)}` +
        `${`${s(median(f.answering))} (p90 ${s(p90(f.answering))})`.padEnd(26)}${s(median(f.oldGone))}, ${s(Math.max(...f.oldGone))}`,
    )
  }
  for (const fixture of fixtures.filter(f => ['node', 'go'].includes(f.pack))) {
    const kwok = await loop(fixture, 'kwok')
    const onReal = median(real.get(fixture.pack)!.available)
    console.log(`  ${fixture.pack}/${fixture.name} on the simulated kwok node: write->available ${s(median(kwok.available))} (p90 ${s(p90(kwok.available))}); the real node takes ${(onReal / median(kwok.available)).toFixed(2)}x`)
  }
}

/** `draft up --watch --json` with each event's arrival time, for the dashboard's figures. */
class Watch {
  readonly events: {at: number; event: {type: string; result?: {tag: string}; url?: string}}[] = []
  readonly child: ChildProcess

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [join(packageRoot(), 'bin', 'run.js'), 'up', '--watch', '--json', ...args], {stdio: ['ignore', 'pipe', 'inherit'], env: {...process.env, NO_COLOR: '1'}})
    let rest = ''
    this.child.stdout!.on('data', (chunk: Buffer) => {
      const now = performance.now()
      const lines = (rest + chunk.toString()).split('\n')
      rest = lines.pop() ?? ''
      for (const line of lines) if (line.startsWith('{')) this.events.push({at: now, event: JSON.parse(line) as Watch['events'][number]['event']})
    })
  }

  async waitFor(predicate: (e: Watch['events'][number]['event']) => boolean, after: number, timeoutMs = 300_000): Promise<number> {
    const deadline = performance.now() + timeoutMs
    for (;;) {
      const hit = this.events.find(e => e.at >= after && predicate(e.event))
      if (hit) return hit.at
      if (performance.now() > deadline) throw new Error('timed out waiting for the loop')
      await sleep(5)
    }
  }

  rssMb(): number {
    return rssMb(this.child.pid!)
  }
}

/** The dashboard's cost: cycle times with and without it, edited in turn, and its memory over many cycles. */
async function dashboardOverhead(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'draft-bench-dash-'))
  const namespace = `bench-dash-${process.pid}`
  const apps = {ui: join(root, 'ui', 'express-api'), plain: join(root, 'plain', 'express-api')}
  for (const [name, app] of Object.entries(apps)) {
    cpSync(join(packageRoot(), 'packs', 'node', 'fixtures', 'express-api'), app, {recursive: true})
    appendFileSync(join(app, 'src', 'server.js'), `\n// bench ${name} ${process.pid} ${Date.now()}\n`)
    spawnSync(process.execPath, [join(packageRoot(), 'bin', 'run.js'), 'create', app, '--app', `dash-${name}`], {stdio: 'ignore'})
  }
  const common = ['--registry', registry!, '--namespace', namespace, '--build-network', 'host']
  const ui = new Watch([apps.ui, ...common, '--release', 'dash-ui'])
  const plain = new Watch([apps.plain, ...common, '--release', 'dash-plain', '--ui=false'])
  let edit = 0
  const change = (app: string): void => appendFileSync(join(app, 'src', 'server.js'), `\n// dashboard bench edit ${++edit} ${Date.now()}\n`)
  const cycle = async (watch: Watch, app: string): Promise<number> => {
    change(app)
    const written = performance.now()
    const tag = (await contentTag(app)).tag
    return (await watch.waitFor(e => e.type === 'cycle-finished' && e.result?.tag === tag, written)) - written
  }
  let page: ClientRequest | undefined
  let received = 0
  try {
    await Promise.all([ui.waitFor(e => e.type === 'cycle-finished', 0), plain.waitFor(e => e.type === 'cycle-finished', 0)])
    // A page on the dashboard: the server sends every event to it.
    const url = new URL(String(ui.events.find(e => e.event.type === 'dashboard')!.event.url))
    page = request({host: '127.0.0.1', port: url.port, path: '/api/events', headers: {host: url.host, authorization: `Bearer ${url.hash.slice('#token='.length)}`}}, res => res.on('data', (d: Buffer) => (received += d.length)))
    page.on('error', () => undefined)
    page.end()
    const times = {ui: [] as number[], plain: [] as number[]}
    for (let i = 0; i < EDITS; i++) {
      // Alternating which goes first, so that neither always runs right after the other.
      const order: ('ui' | 'plain')[] = i % 2 === 0 ? ['ui', 'plain'] : ['plain', 'ui']
      for (const which of order) {
        await sleep(500)
        times[which].push(await cycle(which === 'ui' ? ui : plain, apps[which]))
      }
    }
    const [u, p] = [median(times.ui), median(times.plain)]
    console.log(
      `dashboard overhead, node/express-api, ${EDITS} edits each, alternating: write->available with the dashboard median ${s(u)} (p90 ${s(p90(times.ui))}), ` +
        `with --ui=false median ${s(p)} (p90 ${s(p90(times.plain))}); ratio ${(u / p).toFixed(2)}x (${u >= p ? '+' : ''}${s(u - p)})`,
    )
    const samples: string[] = []
    const stateBytes = async (): Promise<number> => {
      const res = await fetch(`http://127.0.0.1:${url.port}/api/state`, {headers: {authorization: `Bearer ${url.hash.slice('#token='.length)}`}})
      return (await res.text()).length
    }
    // Both go on, in turn, so that the process without the dashboard shows what the loop itself grows.
    const marks = new Set([1, 10, 25, 50, 75, CYCLES])
    for (let i = 1; i <= CYCLES; i++) {
      await sleep(200)
      await cycle(ui, apps.ui)
      await sleep(200)
      await cycle(plain, apps.plain)
      if (marks.has(i)) samples.push(`${i}: RSS ${ui.rssMb().toFixed(0)} MB (--ui=false ${plain.rssMb().toFixed(0)} MB), state ${(await stateBytes() / 1024).toFixed(0)} kB`)
    }
    console.log(`  memory over ${CYCLES} more cycles each (a page attached to the dashboard, ${(received / 1024 / 1024).toFixed(1)} MB sent to it): ${samples.join('; ')}`)
  } finally {
    page?.destroy()
    for (const w of [ui, plain]) {
      w.child.kill('SIGINT')
      await new Promise(resolve => w.child.once('exit', resolve))
    }
    spawnSync('kubectl', ['delete', 'namespace', namespace, '--wait=false'], {stdio: 'ignore'})
    rmSync(root, {recursive: true, force: true})
  }
}

/** probes.innerLoop against startup + readiness + liveness checks (the startup one each second). */
async function probeModes(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'draft-bench-probes-'))
  const namespace = `bench-probes-${process.pid}`
  const modes = {
    inner: {app: join(root, 'inner', 'express-api'), set: [] as string[]},
    startup: {app: join(root, 'startup', 'express-api'), set: ['--set', 'probes.innerLoop=false', '--set', 'probes.startupPeriodSeconds=1']},
  }
  for (const [name, mode] of Object.entries(modes)) {
    cpSync(join(packageRoot(), 'packs', 'node', 'fixtures', 'express-api'), mode.app, {recursive: true})
    appendFileSync(join(mode.app, 'src', 'server.js'), `\n// bench ${name} ${process.pid} ${Date.now()}\n`)
    spawnSync(process.execPath, [join(packageRoot(), 'bin', 'run.js'), 'create', mode.app, '--app', `probes-${name}`], {stdio: 'ignore'})
  }
  const common = ['--registry', registry!, '--namespace', namespace, '--build-network', 'host', '--ui=false']
  const watches = {
    inner: new Watch([modes.inner.app, ...common, '--release', 'probes-inner']),
    startup: new Watch([modes.startup.app, ...common, '--release', 'probes-startup', ...modes.startup.set]),
  }
  let edit = 0
  try {
    await Promise.all(Object.values(watches).map(w => w.waitFor(e => e.type === 'cycle-finished', 0)))
    const times = {inner: [] as number[], startup: [] as number[]}
    for (let i = 0; i < EDITS; i++) {
      const order: ('inner' | 'startup')[] = i % 2 === 0 ? ['inner', 'startup'] : ['startup', 'inner']
      for (const which of order) {
        await sleep(1000)
        const app = modes[which].app
        appendFileSync(join(app, 'src', 'server.js'), `\n// probes bench edit ${++edit} ${Date.now()}\n`)
        const written = performance.now()
        const tag = (await contentTag(app)).tag
        times[which].push((await watches[which].waitFor(e => e.type === 'cycle-finished' && e.result?.tag === tag, written)) - written)
      }
    }
    const [a, b] = [median(times.inner), median(times.startup)]
    console.log(
      `probes, node/express-api on the real node, ${EDITS} edits each, alternating: write->available with probes.innerLoop median ${s(a)} (p90 ${s(p90(times.inner))}), ` +
        `with a startup check each second median ${s(b)} (p90 ${s(p90(times.startup))}); ratio ${(a / b).toFixed(2)}x (${a >= b ? '+' : ''}${s(a - b)})`,
    )
  } finally {
    for (const w of Object.values(watches)) {
      w.child.kill('SIGINT')
      await new Promise(resolve => w.child.once('exit', resolve))
    }
    spawnSync('kubectl', ['delete', 'namespace', namespace, '--wait=false'], {stdio: 'ignore'})
    rmSync(root, {recursive: true, force: true})
  }
}

if (PART === 'all' || PART === 'dashboard') await dashboardOverhead()
if (PART === 'all' || PART === 'probes') await probeModes()
