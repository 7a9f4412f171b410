/**
 * Live update against the rebuild path, on the bed's real node: for each fixture, two copies of the
 * app under `draft up --watch --connect`, one with --sync and one without, edited in turn (which goes
 * first alternates). Each edit changes what the app answers; the figure is the time from the write to
 * the new answer through connect's URL (the local port the developer's browser uses), polled on fresh
 * connections every 20 ms. Also the sync cycle's own time (plan, copy, reload) as draft reports it.
 * Medians, p90 and the ratio of sync to rebuild, measured side by side in one run. A script, not a
 * test: it prints figures and asserts nothing.
 *
 *   eval "$(npm run -s bed:env)"; npm run bench:sync [-- --edits 10 --packs node,python]
 */
import {spawnSync} from 'node:child_process'
import {cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {packageRoot} from '../../src/util/package-root.js'
import {DraftProcess, get} from '../support/draft-process.js'

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1]! : fallback
}
const EDITS = Number(arg('edits', '10'))
const PACKS = arg('packs', 'node,python').split(',')
const registry = process.env.DRAFT_BED_REGISTRY
if (!registry || !process.env.KUBECONFIG) {
  console.error('the test bed is not in the environment: run `npm run bed:up` then `eval "$(npm run -s bed:env)"`')
  process.exit(1)
}
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN
const p90 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.9) - 1)] ?? Number.NaN
const ms = (x: number): string => (Number.isFinite(x) ? `${Math.round(x)} ms` : '-')

/** Each fixture, its source file, and how an edit changes what `/` answers. */
const fixtures = [
  {pack: 'node', name: 'express-api', source: 'src/server.js', pattern: /message: '[^']*'/, say: (m: string) => `message: '${m}'`},
  {pack: 'python', name: 'flask-requirements', source: 'app.py', pattern: /service="[^"]*"/, say: (m: string) => `service="${m}"`},
].filter(f => PACKS.includes(f.pack))

type Path = 'sync' | 'rebuild'

interface Side {
  app: string
  watch: DraftProcess
  url: string
  /** Write -> new answer, per edit. */
  answered: number[]
  /** The cycle's own time as draft reports it (a sync's plan+copy+reload; a rebuild's every stage). */
  cycle: number[]
}

const ended = (w: DraftProcess): number => ['cycle-finished', 'cycle-synced', 'cycle-failed', 'cycle-cancelled'].reduce((n, t) => n + w.of(t).length, 0)

/** Fills `sides` as the watch processes start, so that the caller stops whatever started. */
async function bench(fixture: (typeof fixtures)[number], namespace: string, root: string, sides: Partial<Record<Path, Side>>): Promise<Record<Path, Side>> {
  for (const path of ['sync', 'rebuild'] as const) {
    const app = join(root, path, fixture.name)
    const release = `sync-bench-${fixture.pack}-${path}`
    cpSync(join(packageRoot(), 'packs', fixture.pack, 'fixtures', fixture.name), app, {recursive: true})
    spawnSync(process.execPath, [join(packageRoot(), 'bin', 'run.js'), 'create', app, '--app', release], {stdio: 'ignore'})
    // One at a time: two first builds at once would only slow each other on this machine.
    const watch = new DraftProcess(['up', app, '--watch', '--connect', '--ui=false', '--registry', registry!, '--namespace', namespace, '--build-network', 'host', '--release', release, ...(path === 'sync' ? ['--sync'] : [])])
    sides[path] = {app, watch, url: '', answered: [], cycle: []}
    await watch.until(() => watch.of('cycle-finished').length > 0, `the first deploy of ${release}`, 15 * 60_000)
    const sync = (watch.of('watching')[0] as {sync?: {on: boolean; message: string}} | undefined)?.sync
    if (path === 'sync' && !sync?.on) throw new Error(`${release}: live update is not on: ${sync?.message ?? 'no sync line'}`)
    sides[path]!.url = await watch.url()
  }
  const ready = sides as Record<Path, Side>
  let edit = 0
  const once = async (path: Path): Promise<void> => {
    const side = ready[path]
    const marker = `bench ${path} edit ${++edit} ${Date.now()}`
    const file = join(side.app, fixture.source)
    const before = ended(side.watch)
    writeFileSync(file, readFileSync(file, 'utf8').replace(fixture.pattern, fixture.say(marker)))
    const written = performance.now()
    for (;;) {
      const answer = await get(side.url, 2000).catch(() => undefined)
      if (answer?.body.includes(marker)) break
      if (performance.now() - written > 5 * 60_000) throw new Error(`${path}: "${marker}" not answered within 5 minutes; ${side.watch.stderr}`)
      await sleep(20)
    }
    side.answered.push(performance.now() - written)
    await side.watch.until(() => ended(side.watch) > before, `the cycle of edit ${edit}`, 5 * 60_000)
    const last = side.watch.events.filter(e => ['cycle-finished', 'cycle-synced', 'cycle-failed', 'cycle-cancelled'].includes(e.type)).at(-1)!
    if (path === 'sync' && last.type !== 'cycle-synced') throw new Error(`edit ${edit} was not synced: ${JSON.stringify(last)}`)
    side.cycle.push(Number((last.result as {totalMs?: number} | undefined)?.totalMs ?? Number.NaN))
  }
  for (let i = 0; i < EDITS; i++) {
    const order: Path[] = i % 2 === 0 ? ['sync', 'rebuild'] : ['rebuild', 'sync']
    for (const path of order) {
      await sleep(1000)
      await once(path)
    }
  }
  return ready
}

console.log(`draft up --watch --connect on the real node, with --sync and without: ${EDITS} edits each, in turn (registry ${registry})`)
console.log(`  ${'FIXTURE'.padEnd(28)}${'SYNC: WRITE->NEW ANSWER'.padEnd(28)}${'SYNC CYCLE'.padEnd(14)}${'REBUILD: WRITE->NEW ANSWER'.padEnd(30)}SYNC / REBUILD`)
for (const fixture of fixtures) {
  const namespace = `sync-bench-${fixture.pack}-${process.pid}`
  const root = mkdtempSync(join(tmpdir(), 'draft-bench-sync-'))
  const sides: Partial<Record<Path, Side>> = {}
  try {
    const {sync: s, rebuild: r} = await bench(fixture, namespace, root, sides)
    const ratio = median(s.answered) / median(r.answered)
    console.log(
      `  ${`${fixture.pack}/${fixture.name}`.padEnd(28)}${`${ms(median(s.answered))} (p90 ${ms(p90(s.answered))})`.padEnd(28)}${ms(median(s.cycle)).padEnd(14)}` +
        `${`${ms(median(r.answered))} (p90 ${ms(p90(r.answered))})`.padEnd(30)}${ratio.toFixed(3)} (${(1 / ratio).toFixed(1)}x faster)`,
    )
    console.log(`    sync, each edit: ${s.answered.map(x => Math.round(x)).join(' ')} ms; rebuild: ${r.answered.map(x => (x / 1000).toFixed(2)).join(' ')} s`)
  } finally {
    for (const side of Object.values(sides)) await side.watch.stop()
    spawnSync('kubectl', ['delete', 'namespace', namespace, '--wait=false'], {stdio: 'ignore'})
    rmSync(root, {recursive: true, force: true})
  }
}
console.log('  goal (issue 11): a sync median of 500 ms or less; Tilt publishes 1.1-1.8 s from change to new process with live_update')
