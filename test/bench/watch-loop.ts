/**
 * The inner loop on the bed's real node, for the main fixture of every built-in pack that builds
 * here: `draft up --watch --connect` gets single-file edits, each timed
 *   - from the write to the cycle that deploys it finishing (rollout available),
 *   - from the write to the new pod answering through connect's URL (the local port never changes),
 *   - and from that cycle's end until the old pod is gone (SIGTERM handled or not).
 * Then, for node and go, the same edits with the pods on the simulated kwok node (no container runs,
 * so nothing answers): the figure before the real node, kept beside it. And the watcher's idle CPU
 * and memory over 30 s. A script, not a test: it prints figures and asserts nothing.
 *
 *   eval "$(npm run -s bed:env)"; npm run bench:loop [-- --edits 10 --idle 30 --packs node,python]
 */
import {execFileSync, spawnSync} from 'node:child_process'
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
